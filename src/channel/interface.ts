// The channel interface both transports satisfy: local rings (Sender, Receiver) and NATS
// JetStream (NatsSender, NatsReceiver from 'shmring/nats'). Code written against it works
// with either when it awaits what may be a promise (trySend, tryReceive, close).
import type { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';

import type { AsyncSendOptions } from './sender.js';
import type { AsyncReceiveOptions } from './receiver.js';

/** The sending end of a channel, local or over NATS. */
export interface ChannelSender<T = unknown> {
  readonly name: string;
  readonly closed: boolean;
  /** false when there is no room (nothing was sent); a promise over the network. */
  trySend(value: T): boolean | Promise<boolean>;
  /** Waits for room; ETIMEDOUT, ABORT_ERR, EPIPE. */
  send(value: T, options?: AsyncSendOptions): Promise<void>;
  createWriteStream(): Writable;
  /** The last sender to close ends the stream. */
  close(): void | Promise<void>;
}

/** The receiving end of a channel, local or over NATS: also emits 'message', 'end', 'error'. */
export interface ChannelReceiver<T = unknown> extends EventEmitter, AsyncIterable<T> {
  readonly name: string;
  readonly closed: boolean;
  /** Every sender closed and every value was received. */
  readonly ended: boolean;
  /** The next value if one is there, else undefined; a promise over the network. */
  tryReceive(): T | undefined | Promise<T | undefined>;
  /** Waits for a value; ETIMEDOUT, ABORT_ERR, ERR_SHMRING_END_OF_STREAM, ERR_SHMRING_CLOSED. */
  receive(options?: AsyncReceiveOptions): Promise<T>;
  createReadStream(): Readable;
  close(): void | Promise<void>;
}
