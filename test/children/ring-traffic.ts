// Deterministic ring traffic for the cross-process, cross-thread and C interop tests: every
// message is derived from (producer, sequence), so the consumer checks each one (order,
// length, every byte) without any side channel. test/c/ring_interop.c mirrors these
// functions bit for bit.
import { RecordBlock, type RingBuffer } from '../../src/ring/index.js';

/** murmur3's 32-bit finalizer. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The hash that determines message `seq` of `producer`. */
export function messageHash(producer: number, seq: number): number {
  return mix32((seq ^ mix32(producer + 1)) >>> 0);
}

/** Sum (mod 2^32) of the hashes of messages 0..count-1 of `producer`: what both ends report. */
export function checksumOf(producer: number, count: number): number {
  let sum = 0;
  for (let seq = 0; seq < count; seq++) sum = (sum + messageHash(producer, seq)) >>> 0;
  return sum;
}

/** How many records `produce` claims and aborts on the way (the hash % 61 === 0 messages). */
export function abortsOf(producer: number, count: number): number {
  let aborts = 0;
  for (let seq = 0; seq < count; seq++) if (messageHash(producer, seq) % 61 === 0) aborts++;
  return aborts;
}

/** Payload length, skewed small: 90% in 0..32, 9% in 0..512, 1% in 0..max. */
export function messageLength(hash: number, max: number): number {
  const bucket = hash % 1000;
  const r = hash >>> 10;
  if (bucket < 900) return r % Math.min(33, max + 1);
  if (bucket < 990) return r % Math.min(513, max + 1);
  return r % (max + 1);
}

/** typeId carrying the producer (0..7) and the low 24 bits of the sequence. */
export function messageTypeId(producer: number, seq: number): number {
  return 1 + producer + 8 * (seq & 0xffffff);
}

export function byteAt(hash: number, i: number): number {
  return (hash + Math.imul(i, 131)) & 0xff;
}

export function fill(target: Uint8Array, offset: number, hash: number, length: number): void {
  for (let i = 0; i < length; i++) target[offset + i] = (hash + Math.imul(i, 131)) & 0xff;
}

/** Sleeps a little after a run of empty polls, so spinning peers leave the CPUs to the others. */
export class Backoff {
  private spins = 0;
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));
  idle(): void {
    if (++this.spins > 64) Atomics.wait(this.sleeper, 0, 0, this.spins > 4096 ? 1 : 0.05);
  }
  reset(): void {
    this.spins = 0;
  }
}

export interface ProduceResult {
  count: number;
  aborted: number;
  checksum: number;
}

/**
 * Sends `count` messages of `producer`, by write(), tryClaim()/commit() and runs of two
 * (writeBlock) in turn, and now and then claiming and aborting a record first (the consumer
 * must skip it). Spins (with backoff) while the ring is full; gives up with an error after
 * `deadline` (epoch ms).
 */
export function produce(
  ring: RingBuffer,
  producer: number,
  count: number,
  deadline: number,
): ProduceResult {
  const scratch = new Uint8Array(ring.maxMessageLength + 8);
  const run = new RecordBlock(2 * (ring.maxMessageLength + 16));
  const backoff = new Backoff();
  const max = ring.maxMessageLength;
  let checksum = 0;
  let aborted = 0;
  for (let seq = 0; seq < count; seq++) {
    const hash = messageHash(producer, seq);
    const length = messageLength(hash, max);
    const typeId = messageTypeId(producer, seq);
    checksum = (checksum + hash) >>> 0;
    if (hash % 61 === 0) aborted += claimAndAbort(ring, typeId, length, backoff, deadline);
    if ((seq & 3) === 2 && seq + 1 < count) {
      // This message and the next one as a run: one claim, one publication (writeBlock).
      const nextHash = messageHash(producer, seq + 1);
      const nextLength = messageLength(nextHash, max);
      checksum = (checksum + nextHash) >>> 0;
      const nextTypeId = messageTypeId(producer, seq + 1);
      if (nextHash % 61 === 0)
        aborted += claimAndAbort(ring, nextTypeId, nextLength, backoff, deadline);
      run.clear();
      fill(scratch, 0, hash, length);
      run.add(typeId, scratch, 0, length);
      fill(scratch, 0, nextHash, nextLength);
      run.add(nextTypeId, scratch, 0, nextLength);
      while (!ring.writeBlock(run, 2)) wait(backoff, deadline);
      seq++;
    } else if ((seq & 1) === 0) {
      // Copy from an unaligned offset half of the time.
      const offset = (seq >>> 1) & 1 ? 3 : 0;
      fill(scratch, offset, hash, length);
      while (!ring.write(typeId, scratch, offset, length)) wait(backoff, deadline);
    } else {
      let index: number;
      while ((index = ring.tryClaim(typeId, length)) < 0) wait(backoff, deadline);
      fill(ring.bytes, index, hash, length);
      ring.commit(index);
    }
    backoff.reset();
  }
  return { count, aborted, checksum };
}

