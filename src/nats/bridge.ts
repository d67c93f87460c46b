// A bridge between a local channel and a NATS channel, one value at a time, so order and
// back-pressure carry through: a value is taken from one side only when the other side has
// room, and counts as forwarded only once the other side has it.
import {
  createChannel as createLocal,
  openChannel as openLocal,
  openReceiver as openLocalReceiver,
  type ChannelOptions,
  type Receiver,
  type Sender,
} from '../channel/index.js';
import { invalidArgValue, type ShmringError } from '../errors.js';
import { createChannel, openChannel } from './channel.js';
import type { NatsChannelOptions } from './options.js';
import type { NatsReceiver } from './receiver.js';
import type { NatsSender } from './sender.js';

export interface BridgeOptions<T = unknown> {
  /**
   * 'to-nats': the bridge is the local channel's receiver (it creates the channel, with
   * unlink 'never', unless it exists) and a sender of the NATS channel (which must exist).
   * 'from-nats': the bridge is the NATS channel's receiver (created with unlink 'never'
   * unless it exists) and a sender of the local channel (which must exist).
   */
  direction: 'to-nats' | 'from-nats';
  /** The NATS channel's name (default: the local channel's). */
  remote?: string;
  /** Options of the NATS side: servers, connection, codec... */
  nats?: NatsChannelOptions<T>;
  /** Options of the local side. */
  local?: ChannelOptions<T>;
}

/** A running bridge. */
export interface Bridge {
  /** Values forwarded so far. */
  readonly forwarded: number;
  /** Settles when the bridge stops: at the end of the source's stream, on stop(), or on an error. */
  readonly done: Promise<void>;
  /** Stops after the value in flight (if any) has been delivered; resolves once stopped. */
  stop(): Promise<void>;
}

function isAbort(error: unknown): boolean {
  return (error as ShmringError).code === 'ABORT_ERR';
}

function isEnd(error: unknown): boolean {
  return (error as ShmringError).code === 'ERR_SHMRING_END_OF_STREAM';
}

// The local channel's receiver: a new channel that outlives the bridge, or the existing one.
function localReceiver<T>(name: string, options: ChannelOptions<T> | undefined): Receiver<T> {
  try {
    return createLocal<T>(name, { producers: 'multi', unlink: 'never', ...options });
  } catch (error) {
    if ((error as ShmringError).code !== 'EEXIST') throw error;
    return openLocalReceiver<T>(name, options);
  }
}

class RunningBridge implements Bridge {
  forwarded = 0;
  readonly done: Promise<void>;
  readonly #stop = new AbortController();

  constructor(run: (signal: AbortSignal, count: () => void) => Promise<void>) {
    this.done = run(this.#stop.signal, () => this.forwarded++);
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.done;
  }
}

// Local ring -> NATS. A value leaves the ring when the bridge receives it and is forwarded
// once the server acknowledged it; a bridge killed in between loses that one value.
async function toNats<T>(
  from: Receiver<T>,
  to: NatsSender<T>,
  signal: AbortSignal,
  count: () => void,
): Promise<void> {
  let ended = false;
  try {
    // A receive returns a value that is there even when the signal has aborted: checked first.
    while (!signal.aborted) {
      let value: T;
      try {
        value = await from.receive({ signal });
      } catch (error) {
        if (isAbort(error)) return;
        if (isEnd(error)) return void (ended = true);
        throw error;
      }
      await to.send(value);
      count();
    }
  } finally {
    // At the end of the local stream the NATS stream ends too; a stopped bridge leaves
    // without signing off (its NATS receiver counts it gone once its beats stop).
    await (ended ? to.close() : to.detach());
    from.close();
  }
}

// NATS -> local ring. A value is acknowledged to the server only once the local send has
// completed; one taken but not acknowledged goes back to the server for the next bridge.
async function fromNats<T>(
  from: NatsReceiver<T>,
  to: Sender<T>,
  signal: AbortSignal,
  count: () => void,
): Promise<void> {
  try {
    while (!signal.aborted) {
      let delivery;
      try {
        delivery = await from.receiveDelivery({ signal });
      } catch (error) {
        if (isAbort(error)) return;
        if (isEnd(error)) return;
        throw error;
      }
      await to.send(delivery.value);
      delivery.ack();
      count();
    }
  } finally {
    to.close();
    await from.close();
  }
}

/** Starts forwarding between a local channel and a NATS channel (see BridgeOptions). */
export async function bridge<T = unknown>(
  local: string,
  options: BridgeOptions<T>,
): Promise<Bridge> {
  const remote = options.remote ?? local;
  if (options.direction === 'to-nats') {
    const to = await openChannel<T>(remote, options.nats);
    let from: Receiver<T>;
    try {
      from = localReceiver<T>(local, options.local);
    } catch (error) {
      await to.detach();
      throw error;
    }
    return new RunningBridge((signal, count) => toNats(from, to, signal, count));
  }
  if (options.direction === 'from-nats') {
    const from = await createChannel<T>(remote, { unlink: 'never', ...options.nats });
    let to: Sender<T>;
    try {
      to = openLocal<T>(local, options.local);
    } catch (error) {
      await from.close();
      throw error;
    }
    return new RunningBridge((signal, count) => fromNats(from, to, signal, count));
  }
  throw invalidArgValue('direction', "must be 'to-nats' or 'from-nats'", options.direction);
}
