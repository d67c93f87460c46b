// The receiving end of a channel: records out of the ring, reassembled and decoded.
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';

import {
  FrameReader,
  recordTypeOf,
  type Codec,
  type CodecOption,
  type FrameError,
  type FrameReaderOptions,
} from '../codec/index.js';
import { BadFrameWarnings } from '../codec/bad-frame-warnings.js';
import {
  AbortError,
  ShmringError,
  checkInteger,
  endOfStreamError,
  invalidArgType,
  receiverClosedError,
} from '../errors.js';
import type { MessageHandler, RingBuffer } from '../ring/index.js';
import type { Segment } from '../segment/index.js';
import {
  Interrupt,
  deadlineAfter,
  spinBriefly,
  timeoutError,
  type EventCount,
} from '../wait/index.js';
import { END_OF_STREAM, type Consumer } from './consumer.js';
import type { UnlinkPolicy } from './options.js';
import { ReadAheadQueue, forgetOnExit, releaseOnExit } from './read-ahead.js';

/** Records read ahead per poll: enough to amortise a poll, few enough to keep the loop responsive. */
const POLL_LIMIT = 1024;
/**
 * The space of values handed out goes back to the senders when the queue runs dry, when a
 * sender sleeps for room, or once it spans this many bytes (a sixteenth of smaller rings):
 * small values release once per poll (a store to the head and a wake-up check per value cost as
 * much as the rest of a receive), large ones one by one, so that a sender keeps writing while
 * the receiver works through a full ring.
 */
const RELEASE_BYTES = 64 * 1024;

/** How much memory reassembly may take (ChannelOptions.maxMessageBytes, maxReassemblyBytes). */
type ReassemblyLimits = Pick<FrameReaderOptions<unknown>, 'maxMessageBytes' | 'maxReassemblyBytes'>;

const EMPTY: unique symbol = Symbol('empty');
const END: unique symbol = Symbol('end');

// What a pending async call resolves with.
const WANTS_VALUE = 0; // receive(): the value
const WANTS_RESULT = 1; // for await: { value, done }
const WANTS_BATCH = 2; // receiveBatch(): an array
const WANTS_BATCH_RESULT = 3; // batches(): { value: array, done }

