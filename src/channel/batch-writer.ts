// A sender's batch calls: small values are encoded into a RecordBlock and go into the ring a run
// at a time (one claim, one copy, one publication per run instead of per value); a value too
// large for a run goes through the FrameWriter (one record, or fragments) between two runs, so
// the order of the values holds.
import type { Codec, FrameWriter } from '../codec/index.js';
import { HEADER_LENGTH, RecordBlock, type RingBuffer } from '../ring/index.js';

/** Most bytes staged per run: enough to make the claim's cost vanish, small enough to stay in cache. */
const RUN_BYTES = 64 * 1024;

/**
 * The bytes of one run of records in `ring`: a quarter of the ring at most, since a run must
 * find room while the consumer holds the rest.
 */
export function runBytesOf(ring: RingBuffer): number {
  return Math.min(RUN_BYTES, ring.capacity >>> 2);
}

export class BatchWriter<T> {
  readonly #ring: RingBuffer;
  readonly #writer: FrameWriter<T>;
  readonly #codec: Codec<T>;
  readonly #recordType: number;
  readonly #block: RecordBlock;
  /** Larger payloads go through the FrameWriter. */
  readonly #maxStaged: number;

  constructor(ring: RingBuffer, writer: FrameWriter<T>, recordType: number) {
    this.#ring = ring;
    this.#writer = writer;
    this.#codec = writer.codec;
    this.#recordType = recordType;
    const runBytes = runBytesOf(ring);
    this.#block = new RecordBlock(runBytes);
    this.#maxStaged = Math.min(ring.maxMessageLength, runBytes - HEADER_LENGTH);
  }

  /**
   * Writes values[from..] in order (already encoded with the channel's codec when `encoded`),
   * as far as the ring has room now, and returns the index of the first value not handed to
   * the ring. With `whole` each value is all in or not started; without, a large value may be
   * left part-written in the FrameWriter (then it is busy, and the returned index is past it:
   * resume() goes on with it). Call only while the FrameWriter is idle.
   */
  write(values: readonly unknown[], from: number, whole: boolean, encoded: boolean): number {
    const block = this.#block;
    const codec = this.#codec;
    const type = this.#recordType;
    const end = values.length;
    // Values [staged, next) are in the block.
    let staged = from;
    let next = from;
    block.clear();
    while (next < end) {
      const value = values[next];
      const bytes = encoded ? (value as Uint8Array) : codec.encode(value as T);
      const length = bytes.length;
      if (length <= this.#maxStaged && block.add(type, bytes, 0, length)) {
        next++;
        continue;
      }
      // The run is full, or this value is too large for one: the run goes first.
      const sent = this.#flush();
      if (sent < next - staged) return staged + sent;
      block.clear();
      staged = next;
      if (length <= this.#maxStaged) {
        block.add(type, bytes, 0, length); // fits in the empty block
        next++;
        continue;
      }
      if (whole) {
        if (!this.#writer.tryWriteEncoded(type, bytes)) return next;
      } else if (!this.#writer.writeEncoded(type, bytes)) {
        return next + 1; // part-written: nothing may overtake it before resume() is done
      }
      staged = ++next;
    }
    return staged + this.#flush();
  }

  /** Hands the staged records to the ring, as many as it has room for; returns how many. */
  #flush(): number {
    const block = this.#block;
    const ring = this.#ring;
    let count = block.count;
    if (count === 0 || ring.writeBlock(block, count)) return count;
    // Not all of them: the most whole records the free space may hold (less the header an SPSC
    // claim zeroes after a record), halved while they do not fit (the free space may wrap).
    count = block.recordsWithin(ring.capacity - ring.size() - HEADER_LENGTH);
    while (count > 0 && !ring.writeBlock(block, count)) count >>>= 1;
    return count;
  }
}
