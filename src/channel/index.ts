export { createChannel, openChannel, openReceiver, createSender } from './channel.js';
export type { SharedChannel } from './channel.js';
export { Sender } from './sender.js';
export type { SendOptions, AsyncSendOptions } from './sender.js';
export { Receiver } from './receiver.js';
export type {
  ReceiveOptions,
  AsyncReceiveOptions,
  CloseOptions,
  ReceiverEvents,
  RecordView,
} from './receiver.js';
export { fork, parentChannel, ParentChannel } from './fork.js';
export type { ForkOptions, ShmringChildProcess } from './fork.js';
export { DEFAULT_CAPACITY } from './options.js';
export type { ChannelOptions, UnlinkPolicy, Backing } from './options.js';
export type { WaitOptions } from './endpoints.js';