/** A pending async call, served in the order the calls were made. */
interface PendingCall {
  readonly wants: number;
  /** Most values a batch takes. */
  readonly max: number;
  readonly resolve: (result: never) => void;
  readonly reject: (error: unknown) => void;
  /** performance.now() deadline (Infinity: none). */
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

/**
 * Gets one message's bytes in place: bytes[offset, offset + length). `bytes` spans the
 * channel's shared memory (or a reassembled message larger than the ring's records) and is
 * only valid during the call.
 */
export type RecordView = (bytes: Uint8Array, offset: number, length: number) => void;

/** The events of a Receiver and their listeners' arguments. */
export interface ReceiverEvents<T> {
  /** One value (listeners get values no pending receive(), for await or stream takes). */
  message: [value: T];
  /** Every sender closed and every value was received. */
  end: [];
  /** A bad frame (skipped: later messages still arrive), or a failure of the ring. */
  error: [error: FrameError | ShmringError];
  newListener: [event: string | symbol, listener: (...args: never[]) => void];
  removeListener: [event: string | symbol, listener: (...args: never[]) => void];
}

export interface ReceiveOptions {
  /** Give up after this many ms: ETIMEDOUT. */
  timeoutMs?: number;
}

export interface AsyncReceiveOptions extends ReceiveOptions {
  /** Abort the wait: ABORT_ERR. */
  signal?: AbortSignal;
}

export interface CloseOptions {
  /** Remove the segment's name too (default: as the channel's unlink policy says). */
  unlink?: boolean;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
/** The options of calls made without any: one object, not one per call. */
const NO_OPTIONS: AsyncReceiveOptions = Object.freeze({});

function checkMax(max: number): number {
  if (max === Infinity) return max;
  return checkInteger('max', max, 1, Number.MAX_SAFE_INTEGER);
}

/**
 * Receives a channel's values, in order per sender. Pull them (tryReceive, receive,
 * receiveSync, for await, and the batch calls) or listen: 'message' (value), 'end' (every
 * sender closed and all was received), 'error' (a bad frame, skipped: later messages still
 * arrive; without an 'error' listener it becomes a process warning).
 *
 * Values are read from the ring in batches, but the ring's space is given back only as far as
 * values were handed out: a receiver that closes (or a process that exits) leaves every value
 * it has not handed out in the ring for the next receiver. (The space of values handed out
 * goes back per batch, so a process killed by a signal leaves those of its last batch too.)
 *
 * Several consumers of one receiver are served in a fixed order, each value to exactly one:
 * the synchronous calls take the next value at once; pending async calls (receive, for await
 * loops, receiveBatch, batches, read streams) get values in the order they were made; values
 * nobody is waiting for go to the 'message' listeners.
 */
export class Receiver<T = unknown> extends EventEmitter<ReceiverEvents<T>> {
  /** The channel's name (or label). */
  readonly name: string;
  readonly #consumer: Consumer;
  /** Where senders sleep for room in the ring. */
  readonly #spaceAvailable: EventCount;
  readonly #ring: RingBuffer;
  readonly #reader: FrameReader<T>;
  /** The memory bounds of reassembly, for both readers. */
  readonly #limits: ReassemblyLimits;
  readonly #segment: Segment | undefined;
  readonly #unlinkPolicy: UnlinkPolicy;
  /** Set while the segment's name still exists and is ours to remove. */
  #owned: boolean;
  readonly #queue = new ReadAheadQueue<T>();
  /** The read count the ring's head was released up to. */
  #released = 0;
  /** Bytes of values handed out that are released at once (RELEASE_BYTES). */
  readonly #releaseBytes: number;
  /** Whether values were handed out whose records are not released yet. */
  #holding = false;
  /** Releases the records of the values handed out (listed for process exit while #holding). */
  readonly #releaseHandedOut = (): void => {
    if (this.#holding) this.#releaseUpTo(this.#queue.end);
  };
  readonly #waiting: PendingCall[] = [];
  #ended = false;
  #endEmitted = false;
  #pumping = false;
  /** A call just spun for values in vain: the pump's next wait parks without spinning again. */
  #spun = false;
  /** Whether the queue holds values (read now if need be) or the stream ended. */
  readonly #filled = (): boolean => this.#fill() || this.#ended;
  /** Aborts the pump's wait for the ring (to re-plan it: a new deadline, nobody left waiting). */
  #rewait: Interrupt | undefined;
  #rewaitDeadline = Infinity;
  /** Zero-copy reads: where reassembled messages go, and the reader that reassembles them. */
  #recordView: RecordView = () => {};
  #recordReader: FrameReader<undefined> | undefined;
  readonly #warnings: BadFrameWarnings;

  /** @internal Use createChannel(). */
  constructor(
    name: string,
    consumer: Consumer,
    codec: CodecOption<T> | undefined,
    limits: ReassemblyLimits,
    segment: Segment | undefined,
    unlink: UnlinkPolicy,
    owned: boolean,
  ) {
    super();
    this.name = name;
    this.#consumer = consumer;
    this.#spaceAvailable = consumer.control.spaceAvailable;
    this.#releaseBytes = Math.min(RELEASE_BYTES, consumer.ring.capacity / 16);
    this.#ring = consumer.ring;
    this.#segment = segment;
    this.#unlinkPolicy = unlink;
    this.#owned = owned;
    this.#warnings = new BadFrameWarnings(name);
    consumer.readAhead = true;
    const ring = this.#ring;
    const queue = this.#queue;
    const sink = {
      message: (value: T) => queue.push(value, ring.peeked),
      error: (error: FrameError) => this.#reportBadFrame(error),
    };
    this.#limits = limits;
    this.#reader = new FrameReader<T>(ring, sink, { codec, ...limits });
    consumer.onProducersGone = (slots) => {
      for (const slot of slots) {
        this.#reader.discardProducer(slot);
        this.#recordReader?.discardProducer(slot);
      }
    };
    this.on('newListener', (event) => {
      if (event === 'message') queueMicrotask(() => void this.#pump());
    });
    this.on('removeListener', (event) => {
      if (event === 'message') this.#replan();
    });
  }

  /** The descriptor of the channel's segment (to hand a memfd channel to a child), or -1. */
  get fd(): number {
    return this.#segment?.fd ?? -1;
  }

  /** The shared memory of the channel (see Sender.buffer). */
  get buffer(): SharedArrayBuffer {
    return this.#ring.buffer;
  }

  /** Whether every sender closed and every message was received. */
  get ended(): boolean {
    return this.#ended;
  }

  get closed(): boolean {
    return this.#consumer.closed;
  }

  #reportBadFrame(error: FrameError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else this.#warnings.report(error);
  }

