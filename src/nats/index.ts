// shmring/nats: the channel API over NATS JetStream, for more than one machine.
export { createChannel, openChannel } from './channel.js';
export { NatsSender } from './sender.js';
export { NatsReceiver } from './receiver.js';
export type { Delivery } from './receiver.js';
export { DEFAULT_NATS_CAPACITY, MIN_NATS_CAPACITY } from './options.js';
export type { NatsChannelOptions } from './options.js';
export { channelNames } from './names.js';
export type { ChannelNames } from './names.js';
export type { ChannelSender, ChannelReceiver } from '../channel/interface.js';
export { bridge } from './bridge.js';
export type { Bridge, BridgeOptions } from './bridge.js';
