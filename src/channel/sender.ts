// The sending end of a channel: values in, encoded and framed into the ring.
import { Writable } from 'node:stream';

import { FrameWriter, recordTypeOf, type Codec, type CodecOption } from '../codec/index.js';
import { ShmringError, checkInteger, invalidArgType } from '../errors.js';
import type { Segment } from '../segment/index.js';
import { HEADER_LENGTH, alignRecord, type RecordWriter } from '../ring/index.js';
import { BatchWriter, runBytesOf } from './batch-writer.js';
import type { Attempt, Producer, WaitCallOptions } from './producer.js';

export interface SendOptions {
  /** Give up after this many ms: ETIMEDOUT. */
  timeoutMs?: number;
}

export interface AsyncSendOptions extends SendOptions {
  /** Abort a send that waits for space: ABORT_ERR. */
  signal?: AbortSignal;
}

/** What a send that went straight into the ring returns: a promise resolved once, shared. */
const SENT: Promise<void> = Promise.resolve();
/** The options of calls made without any: one object, not one per call. */
const NO_OPTIONS: AsyncSendOptions = Object.freeze({});

/**
 * Sends values to a channel's Receiver. A value goes into the ring as one record, or in
 * fragments when it is larger than the ring's max message length (a 100 MiB value through a
 * 1 MiB ring is fine). Sends from one Sender arrive in order.
 */
export class Sender<T = unknown> {
  /** The channel's name (or label). */
  readonly name: string;
  readonly #producer: Producer;
  readonly #writer: FrameWriter<T>;
  readonly #batch: BatchWriter<T>;
  readonly #recordType: number;
  readonly #segment: Segment | undefined;
  /** The last queued async send; later ones start after it. */
  #tail: Promise<void> = Promise.resolve();
  #queued = 0;

  /** @internal Use openChannel(). */
  constructor(
    name: string,
    producer: Producer,
    codec: CodecOption<T> | undefined,
    segment: Segment | undefined,
  ) {
    this.name = name;
    this.#producer = producer;
    this.#writer = new FrameWriter<T>(producer.ring, { codec, producerSlot: producer.slot });
    this.#recordType = recordTypeOf(this.#writer.codec as Codec<unknown>);
    this.#batch = new BatchWriter(producer.ring, this.#writer, this.#recordType);
    this.#segment = segment;
  }

  /** The descriptor of the channel's segment (to hand a memfd channel to a child), or -1. */
  get fd(): number {
    return this.#segment?.fd ?? -1;
  }

  /** The shared memory of the channel: post it to a worker and openChannel(buffer) there. */
  get buffer(): SharedArrayBuffer {
    return this.#producer.ring.buffer;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#producer.closed;
  }