  // 'after-attach': the name goes once a sender has mapped the segment.
  #unlinkIfAttached(): void {
    if (
      this.#owned &&
      this.#unlinkPolicy === 'after-attach' &&
      this.#consumer.control.openProducers > 0
    ) {
      this.#owned = false;
      this.#segment?.unlink();
    }
  }

  /** Reads the ring into the queue while it is empty; whether it holds values now. */
  #fill(): boolean {
    const queue = this.#queue;
    while (queue.length === 0) {
      if (this.#ended) return false;
      this.#unlinkIfAttached();
      const count = this.#consumer.poll(this.#reader.handler, POLL_LIMIT);
      this.#read(count);
      if (count === 0) return false;
    }
    return true;
  }

  /** After a read of `count` records into the queue. */
  #read(count: number): void {
    if (count === END_OF_STREAM) this.#end();
    // Records that made no value (fragments, bad frames) need no one to hand them out.
    else if (this.#queue.length === 0) this.#releaseUpTo(this.#ring.peeked);
    // A synchronous call read values while the pump waits for the ring: they are not in the
    // ring any more as far as that wait can tell, so wake the pump to hand them out.
    else this.#rewait?.abort();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#reader.end(); // reports messages cut short by a sender that closed midway
    this.#recordReader?.end();
  }

  /** Gives the space of the records read up to `upTo` (a `ring.peeked` value) back to the senders. */
  #releaseUpTo(upTo: number): void {
    this.#released = upTo;
    this.#consumer.releaseRecords(upTo);
    if (this.#holding) {
      this.#holding = false;
      forgetOnExit(this.#releaseHandedOut);
    }
  }

  /** After values were taken: their records go back to the senders now or with later ones. */
  #handedOut(): void {
    const queue = this.#queue;
    if (queue.length === 0) this.#releaseUpTo(this.#ring.peeked);
    else if (queue.end - this.#released >= this.#releaseBytes || this.#spaceAvailable.maySleep)
      this.#releaseUpTo(queue.end);
    else if (!this.#holding) {
      this.#holding = true;
      releaseOnExit(this.#releaseHandedOut);
    }
  }

  /** The first queued value (the queue must not be empty). */
  #take(): T {
    const value = this.#queue.shift();
    this.#handedOut();
    return value;
  }

  /** Up to `max` queued values (at least one; the queue must not be empty). */
  #takeBatch(max: number): T[] {
    const values = this.#queue.take(max);
    this.#handedOut();
    return values;
  }

  /** The next value, EMPTY, or END; reads the ring without waiting when the queue is empty. */
  #next(): T | typeof EMPTY | typeof END {
    if (this.#fill()) return this.#take();
    return this.#ended ? END : EMPTY;
  }

  #nextBatch(max: number): T[] | typeof EMPTY | typeof END {
    if (this.#fill()) return this.#takeBatch(max);
    return this.#ended ? END : EMPTY;
  }

  /** The next value if one is there, else undefined (also after the end: see `ended`). */
  tryReceive(): T | undefined {
    const next = this.#next();
    return next === EMPTY || next === END ? undefined : next;
  }

