// Writes messages into a ring: one record when the message fits, else a run of fragments that
// the writer hands out as far as the ring has room and resumes once the consumer frees space.
import { ShmringError, checkInteger, invalidArgType, invalidArgValue } from '../errors.js';
import {
  ENCODER_RETAIN_LIMIT,
  recordTypeOf,
  resolveCodec,
  type Codec,
  type CodecOption,
} from './codec.js';
import {
  FIRST_FRAGMENT_HEADER_LENGTH,
  FRAGMENT_INDEX_OFFSET,
  FRAGMENT_MESSAGE_TYPE_OFFSET,
  FRAGMENT_SLOT_OFFSET,
  FRAGMENT_TOTAL_LENGTH_OFFSET,
  NEXT_FRAGMENT_HEADER_LENGTH,
  RECORD_FRAGMENT_FIRST,
  RECORD_FRAGMENT_LAST,
  RECORD_FRAGMENT_MIDDLE,
  isMessageRecordType,
} from './record-types.js';
import type { RingProducer } from './ring-api.js';

/** Options of a FrameWriter. */
export interface FrameWriterOptions<T> {
  /** How values are encoded: 'msgpack' (default), 'raw', or a user codec. */
  codec?: CodecOption<T>;
  /**
   * The producer slot this writer's fragments carry, so the consumer of an MPSC ring can tell
   * interleaved messages apart: unique among the ring's live producers. Default 0 (SPSC).
   */
  producerSlot?: number;
}

/**
 * Frames one producer's messages into a ring. A message is written whole or not started
 * (one record, when it fits in ring.maxMessageLength) or as fragments; either way write()
 * returns false when the ring lacks room, keeps the message, and resume() goes on from where
 * it stopped. One message at a time: write() throws ERR_SHMRING_WRITER_BUSY until the
 * pending one is done.
 */
export class FrameWriter<T = unknown> {
  /** The codec write() encodes with. */
  readonly codec: Codec<T>;
  /** The producer slot stamped on this writer's fragments. */
  readonly producerSlot: number;
  readonly #ring: RingProducer;
  readonly #recordType: number;
  /** Over the ring's whole buffer, for the fragment headers. */
  readonly #headers: DataView;
  /** The message not yet fully in the ring (null when idle). */
  #pending: Uint8Array | null = null;
  #pendingType = 0;
  /** Bytes of #pending already in the ring (fragmented messages only). */
  #written = 0;
  /** Index of the next fragment to write; 0 is the first. */
  #fragmentIndex = 0;

  constructor(ring: RingProducer, options: FrameWriterOptions<T> = {}) {
    if (ring === null || typeof ring !== 'object') throw invalidArgType('ring', 'a ring', ring);
    this.#ring = ring;
    this.codec = resolveCodec(options.codec);
    this.#recordType = recordTypeOf(this.codec as Codec<unknown>);
    this.producerSlot = checkInteger('producerSlot', options.producerSlot ?? 0, 0, 0xffffffff);
    const bytes = ring.bytes;
    this.#headers = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Whether a message is still (partly) waiting for room: call resume() before the next write. */
  get busy(): boolean {
    return this.#pending !== null;
  }

  /** Whether part of the pending message is in the ring already (so it cannot be taken back). */
  get started(): boolean {
    return this.#pending !== null && this.#written > 0;
  }

  /** Bytes of the pending message not yet in the ring (0 when idle). */
  get pendingBytes(): number {
    return this.#pending === null ? 0 : this.#pending.length - this.#written;
  }

  /**
   * Encodes `value` and writes it. True: all of it is in the ring. False: the ring filled up
   * first; wait for the consumer to free space and call resume() until it returns true.
   * Throws what the codec throws (nothing is written then).
   */
  write(value: T): boolean {
    this.#checkIdle();
    return this.#start(this.#recordType, this.codec.encode(value));
  }

  /**
   * Writes already encoded bytes as one message of `recordType` (RECORD_MSGPACK, RECORD_RAW or
   * RECORD_CUSTOM). Same contract as write(); `bytes` must stay unchanged until it is done.
   */
  writeEncoded(recordType: number, bytes: Uint8Array): boolean {
    this.#checkIdle();
    checkEncoded(recordType, bytes);
    return this.#start(recordType, bytes);
  }

  /**
   * Encodes `value` and writes all of it now, or nothing: false (and nothing kept) when the
   * ring lacks room for the whole message, fragments included. Never waits.
   */
  tryWrite(value: T): boolean {
    this.#checkIdle();
    return this.#tryWhole(this.#recordType, this.codec.encode(value));
  }

  /** tryWrite() for bytes already encoded, as writeEncoded() takes them. */
  tryWriteEncoded(recordType: number, bytes: Uint8Array): boolean {
    this.#checkIdle();
    checkEncoded(recordType, bytes);
    return this.#tryWhole(recordType, bytes);
  }

  #tryWhole(recordType: number, bytes: Uint8Array): boolean {
    const ring = this.#ring;
    if (bytes.length <= ring.maxMessageLength) return ring.write(recordType, bytes);
    // Fewer free bytes than the payload alone: no need to claim (and abort) to know.
    if (bytes.length > ring.capacity - ring.size()) return false;
    this.#pending = bytes;
    this.#pendingType = recordType;
    this.#written = 0;
    this.#fragmentIndex = 0;
    try {
      return this.#writeFragments(true);
    } finally {
      this.#pending = null;
    }
  }

