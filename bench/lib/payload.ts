// The messages every transport carries, and how both sides hash them.
//
// raw: `size` bytes of a fixed pattern with the sequence number stamped (u32 LE) in the first and
// the last 4 bytes; a consumer hashes (length, both stamps, the middle byte).
// msgpack: the small object {id: seq, ts: 1.5, name: 'abc', tags: ['x', 'y']}; a consumer
// decodes it, checks its shape and hashes (id, name length, tags length, ts).
import { encode } from '@msgpack/msgpack';
import { mix, emptyTally, type Tally } from './checksum.js';

/** Smallest raw payload: room for both stamps and a middle byte between them. */
export const MIN_RAW_SIZE = 16;

/** Byte `i` of every raw payload's pattern. */
export function patternByte(i: number): number {
  return (i * 31 + 7) & 0xff;
}

/** A raw payload's pattern without its stamps (a new buffer of its own, not from the pool). */
export function rawTemplate(size: number): Buffer {
  if (!Number.isInteger(size) || size < MIN_RAW_SIZE)
    throw new RangeError(`raw payloads need at least ${MIN_RAW_SIZE} bytes, got ${size}`);
  const buf = Buffer.allocUnsafeSlow(size);
  for (let i = 0; i < size; i++) buf[i] = patternByte(i);
  return buf;
}

/** Stamps sequence number `seq` into the payload of `size` bytes at `target[offset..]`. */
export function stampSeq(target: Uint8Array, offset: number, size: number, seq: number): void {
  const end = offset + size - 4;
  target[offset] = seq;
  target[offset + 1] = seq >>> 8;
  target[offset + 2] = seq >>> 16;
  target[offset + 3] = seq >>> 24;
  target[end] = seq;
  target[end + 1] = seq >>> 8;
  target[end + 2] = seq >>> 16;
  target[end + 3] = seq >>> 24;
}

/** Folds the raw payload `bytes[start .. start+length)` into `hash` (works on a Buffer or a number[]). */
export function hashRaw(
  hash: number,
  bytes: ArrayLike<number>,
  start: number,
  length: number,
): number {
  const tail = start + length - 4;
  const head =
    bytes[start]! |
    (bytes[start + 1]! << 8) |
    (bytes[start + 2]! << 16) |
    (bytes[start + 3]! << 24);
  const last =
    bytes[tail]! | (bytes[tail + 1]! << 8) | (bytes[tail + 2]! << 16) | (bytes[tail + 3]! << 24);
  return mix(mix(mix(mix(hash, length), head), last), bytes[start + (length >>> 1)]!);
}

/** The tally a consumer must reach for raw messages `firstSeq .. firstSeq+count-1` of `size` bytes. */
export function expectedRaw(size: number, firstSeq: number, count: number): Tally {
  const tally = emptyTally();
  const middle = patternByte(size >>> 1);
  let hash = tally.checksum;
  for (let seq = firstSeq; seq < firstSeq + count; seq++) {
    hash = mix(mix(mix(mix(hash, size), seq | 0), seq | 0), middle);
  }
  return { count, checksum: hash };
}

/** The small object of the msgpack rows. */
export interface SampleObject {
  id: number;
  ts: number;
  name: string;
  tags: string[];
}

/** Message `seq` of the msgpack rows. */
export function sampleObject(seq: number): SampleObject {
  return { id: seq, ts: 1.5, name: 'abc', tags: ['x', 'y'] };
}

/** Folds a decoded object into `hash`; throws if it is not shaped like a SampleObject. */
export function hashObject(hash: number, value: unknown): number {
  const o = value as Partial<SampleObject> | null;
  if (
    o === null ||
    typeof o !== 'object' ||
    typeof o.id !== 'number' ||
    typeof o.ts !== 'number' ||
    typeof o.name !== 'string' ||
    !Array.isArray(o.tags)
  ) {
    throw new TypeError(`not a sample object: ${JSON.stringify(value)}`);
  }
  return mix(mix(mix(mix(hash, o.id | 0), o.name.length), o.tags.length), (o.ts * 2) | 0);
}

/** The tally a consumer must reach for objects `firstSeq .. firstSeq+count-1`. */
export function expectedObjects(firstSeq: number, count: number): Tally {
  let hash = emptyTally().checksum;
  for (let seq = firstSeq; seq < firstSeq + count; seq++)
    hash = hashObject(hash, sampleObject(seq));
  return { count, checksum: hash };
}

/** The expected tally for a codec: raw payloads of `size` bytes, or sample objects. */
export function expectedTally(
  codec: 'raw' | 'msgpack',
  size: number,
  firstSeq: number,
  count: number,
): Tally {
  return codec === 'raw' ? expectedRaw(size, firstSeq, count) : expectedObjects(firstSeq, count);
}

/** Bytes of an unsigned integer in MessagePack, by the upper bounds of each width. */
const UINT_WIDTHS: [limit: number, bytes: number][] = [
  [128, 1],
  [256, 2],
  [65536, 3],
  [2 ** 32, 5],
  [Infinity, 9],
];

/**
 * Encoded bytes of the sample objects `firstSeq .. firstSeq+count-1` (what the other rows count
 * as payload), computed instead of measured: the objects differ only in `id`.
 */
export function sampleObjectBytes(firstSeq: number, count: number): number {
  const fixed = encode(sampleObject(0)).length - 1; // id 0 is one byte
  let total = fixed * count;
  let from = firstSeq;
  const end = firstSeq + count;
  for (const [limit, bytes] of UINT_WIDTHS) {
    if (from >= end) break;
    if (from >= limit) continue;
    const to = Math.min(end, limit);
    total += (to - from) * bytes;
    from = to;
  }
  return total;
}

/** Payload bytes of messages `firstSeq .. firstSeq+count-1`: `size` each, or the encoded sample objects. */
export function payloadBytes(
  codec: 'raw' | 'msgpack',
  size: number,
  firstSeq: number,
  count: number,
): number {
  return codec === 'raw' ? size * count : sampleObjectBytes(firstSeq, count);
}