  /**
   * Sends without waiting: false when the ring has no room for the whole value now (nothing
   * is sent then; a value larger than the ring can never go this way: use send()). Throws
   * EPIPE once the receiver closed.
   */
  trySend(value: T): boolean {
    this.#producer.checkWritable();
    if (this.#queued > 0) return false; // async sends wait ahead of this one
    if (!this.#writer.tryWrite(value)) return false;
    this.#producer.published();
    return true;
  }

  /**
   * Sends, blocking the thread while the ring is full (for dedicated processes and workers).
   * Throws ETIMEDOUT after `timeoutMs`, EPIPE if the receiver closes meanwhile.
   */
  sendSync(value: T, options: SendOptions = {}): void {
    this.#producer.checkWritable();
    if (this.#queued > 0)
      throw new ShmringError('ERR_SHMRING_BUSY', 'async sends are still pending on this sender');
    const writer = this.#writer;
    if (writer.write(value)) {
      this.#producer.published();
      return;
    }
    this.#finish(() => this.#producer.offerSync(() => writer.resume(), options));
  }

  /**
   * Sends, waiting for space without blocking the event loop. Resolves once the whole value
   * is in the ring. Rejects with ETIMEDOUT, ABORT_ERR (signal) or EPIPE (receiver closed).
   */
  send(value: T, options: AsyncSendOptions = NO_OPTIONS): Promise<void> {
    try {
      if (this.#queued === 0) {
        this.#producer.checkWritable();
        if (this.#writer.write(value)) {
          this.#producer.published();
          return SENT; // settled already: one promise serves every send
        }
        return this.#enqueue(() => this.#producer.offerAsync(() => this.#writer.resume(), options));
      }
      // Behind other sends: encode now (the value may change meanwhile), write later.
      const encoded = this.#writer.codec.encode(value).slice();
      return this.#enqueue(async () => {
        this.#producer.checkWritable();
        if (this.#writer.writeEncoded(this.#recordType, encoded)) this.#producer.published();
        else await this.#producer.offerAsync(() => this.#writer.resume(), options);
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // ---- many values at once ----------------------------------------------------------

  /**
   * trySend() for many values: sends as many of `values` as the ring has room for now, in
   * order, each whole or not at all, and returns how many (counted from the first). Small
   * values go in runs, one claim and one wake-up check per run: the fastest way to send.
   */
  trySendBatch(values: readonly T[]): number {
    checkValues(values);
    this.#producer.checkWritable();
    if (this.#queued > 0) return 0; // async sends wait ahead of these
    const sent = this.#batch.write(values, 0, true, false);
    if (sent > 0) this.#producer.published();
    return sent;
  }

  /** sendSync() for many values: sends them all, in order, blocking the thread while the ring is full. */
  sendBatchSync(values: readonly T[], options: SendOptions = {}): void {
    checkValues(values);
    this.#producer.checkWritable();
    if (this.#queued > 0)
      throw new ShmringError('ERR_SHMRING_BUSY', 'async sends are still pending on this sender');
    const attempt = this.#writeAll(values, false);
    if (attempt()) {
      this.#producer.published();
      return;
    }
    this.#finish(() => this.#producer.offerSync(attempt, options));
  }

  /**
   * send() for many values: resolves once all of them are in the ring, in order. What cannot go
   * in at once is encoded at the call (later changes to the values do not matter), like a
   * send() that waits.
   */
  sendBatch(values: readonly T[], options: AsyncSendOptions = NO_OPTIONS): Promise<void> {
    try {
      checkValues(values);
      let next = 0;
      if (this.#queued === 0) {
        this.#producer.checkWritable();
        next = this.#batch.write(values, 0, false, false);
        this.#producer.published();
        if (next === values.length && !this.#writer.busy) return SENT;
      }
      const codec = this.#writer.codec;
      const rest = values.slice(next).map((value) => codec.encode(value).slice());
      const attempt = this.#writeAll(rest, true);
      return this.#enqueue(async () => {
        this.#producer.checkWritable();
        await this.#producer.offerAsync(attempt, options);
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** An attempt that finishes a part-written value, then goes on with `values` until all are in. */
  #writeAll(values: readonly unknown[], encoded: boolean): Attempt {
    let next = 0;
    return () =>
      this.#writer.resume() &&
      (next = this.#batch.write(values, next, false, encoded)) === values.length &&
      !this.#writer.busy;
  }

  #enqueue<R>(run: () => Promise<R>): Promise<R> {
    this.#queued++;
    const done = this.#tail.then(() => this.#finish(run)).finally(() => this.#queued--);
    this.#tail = done.then(
      () => {},
      () => {},
    );
    return done;
  }

  // A send that fails midway drops the rest of its value (the receiver reports it).
  #finish<R>(run: () => R): R {
    const abandon = (error: unknown): never => {
      this.#writer.abandon();
      throw error;
    };
    try {
      const result = run();
      return result instanceof Promise ? (result.catch(abandon) as R) : result;
    } catch (error) {
      return abandon(error);
    }
  }

  // ---- zero-copy records -------------------------------------------------------------

  /** The channel's shared memory as bytes: where claim indexes point. */
  get bytes(): Uint8Array {
    return this.#producer.ring.bytes;
  }

  /**
   * Zero-copy: reserves a record of `length` bytes (at most the ring's max message length,
   * capacity / 8) and returns the index in `bytes` where they go, or -1 when the ring has no
   * room now (or sends are pending ahead). Write them, then commit(index) to publish the
   * record or abort(index) to drop it; the receiver gets it as a message of the channel's
   * codec ('raw': a Uint8Array). Claims wait for nothing: commit or abort each one promptly,
   * since the receiver cannot read past it. Indexes are 8-byte aligned.
   */
  tryClaim(length: number): number {
    this.#producer.checkWritable();
    if (this.#queued > 0) return -1;
    return this.#producer.ring.tryClaim(this.#recordType, length);
  }

  /** tryClaim() that blocks the thread while the ring is full; throws ETIMEDOUT after `timeoutMs`. */
  claimSync(length: number, options: SendOptions = {}): number {
    this.#producer.checkWritable();
    if (this.#queued > 0)
      throw new ShmringError('ERR_SHMRING_BUSY', 'async sends are still pending on this sender');
    let index = -1;
    const ring = this.#producer.ring;
    this.#producer.offerSync(() => (index = ring.tryClaim(this.#recordType, length)) >= 0, options);
    return index;
  }

  /** tryClaim() that waits for space without blocking the event loop, in line with send(). */
  claim(length: number, options: AsyncSendOptions = {}): Promise<number> {
    try {
      const index = this.tryClaim(length);
      if (index >= 0) return Promise.resolve(index);
      const ring = this.#producer.ring;
      return this.#enqueue(async () => {
        let claimed = -1;
        const attempt = (): boolean => (claimed = ring.tryClaim(this.#recordType, length)) >= 0;
        await this.#producer.offerAsync(attempt, options);
        return claimed;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Publishes the record claimed at `index` (wakes the receiver if it sleeps). */
  commit(index: number): void {
    this.#producer.ring.commit(index);
    this.#producer.published();
  }

  /** Drops the record claimed at `index`: the receiver skips it and sees nothing. */
  abort(index: number): void {
    this.#producer.ring.abort(index);
  }

  /**
   * Zero-copy for many records, the fastest way to send: writes up to `count` records of
   * `length` bytes, as many as the ring has room for now, calling `write(bytes, offset, i)` to
   * fill record i in place (bytes[offset, offset + length), offset 8-byte aligned), in runs of
   * up to 64 KiB with one claim, one release and one wake-up check each. Returns how many,
   * from the first (0 when the ring is full or sends are pending ahead). If `write` throws,
   * the records of its run are dropped (the receiver sees none of them; earlier runs stay
   * sent) and the error propagates. `length` is at most the ring's max message length.
   */
  trySendRecords(count: number, length: number, write: RecordWriter): number {
    checkInteger('count', count, 0, Number.MAX_SAFE_INTEGER);
    this.#producer.checkWritable();
    if (this.#queued > 0) return 0;
    return this.#writeRecords(count, length, write, 0);
  }

  /**
   * trySendRecords() for all `count` records: waits for room without blocking the event loop,
   * in line with send(), and resolves once every record is written and published.
   */
  sendRecords(
    count: number,
    length: number,
    write: RecordWriter,
    options: AsyncSendOptions = NO_OPTIONS,
  ): Promise<void> {
    try {
      checkInteger('count', count, 0, Number.MAX_SAFE_INTEGER);
      let next = 0;
      if (this.#queued === 0) {
        this.#producer.checkWritable();
        next = this.#writeRecords(count, length, write, 0);
        if (next === count) return SENT;
      }
      return this.#enqueue(async () => {
        this.#producer.checkWritable();
        const attempt = (): boolean =>
          (next = this.#writeRecords(count, length, write, next)) === count;
        await this.#producer.offerAsync(attempt, options);
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Writes records [from, count) in runs while the ring has room and publishes them (also when
   * `write` throws in a later run); returns the first not written.
   */
  #writeRecords(count: number, length: number, write: RecordWriter, from: number): number {
    const ring = this.#producer.ring;
    const perRun = Math.max(1, Math.floor(runBytesOf(ring) / alignRecord(length + HEADER_LENGTH)));
    let next = from;
    try {
      while (next < count) {
        const written = ring.writeRecords(
          this.#recordType,
          length,
          Math.min(perRun, count - next),
          write,
          next,
        );
        if (written === 0) break;
        next += written;
      }
    } finally {
      if (next > from) this.#producer.published();
    }
    return next;
  }

  /** An object-mode Writable over send() and sendBatch(): back-pressure follows the ring. Ends by closing the sender. */
  createWriteStream(): Writable {
    return new Writable({
      objectMode: true,
      write: (chunk: T, _encoding, callback) => {
        this.send(chunk).then(() => callback(), callback);
      },
      // Chunks that queued up while a write waited go in as one batch.
      writev: (chunks, callback) => {
        this.sendBatch(chunks.map(({ chunk }) => chunk as T)).then(() => callback(), callback);
      },
      final: (callback) => {
        this.#tail.then(() => {
          this.close();
          callback();
        }, callback);
      },
    });
  }

  /** Closes this sender; the last sender of a channel to close ends its stream. Idempotent. */
  close(): void {
    if (this.#producer.closed) return;
    this.#producer.close();
    this.#segment?.close();
  }

  /** Lets the process exit while a send waits for space (like socket.unref()). */
  unref(): this {
    this.#producer.unref();
    return this;
  }

  /** Undoes unref(): a send waiting for space keeps the process alive (the default). */
  ref(): this {
    this.#producer.ref();
    return this;
  }

  /** `using sender = openChannel(...)`: close() at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using`: waits for pending sends (failures ignored), then close(). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#tail;
    this.close();
  }
}

export type { WaitCallOptions };

function checkValues(values: readonly unknown[]): void {
  if (!Array.isArray(values)) throw invalidArgType('values', 'an array', values);
}
