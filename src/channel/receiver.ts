// The receiving end of a channel: records out of the ring, reassembled and decoded.
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';

import { FrameReader, type CodecOption, type FrameError } from '../codec/index.js';
import { BadFrameWarnings } from '../codec/bad-frame-warnings.js';
import { ShmringError } from '../errors.js';
import type { Segment } from '../segment/index.js';
import { deadlineAfter, timeoutError } from '../wait/index.js';
import { END_OF_STREAM, type Consumer } from './consumer.js';
import type { UnlinkPolicy } from './options.js';

/**
 * Records taken from the ring per poll. One: a value is taken out of the ring only when it
 * is handed to the caller, so a receiver that closes (or a process that exits) after
 * receiving leaves every later value in the ring for the next receiver.
 */
const BATCH = 1;
const EMPTY: unique symbol = Symbol('empty');
const END: unique symbol = Symbol('end');

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

function endOfStream(): ShmringError {
  return new ShmringError(
    'ERR_SHMRING_END_OF_STREAM',
    'the channel has ended: every sender closed and all messages were received',
  );
}

/**
 * Receives a channel's values, in order per sender. Pull them (tryReceive, receive,
 * receiveSync, for await) or listen: 'message' (value), 'end' (every sender closed and all
 * was received), 'error' (a bad frame, skipped: later messages still arrive; without an
 * 'error' listener it becomes a process warning).
 */
export class Receiver<T = unknown> extends EventEmitter {
  /** The channel's name (or label). */
  readonly name: string;
  readonly #consumer: Consumer;
  readonly #reader: FrameReader<T>;
  readonly #segment: Segment | undefined;
  readonly #unlinkPolicy: UnlinkPolicy;
  /** Set while the segment's name still exists and is ours to remove. */
  #owned: boolean;
  readonly #queue: T[] = [];
  #ended = false;
  #pumping = false;
  readonly #warnings: BadFrameWarnings;

  /** @internal Use createChannel(). */
  constructor(
    name: string,
    consumer: Consumer,
    codec: CodecOption<T> | undefined,
    segment: Segment | undefined,
    unlink: UnlinkPolicy,
    owned: boolean,
  ) {
    super();
    this.name = name;
    this.#consumer = consumer;
    this.#segment = segment;
    this.#unlinkPolicy = unlink;
    this.#owned = owned;
    this.#warnings = new BadFrameWarnings(name);
    const sink = {
      message: (value: T) => void this.#queue.push(value),
      error: (error: FrameError) => this.#reportBadFrame(error),
    };
    this.#reader = new FrameReader<T>(consumer.ring, sink, { codec });
    consumer.onProducersGone = (slots) => {
      for (const slot of slots) this.#reader.discardProducer(slot);
    };
    this.on('newListener', (event) => {
      if (event === 'message') queueMicrotask(() => void this.#pump());
    });
  }

  /** The descriptor of the channel's segment (to hand a memfd channel to a child), or -1. */
  get fd(): number {
    return this.#segment?.fd ?? -1;
  }

  /** The shared memory of the channel (see Sender.buffer). */
  get buffer(): SharedArrayBuffer {
    return this.#consumer.ring.buffer;
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

  /** The next value, EMPTY, or END; reads the ring without waiting when the queue is empty. */
  #next(): T | typeof EMPTY | typeof END {
    const queue = this.#queue;
    while (queue.length === 0) {
      if (this.#ended) return END;
      this.#unlinkIfAttached();
      const count = this.#consumer.poll(this.#reader.handler, BATCH);
      if (count === 0) return EMPTY;
      if (count === END_OF_STREAM) this.#end();
    }
    return queue.shift() as T;
  }

  #end(): void {
    this.#ended = true;
    this.#reader.end(); // reports messages cut short by a sender that closed midway
  }

  /** The next value if one is there, else undefined (also after the end: see `ended`). */
  tryReceive(): T | undefined {
    const next = this.#next();
    return next === EMPTY || next === END ? undefined : next;
  }

  /**
   * The next value, blocking the thread until one arrives (for dedicated processes and
   * workers). Throws ETIMEDOUT after `timeoutMs`, ERR_SHMRING_END_OF_STREAM at the end.
   */
  receiveSync(options: ReceiveOptions = {}): T {
    const deadline = deadlineAfter(options.timeoutMs);
    for (;;) {
      const next = this.#next();
      if (next === END) throw endOfStream();
      if (next !== EMPTY) return next;
      const count = this.#consumer.readSync(this.#reader.handler, BATCH, {
        timeoutMs: Math.max(0, deadline - performance.now()),
      });
      if (count === 0) throw timeoutError('a message');
      if (count === END_OF_STREAM) this.#end();
    }
  }

  /**
   * The next value, waiting without blocking the event loop. Rejects with ETIMEDOUT,
   * ABORT_ERR (signal), ERR_SHMRING_END_OF_STREAM at the end, ERR_SHMRING_CLOSED on close.
   */
  async receive(options: AsyncReceiveOptions = {}): Promise<T> {
    const deadline = deadlineAfter(options.timeoutMs);
    for (;;) {
      const next = this.#next();
      if (next === END) throw endOfStream();
      if (next !== EMPTY) return next;
      const count = await this.#consumer.readAsync(this.#reader.handler, BATCH, {
        timeoutMs: Math.max(0, deadline - performance.now()),
        signal: options.signal,
      });
      if (count === 0) throw timeoutError('a message');
      if (count === END_OF_STREAM) this.#end();
    }
  }

  /** `for await (const value of receiver)`: every value until the end of the stream. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      try {
        yield await this.receive();
      } catch (error) {
        const code = (error as ShmringError).code;
        // The end of the stream, or this receiver closed meanwhile: the loop ends.
        if (code === 'ERR_SHMRING_END_OF_STREAM' || (code === 'ERR_SHMRING_CLOSED' && this.closed))
          return;
        throw error;
      }
    }
  }

  // Delivers 'message' events while someone listens; 'end' once the stream is over.
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.listenerCount('message') > 0 && !this.closed) {
        let next = this.#next();
        for (; next !== EMPTY && next !== END; next = this.#next()) {
          this.emit('message', next);
          if (this.closed || this.listenerCount('message') === 0) return;
        }
        if (next === END) {
          this.emit('end');
          return;
        }
        const count = await this.#consumer.readAsync(this.#reader.handler, BATCH);
        if (count === END_OF_STREAM) this.#end();
      }
    } catch (error) {
      if (!this.closed) this.emit('error', error);
    } finally {
      this.#pumping = false;
    }
  }

  /** Lets the process exit while 'message' listeners wait (like socket.unref()). */
  unref(): this {
    this.#consumer.unref();
    return this;
  }

  /** An object-mode Readable of the values, ending with the stream. (A null value would end it early: Node's object streams cannot carry null.) */
  createReadStream(): Readable {
    const controller = new AbortController();
    const stream: Readable = new Readable({
      objectMode: true,
      read: () => {
        this.receive({ signal: controller.signal }).then(
          (value) => stream.push(value),
          (error: ShmringError) =>
            error.code === 'ERR_SHMRING_END_OF_STREAM' ? stream.push(null) : stream.destroy(error),
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
   * with ERR_SHMRING_CLOSED. Removes the segment's name when `unlink` says so (by default,
   * when this receiver created it and the policy is 'on-close'). Idempotent.
   */
  close(options: CloseOptions = {}): void {
    if (this.closed) return;
    this.#consumer.close();
    this.#warnings.flush();
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
}
