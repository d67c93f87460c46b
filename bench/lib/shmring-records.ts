// The raw messages of the internal-ring row (not public API) at the record level, with no copy
// in between (the futex ping-pong copies payloads the same way): a producer claims a record in the ring and writes the payload straight into it (the pattern of
// lib/payload.ts, stamped with the sequence number), a consumer hashes the payload where it lies
// in the shared memory (the view the ring hands its read handler), and an echoing peer copies a
// record from one ring into the other.
//
// Payloads start 8-byte aligned in a ring (8-byte record header, 8-aligned records), so the
// stamps and tiny payloads go word by word through an Int32Array, the others with one
// TypedArray.set from an 8-aligned template (V8's fast path for shared memory).
import { endianness } from 'node:os';
import type { Consumer } from '../../src/channel/consumer.js';
import type { Producer } from '../../src/channel/producer.js';
import type { MessageHandler, RingBuffer } from '../../src/ring/index.js';
import { mix } from './checksum.js';
import { hashRaw, MIN_RAW_SIZE, rawTemplate } from './payload.js';
import { STALL_MS, waitFor, type PeerCheck } from './sync-peer-session.js';

/** Record type of the raw messages (shmring's RECORD_RAW, so a raw Receiver could read them too). */
export const RAW_RECORD = 2;
/** The word reads below give the bytes' little-endian value only on a little-endian machine. */
const LITTLE_ENDIAN = endianness() === 'LE';
/**
 * Up to this many bytes, payloads are copied word by word: TypedArray.set costs ~15 ns a call,
 * a word ~1.5 ns (Node 20, this VM: 16 B 6.6 vs 15 ns, 64 B 26 vs 18, 256 B 82 vs 25).
 */
const WORD_COPY_MAX = 32;

/** The Int32Array over the whole of `buffer` (one per buffer). */
const wordViews = new WeakMap<SharedArrayBuffer, Int32Array>();
export function wordsOf(buffer: SharedArrayBuffer): Int32Array {
  let words = wordViews.get(buffer);
  if (words === undefined)
    wordViews.set(buffer, (words = new Int32Array(buffer, 0, buffer.byteLength >>> 2)));
  return words;
}

/** Copies `length` payload bytes from `from[src..]` to `to[dst..]`, both 4-aligned; `length` a multiple of 4 if small. */
export function copyPayload(
  fromBytes: Uint8Array,
  fromWords: Int32Array,
  src: number,
  toBytes: Uint8Array,
  toWords: Int32Array,
  dst: number,
  length: number,
): void {
  if (length <= WORD_COPY_MAX && (length & 3) === 0) {
    const s = src >>> 2;
    const d = dst >>> 2;
    for (let i = 0, n = length >>> 2; i < n; i++) toWords[d + i] = fromWords[s + i]!;
  } else {
    toBytes.set(
      src === 0 && length === fromBytes.length ? fromBytes : fromBytes.subarray(src, src + length),
      dst,
    );
  }
}

/** The pattern of raw payloads of one size, as bytes and as words (its own 8-aligned buffer). */
export interface RawTemplate {
  size: number;
  bytes: Uint8Array;
  words: Int32Array;
}

const templates = new Map<number, RawTemplate>();

/** The template of `size`-byte payloads (a multiple of 4), made once. */
export function rawTemplateOf(size: number): RawTemplate {
  let found = templates.get(size);
  if (found === undefined) {
    const bytes = rawTemplate(size);
    found = { size, bytes, words: new Int32Array(bytes.buffer, bytes.byteOffset, size >>> 2) };
    templates.set(size, found);
  }
  return found;
}

/** Writes payload `seq` of the template's size at `to[at..]` (4-aligned), stamps included (lib/payload.ts, as words). */
export function putRawPayload(
  template: RawTemplate,
  toBytes: Uint8Array,
  toWords: Int32Array,
  at: number,
  seq: number,
): void {
  const size = template.size;
  copyPayload(template.bytes, template.words, 0, toBytes, toWords, at, size);
  toWords[at >>> 2] = seq;
  toWords[(at + size - 4) >>> 2] = seq;
}

/** Writes raw messages of any size into one ring. */
export class RawRecordWriter {
  private readonly bytes: Uint8Array;
  private readonly words: Int32Array;
  private template: RawTemplate = rawTemplateOf(MIN_RAW_SIZE);