  /** Up to `max` values that are there now (an empty array if none; see `ended`). */
  tryReceiveBatch(max = Infinity): T[] {
    const next = this.#nextBatch(checkMax(max));
    return next === EMPTY || next === END ? [] : next;
  }

  /**
   * The next value, blocking the thread until one arrives (for dedicated processes and
   * workers). Throws ETIMEDOUT after `timeoutMs`, ERR_SHMRING_END_OF_STREAM at the end.
   */
  receiveSync(options: ReceiveOptions = {}): T {
    return this.#receiveSync(() => this.#next(), options);
  }

  /** receiveSync() for up to `max` values at once (at least one). */
  receiveBatchSync(max = Infinity, options: ReceiveOptions = {}): T[] {
    checkMax(max);
    return this.#receiveSync(() => this.#nextBatch(max), options);
  }

  #receiveSync<R>(next: () => R | typeof EMPTY | typeof END, options: ReceiveOptions): R {
    const deadline = deadlineAfter(options.timeoutMs);
    for (;;) {
      const got = next();
      if (got === END) throw endOfStreamError();
      if (got !== EMPTY) return got;
      const count = this.#consumer.readSync(this.#reader.handler, POLL_LIMIT, {
        timeoutMs: Math.max(0, deadline - performance.now()),
      });
      if (count === 0) throw timeoutError('a message');
      this.#read(count);
    }
  }

  /**
   * The next value, waiting without blocking the event loop. Rejects with ETIMEDOUT,
   * ABORT_ERR (signal), ERR_SHMRING_END_OF_STREAM at the end, ERR_SHMRING_CLOSED on close.
   */
  receive(options: AsyncReceiveOptions = NO_OPTIONS): Promise<T> {
    if (options === NO_OPTIONS && this.#takeable()) return Promise.resolve(this.#take());
    return this.#call(WANTS_VALUE, 1, options) as Promise<T>;
  }

  /**
   * Whether an async call without options can take a value read ahead at once: one is there
   * and no call waits ahead (the queue is empty once closed).
   */
  #takeable(): boolean {
    return this.#queue.length > 0 && this.#waiting.length === 0;
  }

  /** receive() for up to `max` values at once (at least one): the fastest way to drain a busy channel. */
  receiveBatch(max = Infinity, options: AsyncReceiveOptions = NO_OPTIONS): Promise<T[]> {
    return this.#call(WANTS_BATCH, max, options) as Promise<T[]>;
  }

  /** `for await (const value of receiver)`: every value until the end of the stream or close(). */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this.#iterator<T>(WANTS_RESULT, 1);
  }

  /** `for await (const values of receiver.batches(max))`: arrays of up to `max` values each, until the end or close(). */
  batches(max = Infinity): AsyncIterableIterator<T[]> {
    return this.#iterator<T[]>(WANTS_BATCH_RESULT, checkMax(max));
  }

  // The async iterator protocol by hand: a value that is there resolves at once, without a
  // generator's promise chain; only an empty ring makes a pending call.
  #iterator<R>(wants: number, max: number): AsyncIterableIterator<R> {
    let finished = false;
    const iterator: AsyncIterableIterator<R> = {
      next: () => {
        if (finished) return Promise.resolve(DONE);
        if (wants === WANTS_RESULT && this.#takeable())
          return Promise.resolve({ value: this.#take() as unknown as R, done: false });
        return this.#call(wants, max, NO_OPTIONS) as Promise<IteratorResult<R, undefined>>;
      },
      return: () => {
        finished = true;
        return Promise.resolve(DONE);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Serves an async call at once when a value is there and nobody waits ahead of it; else queues it. */
  #call(wants: number, max: number, options: AsyncReceiveOptions): Promise<unknown> {
    try {
      if (wants >= WANTS_BATCH) checkMax(max);
      const deadline =
        options.timeoutMs === undefined ? Infinity : deadlineAfter(options.timeoutMs);
      const signal = options.signal;
      if (this.#waiting.length === 0) {
        if (this.closed) return this.#closedResult(wants);
        let got = wants >= WANTS_BATCH ? this.#nextBatch(max) : this.#next();
        // Nothing there: the spin the pump's wait would start with, done here, so that a value
        // coming meanwhile is handed out at once instead of through a pending call.
        if (got === EMPTY && !this.#pumping && signal?.aborted !== true) {
          if (spinBriefly(this.#filled, this.#consumer.policy, deadline))
            got = wants >= WANTS_BATCH ? this.#nextBatch(max) : this.#next();
          else this.#spun = true;
        }
        if (got === END) return this.#endResult(wants);
        if (got !== EMPTY)
          return Promise.resolve(
            wants === WANTS_RESULT || wants === WANTS_BATCH_RESULT
              ? { value: got, done: false }
              : got,
          );
      }
      if (signal?.aborted) return Promise.reject(new AbortError(signal));
      return new Promise((resolve, reject) => {
        const onAbort =
          signal === undefined
            ? undefined
            : () => {
                this.#remove(call);
                reject(new AbortError(signal));
              };
        const call: PendingCall = { wants, max, resolve, reject, deadline, signal, onAbort };
        signal?.addEventListener('abort', onAbort!, { once: true });
        this.#waiting.push(call);
        if (this.#pumping) {
          if (deadline < this.#rewaitDeadline) this.#rewait?.abort();
        } else void this.#pump();
      });
    } catch (error) {
      if (this.closed) return this.#closedResult(wants);
      return Promise.reject(error);
    }
  }

  #closedResult(wants: number): Promise<never> {
    return wants === WANTS_RESULT || wants === WANTS_BATCH_RESULT
      ? Promise.resolve(DONE as never)
      : Promise.reject(receiverClosedError());
  }

  #endResult(wants: number): Promise<never> {
    return wants === WANTS_RESULT || wants === WANTS_BATCH_RESULT
      ? Promise.resolve(DONE as never)
      : Promise.reject(endOfStreamError());
  }

  /** Takes a pending call out of the line (it was settled, aborted or timed out). */
  #remove(call: PendingCall): void {
    const at = this.#waiting.indexOf(call);
    if (at >= 0) this.#waiting.splice(at, 1);
    if (call.onAbort !== undefined) call.signal!.removeEventListener('abort', call.onAbort);
    this.#replan();
  }

  /** Stops the pump's wait when nobody needs it any more. */
  #replan(): void {
    if (this.#waiting.length === 0 && this.listenerCount('message') === 0) this.#rewait?.abort();
  }

  #serve(call: PendingCall): void {
    if (call.onAbort !== undefined) call.signal!.removeEventListener('abort', call.onAbort);
    const resolve = call.resolve as (result: unknown) => void;
    switch (call.wants) {
      case WANTS_VALUE:
        return resolve(this.#take());
      case WANTS_RESULT:
        return resolve({ value: this.#take(), done: false });
      case WANTS_BATCH:
        return resolve(this.#takeBatch(call.max));
      default:
        return resolve({ value: this.#takeBatch(call.max), done: false });
    }
  }

  /**
   * Hands queued (and newly read) values to pending calls, then to 'message' listeners.
   * Returns true when it stopped with values left to hand out, after POLL_LIMIT of them: the
   * caller lets the event loop run before the next round, or a busy channel would starve it.
   */
  #dispatch(): boolean {
    const waiting = this.#waiting;
    for (let handed = 0; this.#fill(); handed++) {
      if (handed === POLL_LIMIT) return true;
      const call = waiting.shift();
      if (call !== undefined) this.#serve(call);
      else if (this.listenerCount('message') > 0) this.emit('message', this.#take());
      else return false;
      if (this.closed) return false;
    }
    return false;
  }

  /** Settles every pending call: the stream ended (or `error`, or close when undefined). */
  #settleAll(error?: unknown): void {
    for (const call of this.#waiting.splice(0)) {
      if (call.onAbort !== undefined) call.signal!.removeEventListener('abort', call.onAbort);
      if (error !== undefined) call.reject(error);
      else if (this.closed) void this.#closedResult(call.wants).then(call.resolve, call.reject);
      else void this.#endResult(call.wants).then(call.resolve, call.reject);
    }
  }

  /** Rejects pending calls whose deadline passed; returns the earliest deadline left. */
  #expire(): number {
    let earliest = Infinity;
    let now = -1;
    for (let i = 0; i < this.#waiting.length; i++) {
      const call = this.#waiting[i];
      if (call.deadline === Infinity) continue;
      if (now < 0) now = performance.now();
      if (call.deadline <= now) {
        this.#waiting.splice(i--, 1);
        if (call.onAbort !== undefined) call.signal!.removeEventListener('abort', call.onAbort);
        call.reject(timeoutError('a message'));
      } else if (call.deadline < earliest) earliest = call.deadline;
    }
    return earliest;
  }

  // Waits for the ring while anyone waits for values: pending calls or 'message' listeners.
  // One wait at a time, whatever the number of waiters.
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (;;) {
        if (this.closed) return;
        if (this.#dispatch()) {
          await new Promise(setImmediate);
          continue;
        }
        if (this.closed) return;
        if (this.#ended) {
          this.#settleAll();
          if (!this.#endEmitted) {
            this.#endEmitted = true;
            this.emit('end');
          }
          return;
        }
        const deadline = this.#expire();
        if (this.#waiting.length === 0 && this.listenerCount('message') === 0) return;
        const rewait = (this.#rewait = new Interrupt());
        this.#rewaitDeadline = deadline;
        const spun = this.#spun;
        this.#spun = false;
        let count: number;
        try {
          count = await this.#consumer.readAsync(
            this.#reader.handler,
            POLL_LIMIT,
            {
              timeoutMs:
                deadline === Infinity ? undefined : Math.max(0, deadline - performance.now()),
              signal: rewait,
            },
            spun,
          );
        } catch (error) {
          if (rewait.aborted || this.closed) continue;
          throw error;
        } finally {
          this.#rewait = undefined;
          this.#rewaitDeadline = Infinity;
        }
        if (count !== 0) this.#read(count);
      }
    } catch (error) {
      if (this.closed) return;
      this.#settleAll(error);
      if (this.listenerCount('message') > 0) this.emit('error', error as ShmringError);
    } finally {
      this.#pumping = false;
      this.#spun = false;
    }
  }

  // ---- zero-copy records -------------------------------------------------------------

  /**
   * Zero-copy: hands up to `max` messages that are there now to `view` as bytes in shared
   * memory, valid during the call (no decode, no copy); returns how many. A message larger
   * than the ring's records arrives reassembled. Values other calls read ahead are handed out
   * first: ERR_SHMRING_BUSY while some wait, or while async receives are pending.
   */
  tryReceiveRecords(view: RecordView, max = Infinity): number {
    return this.#records(view, max, (handler, limit) => this.#consumer.poll(handler, limit));
  }

  /** tryReceiveRecords() that waits for at least one message (rejects as receive() does). */
  async receiveRecords(
    view: RecordView,
    max = Infinity,
    options: AsyncReceiveOptions = {},
  ): Promise<number> {
    const deadline = deadlineAfter(options.timeoutMs);
    for (;;) {
      let count = this.tryReceiveRecords(view, max);
      if (count > 0) return count;
      if (this.#ended) throw endOfStreamError();
      count = await this.#records(view, max, (handler, limit) =>
        this.#consumer.readAsync(handler, limit, {
          timeoutMs: Math.max(0, deadline - performance.now()),
          signal: options.signal,
        }),
      );
      if (count > 0) return count;
      if (!this.#ended) throw timeoutError('a message');
    }
  }

  /** Runs one read of records for `view`: the channel's messages in place, fragments reassembled. */
  #records<R extends number | Promise<number>>(
    view: RecordView,
    max: number,
    read: (handler: MessageHandler, limit: number) => R,
  ): R {
    checkMax(max);
    if (typeof view !== 'function') throw invalidArgType('view', 'of type function', view);
    if (this.#queue.length > 0 || this.#waiting.length > 0)
      throw new ShmringError(
        'ERR_SHMRING_BUSY',
        'values read ahead or async receives are pending: receive those first',
      );
    const recordType = recordTypeOf(this.#reader.codec as Codec<unknown>);
    let delivered = 0;
    // Fragments go through a reader of their own, whose "codec" hands the reassembled bytes on.
    this.#recordView = (bytes, offset, length) => {
      delivered++;
      view(bytes, offset, length);
    };
    this.#recordReader ??= new FrameReader<undefined>(
      this.#ring,
      { message: () => {}, error: (error) => this.#reportBadFrame(error) },
      {
        ...this.#limits,
        recordType,
        codec: {
          name: 'zero-copy-records',
          encode: () => new Uint8Array(0),
          decode: (bytes) => {
            this.#recordView(bytes, 0, bytes.length);
            return undefined;
          },
        },
      },
    );
    const fragments = this.#recordReader.handler;
    const handler: MessageHandler = (typeId, bytes, offset, length) => {
      if (typeId !== recordType) return fragments(typeId, bytes, offset, length);
      delivered++;
      view(bytes, offset, length);
    };
    this.#consumer.readAhead = false; // each record's space goes back once `view` returned
    const done = (count: number): number => {
      this.#consumer.readAhead = true;
      if (count === END_OF_STREAM) this.#end();
      return delivered;
    };
    try {
      const result = read(handler, max);
      if (typeof result === 'number') return done(result) as R;
      return result.then(done, (error: unknown) => {
        done(0);
        throw error;
      }) as R;
    } catch (error) {
      done(0);
      throw error;
    }
  }

  /** Lets the process exit while receives or 'message' listeners wait (like socket.unref()). */
  unref(): this {
    this.#consumer.unref();
    return this;
  }

  /** Undoes unref(): waiting receives and 'message' listeners keep the process alive (the default). */
  ref(): this {
    this.#consumer.ref();
    return this;
  }

  /** An object-mode Readable of the values, ending with the stream. (A null value would end it early: Node's object streams cannot carry null.) */
  createReadStream(): Readable {
    const controller = new AbortController();
    const stream: Readable = new Readable({
      objectMode: true,
      read: () => {
        this.receive({ signal: controller.signal }).then(
          (value) => {
            // More values that are there already go along, in line with other callers.
            let more = stream.push(value);
            while (more && !this.closed && this.#waiting.length === 0 && this.#queue.length > 0)
              more = stream.push(this.#take());
          },
          (error: ShmringError) =>
            error.code === 'ERR_SHMRING_END_OF_STREAM' || error.code === 'ERR_SHMRING_CLOSED'
              ? stream.push(null)
              : stream.destroy(error),
        );
      },
      destroy: (error, callback) => {
        controller.abort();
        callback(error);
      },
    });
    return stream;
  }

  /**
   * Closes the receiving end: senders fail with EPIPE from now on, pending receives reject
   * with ERR_SHMRING_CLOSED, for await loops end. Values read ahead but not handed out stay in
   * the ring. Removes the segment's name when `unlink` says so (by default, when this
   * receiver created it and the policy is 'on-close'). Idempotent.
   */
  close(options: CloseOptions = {}): void {
    if (this.closed) return;
    this.#releaseHandedOut();
    this.#queue.clear();
    this.#consumer.close();
    this.#warnings.flush();
    this.#settleAll();
    const unlink = options.unlink ?? (this.#owned && this.#unlinkPolicy === 'on-close');
    if (unlink && this.#segment !== undefined) {
      this.#owned = false;
      try {
        this.#segment.unlink();
      } catch (error) {
        if ((error as { code?: string }).code !== 'ENOENT') throw error;
      }
    }
    this.#segment?.close();
    this.removeAllListeners('message');
  }

  /** `using receiver = createChannel(...)`: close() at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using`: close() at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
