// The receiving end of a NATS channel: a durable pull consumer on the channel's stream,
// values put back together from fragments, de-duplicated, acknowledged when handed out.
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';

import type { Consumer, JsMsg } from '@nats-io/jetstream';

import type { Codec } from '../codec/index.js';
import type { AsyncReceiveOptions, CloseOptions } from '../channel/receiver.js';
import { readStreamOf, valuesOf } from '../channel/adapters.js';
import type { ChannelReceiver } from '../channel/interface.js';
import { ShmringError, endOfStreamError, receiverClosedError } from '../errors.js';
import type { NatsLink } from './connection.js';
import { readPiece, Reassembly } from './fragments.js';
import type { ChannelNames } from './names.js';
import { notOffered } from './not-offered.js';
import { Patience } from './patience.js';
import { pauseOrThrow } from './retry.js';
import { RecentValues, valueKey } from './recent.js';
import { SenderWatch } from './registration.js';
import { deleteChannel } from './streams.js';

/** Messages asked for per pull; they wait, unacknowledged, until handed out. */
const PREFETCH = 64;
/** How long one pull waits for messages (the client's minimum); end of stream is checked between pulls. */
const PULL_MS = 1000;

/** A value taken from the stream and not yet acknowledged. */
export interface Delivery<T> {
  readonly value: T;
  /** Acknowledges the value: the server forgets it. Until then a new receiver would get it again. */
  ack(): void;
}

interface Queued<T> {
  value: T;
  sender: string;
  seq: number;
  message: JsMsg;
}

export interface ReceiverSettings {
  keepOpen: boolean;
  ackWaitMs: number;
  deleteOnClose: boolean;
  serverTimeoutMs: number;
}

/**
 * Receives a NATS channel's values, in order per sender, each once. Same interface as the
 * local Receiver, asynchronous throughout: pull them (receive, tryReceive, for await) or
 * listen: 'message', 'end', 'error' (a malformed or cut-short value, skipped).
 */
export class NatsReceiver<T = unknown> extends EventEmitter implements ChannelReceiver<T> {
  /** The channel's name. */
  readonly name: string;
  readonly #link: NatsLink;
  readonly #names: ChannelNames;
  readonly #codec: Codec<T>;
  readonly #consumer: Consumer;
  readonly #settings: ReceiverSettings;
  readonly #reassembly = new Reassembly();
  readonly #queue: Queued<T>[] = [];
  readonly #recent: RecentValues;
  readonly #wakers = new Set<() => void>();
  readonly #watch: SenderWatch;
  /** The pull under way: close() lets it finish, so nothing is left on its way to this receiver. */
  #pulling: Promise<void> | undefined;
  #waiting = 0;
  /** Why pulling stopped (ECONNRESET, a deleted stream): the next receive reports it. */
  #failure: unknown;
  #ended = false;
  #closed = false;
  #pump: AbortController | undefined;

  /** @internal Use createChannel() from 'shmring/nats'. */
  constructor(
    link: NatsLink,
    names: ChannelNames,
    codec: Codec<T>,
    consumer: Consumer,
    settings: ReceiverSettings,
  ) {
    super();
    this.name = names.channel;
    this.#link = link;
    this.#names = names;
    this.#codec = codec;
    this.#consumer = consumer;
    this.#settings = settings;
    this.#watch = new SenderWatch(link, names);
    this.#recent = new RecentValues(settings.ackWaitMs);
    this.on('newListener', (event) => {
      if (event === 'message') queueMicrotask(() => void this.#pumpMessages());
    });
    this.on('removeListener', (event) => {
      if (event === 'message' && this.listenerCount('message') === 0) this.#pump?.abort();
    });
  }

  #wake(): void {
    for (const wake of this.#wakers) wake();
  }

  /** Whether every sender closed (or went silent) and every value was received. */
  get ended(): boolean {
    return this.#ended;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #report(problem: string): void {
    const error = new ShmringError('ERR_SHMRING_BAD_FRAME', problem);
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else process.emitWarning(error);
  }

  #reportCutShort(sender: string, seq: number | undefined): void {
    if (seq !== undefined)
      this.#report(`value ${seq} of sender ${sender} was cut short: the rest never arrived`);
  }