  /** Goes on with the pending message; true once it is all in the ring (also when idle). */
  resume(): boolean {
    const pending = this.#pending;
    if (pending === null) return true;
    if (pending.length <= this.#ring.maxMessageLength) {
      if (!this.#ring.write(this.#pendingType, pending)) return false;
      this.#pending = null;
      return true;
    }
    return this.#writeFragments();
  }

  /**
   * Drops the pending message. If some of its fragments are already in the ring the reader
   * reports the message as 'missing-last-fragment' when this slot starts its next fragmented
   * message or the stream ends.
   */
  abandon(): void {
    this.#pending = null;
  }

  #checkIdle(): void {
    if (this.#pending !== null) {
      throw new ShmringError(
        'ERR_SHMRING_WRITER_BUSY',
        'the previous message is not fully written: call resume() until it returns true',
      );
    }
  }

  #start(recordType: number, bytes: Uint8Array): boolean {
    const ring = this.#ring;
    // The hot path: one record, one copy, and nothing kept unless the ring is full.
    if (bytes.length <= ring.maxMessageLength) {
      if (ring.write(recordType, bytes)) return true;
    } else if (ring.maxMessageLength < FIRST_FRAGMENT_HEADER_LENGTH + 8) {
      throw new ShmringError(
        'ERR_SHMRING_RING_TOO_SMALL',
        `a ${bytes.length}-byte message needs fragments, and records of at most ${ring.maxMessageLength} bytes cannot carry them`,
      );
    }
    this.#pending = bytes;
    this.#pendingType = recordType;
    this.#written = 0;
    this.#fragmentIndex = 0;
    const done = bytes.length <= ring.maxMessageLength ? false : this.#writeFragments();
    // Kept for resume(): a small output may be the codec's reused buffer, which the next
    // encode (a send queued behind this one) would overwrite. Larger ones are never reused.
    if (!done && bytes.length <= ENCODER_RETAIN_LIMIT) this.#pending = bytes.slice();
    return done;
  }

  /**
   * Writes fragments of the pending message until it is done (true) or the ring is full
   * (false). `whole`: all fragments or none; each is claimed and filled, and committed only
   * once every one has room (else all are aborted: the reader skips them as padding).
   */
  #writeFragments(whole = false): boolean {
    const ring = this.#ring;
    const message = this.#pending!;
    const total = message.length;
    const headers = this.#headers;
    const claims: number[] | undefined = whole ? [] : undefined;
    while (this.#written < total) {
      const first = this.#fragmentIndex === 0;
      const headerLength = first ? FIRST_FRAGMENT_HEADER_LENGTH : NEXT_FRAGMENT_HEADER_LENGTH;
      // Whole multiples of 8 keep every chunk's source and reassembly offsets 8-byte aligned.
      const chunk = Math.min((ring.maxMessageLength - headerLength) & ~7, total - this.#written);
      const type = first
        ? RECORD_FRAGMENT_FIRST
        : this.#written + chunk === total
          ? RECORD_FRAGMENT_LAST
          : RECORD_FRAGMENT_MIDDLE;
      const at = ring.tryClaim(type, headerLength + chunk);
      if (at < 0) {
        if (claims !== undefined) for (const claim of claims) ring.abort(claim);
        return false;
      }
      try {
        headers.setUint32(at + FRAGMENT_SLOT_OFFSET, this.producerSlot, true);
        if (first) {
          headers.setUint32(at + FRAGMENT_MESSAGE_TYPE_OFFSET, this.#pendingType, true);
          headers.setUint32(at + FRAGMENT_TOTAL_LENGTH_OFFSET, total % 2 ** 32, true);
          headers.setUint32(
            at + FRAGMENT_TOTAL_LENGTH_OFFSET + 4,
            Math.floor(total / 2 ** 32),
            true,
          );
        } else {
          headers.setUint32(at + FRAGMENT_INDEX_OFFSET, this.#fragmentIndex, true);
        }
        ring.bytes.set(message.subarray(this.#written, this.#written + chunk), at + headerLength);
      } catch (error) {
        // A claimed record left uncommitted would stall the consumer for good.
        ring.abort(at);
        if (claims !== undefined) for (const claim of claims) ring.abort(claim);
        throw error;
      }
      if (claims === undefined) ring.commit(at);
      else claims.push(at);
      this.#written += chunk;
      this.#fragmentIndex++;
    }
    if (claims !== undefined) for (const claim of claims) ring.commit(claim);
    this.#pending = null;
    return true;
  }
}

/** Validates what writeEncoded() and tryWriteEncoded() take. */
function checkEncoded(recordType: number, bytes: Uint8Array): void {
  if (!isMessageRecordType(recordType))
    throw invalidArgValue('recordType', 'must be a message record type (1, 2 or 6)', recordType);
  if (!(bytes instanceof Uint8Array))
    throw invalidArgType('bytes', 'an instance of Uint8Array', bytes);
}
