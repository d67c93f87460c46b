// A run of complete records staged in private memory, laid out exactly as they will lie in the
// ring (header, payload, padding to the alignment), so that a producer with many small messages
// claims space once, copies the run in with one aligned copy and publishes it with one store
// (RingBuffer.writeBlock), instead of paying a claim and a commit per message.
import { checkInteger, outOfRange } from '../errors.js';
import { copyBytes } from './copy.js';
import {
  ALIGNMENT,
  HEADER_LENGTH,
  LENGTH_OFFSET,
  MAX_TYPE_ID,
  TYPE_OFFSET,
  alignRecord,
} from './record.js';

export class RecordBlock {
  /** The staged records: bytes [0, length). 8-byte aligned, like the ring's data area. */
  readonly bytes: Uint8Array;
  /** Int32 view of `bytes`, for the headers. */
  readonly #words: Int32Array;
  /** Where each staged record ends (byte offset in `bytes`), so a prefix can be cut at a record. */
  readonly #ends: Int32Array;
  #count = 0;
  #maxPayload = 0;

  /** A block of at most `capacity` bytes (a multiple of 8, up to 1 GiB). */
  constructor(capacity: number) {
    checkInteger('capacity', capacity, HEADER_LENGTH, 2 ** 30);
    if (capacity % ALIGNMENT !== 0)
      throw outOfRange('capacity', `a multiple of ${ALIGNMENT}`, capacity);
    this.bytes = new Uint8Array(capacity);
    this.#words = new Int32Array(this.bytes.buffer);
    // At least one header per record: the block never holds more records than this.
    this.#ends = new Int32Array(capacity / HEADER_LENGTH);
  }

  /** Records staged. */
  get count(): number {
    return this.#count;
  }

  /** The largest payload staged since the last clear(). */
  get maxPayload(): number {
    return this.#maxPayload;
  }

  /** The first record's length word (header included) and typeId. */
  get firstLength(): number {
    return this.#words[LENGTH_OFFSET >>> 2]!;
  }

  get firstTypeId(): number {
    return this.#words[TYPE_OFFSET >>> 2]!;
  }

  /** Bytes staged (the end of the last record). */
  get length(): number {
    return this.lengthOf(this.#count);
  }

  /**
   * Appends a record of `typeId` whose payload is source[offset, offset + length); false (and
   * nothing staged) when it does not fit in what is left of the block.
   */
  add(typeId: number, source: Uint8Array, offset: number, length: number): boolean {
    if (!(typeId >= 1 && typeId <= MAX_TYPE_ID && (typeId | 0) === typeId))
      checkInteger('typeId', typeId, 1, MAX_TYPE_ID);
    const at = this.length;
    const end = at + alignRecord(length + HEADER_LENGTH);
    if (end > this.bytes.length) return false;
    const words = this.#words;
    words[(at + LENGTH_OFFSET) >>> 2] = length + HEADER_LENGTH;
    words[(at + TYPE_OFFSET) >>> 2] = typeId;
    copyBytes(this.bytes, at + HEADER_LENGTH, source, offset, length);
    this.#ends[this.#count++] = end;
    if (length > this.#maxPayload) this.#maxPayload = length;
    return true;
  }

  /** How many of the staged records, from the first, fit in `bytes` bytes. */
  recordsWithin(bytes: number): number {
    const ends = this.#ends;
    let low = 0;
    let high = this.#count;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (ends[middle - 1]! <= bytes) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** Bytes of the first `count` staged records. */
  lengthOf(count: number): number {
    return count === 0 ? 0 : this.#ends[count - 1]!;
  }

  /** Empties the block. */
  clear(): void {
    this.#count = 0;
    this.#maxPayload = 0;
  }
}