  // One message from the stream: a repeat, a fragment, or a whole value for the queue.
  #accept(message: JsMsg): void {
    if (this.#closed) return message.nak(); // back to the server at once, for the next receiver
    const piece = readPiece(message.headers, message.data);
    if (piece === undefined) {
      message.term(); // not ours: never deliver it again
      this.#report(`message ${message.seq} has no shmring headers; skipped`);
      return;
    }
    const key = valueKey(piece.sender, piece.seq);
    if (this.#recent.handedOut(key)) return message.ack();
    if (this.#recent.has(key)) return; // acknowledged with the copy in the queue
    const assembled = this.#reassembly.add(piece);
    if (assembled.kind !== 'repeat' && assembled.kind !== 'orphan')
      this.#reportCutShort(piece.sender, assembled.cutShort);
    if (assembled.kind !== 'value') {
      // Fragments are acknowledged as they arrive, as the ring frees them: a stream smaller
      // than the value must make room for the rest.
      message.ack();
      if (assembled.kind === 'orphan')
        this.#report(
          `a fragment of value ${piece.seq} of sender ${piece.sender} came without its beginning; skipped`,
        );
      return;
    }
    let value: T;
    try {
      value = this.#codec.decode(assembled.bytes, assembled.owned);
    } catch (error) {
      message.ack();
      this.#report(
        `value ${piece.seq} of sender ${piece.sender} does not decode: ${(error as Error).message}`,
      );
      return;
    }
    this.#recent.queued(key);
    this.#queue.push({ value, sender: piece.sender, seq: piece.seq, message });
    this.#wake();
  }