  constructor(
    readonly ring: RingBuffer,
    private readonly typeId = RAW_RECORD,
  ) {
    this.bytes = ring.bytes;
    this.words = wordsOf(ring.buffer);
  }

  /** Claims, fills and commits message `seq` of `size` bytes (a multiple of 4); false when the ring is full. */
  tryWrite(size: number, seq: number): boolean {
    const at = this.ring.tryClaim(this.typeId, size);
    if (at < 0) return false;
    if (this.template.size !== size) this.template = rawTemplateOf(size);
    putRawPayload(this.template, this.bytes, this.words, at, seq);
    this.ring.commit(at);
    return true;
  }

  /** Copies the record payload `from[offset .. offset+length)` (a view into another ring) into this ring; false when full. */
  tryCopy(from: Uint8Array, fromWords: Int32Array, offset: number, length: number): boolean {
    const at = this.ring.tryClaim(this.typeId, length);
    if (at < 0) return false;
    copyPayload(from, fromWords, offset, this.bytes, this.words, at, length);
    this.ring.commit(at);
    return true;
  }
}

/** produceRaw() wakes the consumer (if it sleeps) after this many messages, and at the end. */
export const PUBLISH_EVERY = 64;

/**
 * Writes messages `firstSeq ..` of `size` bytes; when the ring is full, waits for space with
 * the producer's policy. Publishes (wakes a sleeping consumer) every PUBLISH_EVERY messages,
 * before waiting and at the end: one Atomics.load per message saved (~8 ns on Node 20, where
 * V8 does not inline Atomics), at most 64 messages (~2 µs) of delay for a consumer that parked.
 * Returns how many were written.
 */
export function produceRaw(
  producer: Producer,
  writer: RawRecordWriter,
  size: number,
  firstSeq: number,
  count: number,
): number {
  const end = firstSeq + count;
  for (let seq = firstSeq; seq < end; seq++) {
    if (!writer.tryWrite(size, seq))
      producer.offerSync(() => writer.tryWrite(size, seq), { timeoutMs: STALL_MS });
    else if ((seq - firstSeq) % PUBLISH_EVERY === PUBLISH_EVERY - 1) producer.published();
  }
  producer.published();
  return count;
}

/**
 * lib/payload.ts hashRaw() for a payload in a ring: the same value, reading the stamps as
 * words (payloads start 8-aligned in a ring; `length` is a multiple of 4 for the bench sizes).
 */
export function hashRawRecord(
  hash: number,
  bytes: Uint8Array,
  words: Int32Array,
  start: number,
  length: number,
): number {
  if (((start | length) & 3) !== 0 || !LITTLE_ENDIAN) return hashRaw(hash, bytes, start, length);
  const head = words[start >>> 2]!;
  const last = words[(start + length - 4) >>> 2]!;
  return mix(mix(mix(mix(hash, length), head), last), bytes[start + (length >>> 1)]!);
}

/**
 * Polls before a blocking wait, with the waits that start by spinning ('spin', 'adaptive'):
 * Consumer.readSync() reads the clock 2-3 times per call (~80 ns each here) and allocates a
 * closure, which made a 'spin' round trip ~0.8 µs slower (p50 1.2-1.45 µs instead of 0.34-0.48).
 * 64 polls last ~2 µs, far below 'adaptive''s 50 µs of spinning, so its behaviour is the same.
 */
export const POLLS_BEFORE_WAIT = 64;

/**
 * Reads what is there, or waits for records with the consumer's policy; returns how many.
 * Throws on a stall, when the peer is gone or at the end of the stream.
 */
export function readSome(
  consumer: Consumer,
  handler: MessageHandler,
  limit: number,
  what: string,
  peerGone: PeerCheck,
): number {
  let n = consumer.poll(handler, limit);
  if (consumer.policy.mode !== 'park')
    for (let i = 0; n === 0 && i < POLLS_BEFORE_WAIT; i++) n = consumer.poll(handler, limit);
  if (n === 0)
    n = waitFor((timeoutMs) => consumer.readSync(handler, limit, { timeoutMs }), what, peerGone);
  if (n < 0) throw new Error(`${what}: the stream ended (the peer closed or died)`);
  return n;
}