/** Claims a record, scribbles over it and aborts it (the consumer must never see it); returns 1. */
function claimAndAbort(
  ring: RingBuffer,
  typeId: number,
  length: number,
  backoff: Backoff,
  deadline: number,
): number {
  let index: number;
  while ((index = ring.tryClaim(typeId, length)) < 0) wait(backoff, deadline);
  ring.bytes.fill(0xee, index, index + length);
  ring.abort(index);
  return 1;
}

function wait(backoff: Backoff, deadline: number): void {
  backoff.idle();
  if (Date.now() > deadline) throw new Error('the ring stayed full until the deadline');
}

/** Checks every message against what its producer must have sent, in per-producer order. */
export class Verifier {
  readonly next: number[];
  readonly checksums: number[];
  total = 0;
  private readonly max: number;

  constructor(producers: number, maxMessageLength: number) {
    this.next = new Array<number>(producers).fill(0);
    this.checksums = new Array<number>(producers).fill(0);
    this.max = maxMessageLength;
  }

  readonly handler = (typeId: number, bytes: Uint8Array, offset: number, length: number): void => {
    const producer = (typeId - 1) & 7;
    if (producer >= this.next.length)
      throw new Error(`message ${this.total}: typeId ${typeId} names producer ${producer}`);
    const seq = this.next[producer];
    if (typeId !== messageTypeId(producer, seq)) {
      throw new Error(
        `producer ${producer}: expected seq ${seq}, got typeId ${typeId} (seq ${(typeId - 1) >>> 3} mod 2^24)`,
      );
    }
    const hash = messageHash(producer, seq);
    const expected = messageLength(hash, this.max);
    if (length !== expected)
      throw new Error(`producer ${producer} seq ${seq}: length ${length}, expected ${expected}`);
    for (let i = 0; i < length; i++) {
      if (bytes[offset + i] !== ((hash + Math.imul(i, 131)) & 0xff)) {
        throw new Error(
          `producer ${producer} seq ${seq}: byte ${i} of ${length} is ${bytes[offset + i]}, expected ${byteAt(hash, i)}`,
        );
      }
    }
    this.checksums[producer] = (this.checksums[producer] + hash) >>> 0;
    this.next[producer] = seq + 1;
    this.total++;
  };
}

/**
 * Reads until at least `total` messages arrived, verifying each; gives up with an error after
 * `deadline`. With `last`, `total` is everything the producers send: anything more is an error.
 */
export function consume(
  ring: RingBuffer,
  verifier: Verifier,
  total: number,
  deadline: number,
  last = true,
): void {
  const backoff = new Backoff();
  while (verifier.total < total) {
    if (ring.read(verifier.handler, 4096) === 0) {
      backoff.idle();
      if (Date.now() > deadline)
        throw new Error(`only ${verifier.total} of ${total} messages arrived before the deadline`);
    } else {
      backoff.reset();
    }
  }
  if (last && (verifier.total > total || ring.read(verifier.handler) !== 0))
    throw new Error('more messages than were sent');
}