  // Pulls while someone waits and nothing is queued; checks for the end between pulls.
  #startPull(): void {
    this.#pulling ??= this.#pull().finally(() => {
      this.#pulling = undefined;
      this.#wake();
    });
  }

  async #pull(): Promise<void> {
    const patience = new Patience('the NATS server', {}, this.#settings.serverTimeoutMs);
    try {
      while (!this.#closed && !this.#ended && this.#waiting > 0 && this.#queue.length === 0) {
        try {
          const batch = await this.#consumer.fetch({ max_messages: PREFETCH, expires: PULL_MS });
          let count = 0;
          for await (const message of batch) {
            count++;
            this.#accept(message);
          }
          patience.reached();
          if (count === 0 && this.#queue.length === 0 && (await this.#endReached())) this.#end();
        } catch (error) {
          if (this.#closed) return;
          await pauseOrThrow(this.#link, this.#names.dataStream, patience, error, () => {
            return new ShmringError('ENOENT', `the NATS channel '${this.name}' was deleted`, {
              cause: error,
            });
          });
        }
      }
    } catch (error) {
      this.#failure = error;
    }
  }

  // Every sender closed or went silent, and nothing is left.
  async #endReached(): Promise<boolean> {
    if (this.#settings.keepOpen) return false;
    await this.#watch.refresh();
    if (!this.#watch.everyoneGone()) return false;
    const info = await this.#link.jsm.streams.info(this.#names.dataStream);
    return info.state.messages === 0 && this.#queue.length === 0;
  }

  #end(): void {
    this.#ended = true;
    for (const [sender, seq] of this.#reassembly.discardAll()) this.#reportCutShort(sender, seq);
  }

  #next(): Delivery<T> | undefined {
    const queued = this.#queue.shift();
    if (queued === undefined) return undefined;
    let acked = false;
    return {
      value: queued.value,
      ack: () => {
        if (acked) return;
        acked = true;
        this.#recent.handOut(valueKey(queued.sender, queued.seq));
        queued.message.ack();
      },
    };
  }

  // Waits until something changes (a value, the end, a failure), the deadline or the signal.
  async #waitForChange(patience: Patience, signal: AbortSignal | undefined): Promise<void> {
    this.#waiting++;
    let wake!: () => void;
    const changed = new Promise<void>((resolve) => (wake = resolve));
    const timer = setTimeout(wake, Math.min(patience.remaining, 2 ** 31 - 1));
    this.#wakers.add(wake);
    signal?.addEventListener('abort', wake);
    try {
      this.#startPull();
      await changed;
    } finally {
      this.#waiting--;
      clearTimeout(timer);
      this.#wakers.delete(wake);
      signal?.removeEventListener('abort', wake);
    }
  }

  /**
   * The next value, unacknowledged: call `ack()` once you are done with it (a receiver that
   * stops before, or dies, leaves it to the next receiver). For at-least-once processing.
   */
  async receiveDelivery(options: AsyncReceiveOptions = {}): Promise<Delivery<T>> {
    const patience = new Patience('a message', options, this.#settings.serverTimeoutMs);
    for (;;) {
      const delivery = this.#next();
      if (delivery !== undefined) return delivery;
      if (this.#ended) throw endOfStreamError();
      if (this.#closed) throw receiverClosedError();
      if (this.#failure !== undefined) {
        const failure = this.#failure;
        this.#failure = undefined;
        throw failure;
      }
      patience.check();
      await this.#waitForChange(patience, options.signal);
    }
  }

  /**
   * The next value, acknowledged as it is handed out. Rejects with ETIMEDOUT, ABORT_ERR
   * (signal), ERR_SHMRING_END_OF_STREAM at the end, ERR_SHMRING_CLOSED on close,
   * ECONNRESET when the server stayed unreachable for serverTimeoutMs.
   */
  async receive(options: AsyncReceiveOptions = {}): Promise<T> {
    const delivery = await this.receiveDelivery(options);
    delivery.ack();
    return delivery.value;
  }

  /**
   * The next value if one is queued or stored on the server, else undefined (also after
   * the end: see `ended`). One round trip when nothing is queued here.
   */
  async tryReceive(): Promise<T | undefined> {
    const delivery = this.#next();
    if (delivery !== undefined) {
      delivery.ack();
      return delivery.value;
    }
    if (this.#ended || this.#closed) return undefined;
    const info = await this.#consumer.info();
    if (info.num_pending === 0 && this.#queue.length === 0) return undefined;
    try {
      return await this.receive({ timeoutMs: this.#settings.serverTimeoutMs });
    } catch (error) {
      if ((error as ShmringError).code === 'ERR_SHMRING_END_OF_STREAM') return undefined;
      throw error;
    }
  }

  /** Not offered over the network: throws ERR_SHMRING_NOT_SUPPORTED (use receive). */
  receiveSync(): never {
    throw notOffered('receiveSync', 'receive');
  }

  /** `for await (const value of receiver)`: every value until the end of the stream. */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return valuesOf((options) => this.receive(options));
  }

  // Delivers 'message' events while someone listens; 'end' once the stream is over.
  async #pumpMessages(): Promise<void> {
    if (this.#pump !== undefined || this.listenerCount('message') === 0) return;
    const pump = new AbortController();
    this.#pump = pump;
    try {
      while (!pump.signal.aborted && !this.#closed) {
        this.emit('message', await this.receive({ signal: pump.signal }));
      }
    } catch (error) {
      const code = (error as ShmringError).code;
      if (code === 'ERR_SHMRING_END_OF_STREAM') this.emit('end');
      else if (code !== 'ABORT_ERR' && !this.#closed) this.emit('error', error);
    } finally {
      this.#pump = undefined;
    }
  }

  /** An object-mode Readable of the values, ending with the stream. */
  createReadStream(): Readable {
    return readStreamOf((options) => this.receive(options));
  }

  /**
   * Closes the receiving end: pending receives reject with ERR_SHMRING_CLOSED, values taken
   * but not handed out go back to the server at once. Deletes the channel's streams when
   * `unlink` says so (default: the channel's unlink policy): senders then get EPIPE. Idempotent.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake();
    this.removeAllListeners('message');
    await this.#pulling; // what it brings now is given back (see #accept)
    for (const queued of this.#queue.splice(0)) {
      this.#recent.dequeued(valueKey(queued.sender, queued.seq));
      queued.message.nak();
    }
    try {
      if (options.unlink ?? this.#settings.deleteOnClose)
        await deleteChannel(
          this.#link,
          this.#names,
          new Patience('the NATS server', {}, this.#settings.serverTimeoutMs),
        );
    } finally {
      await this.#link.close();
    }
  }
}
