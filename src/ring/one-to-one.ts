// Single producer, single consumer (Agrona's OneToOneRingBuffer layout and protocol).
//
// The one producer owns the tail, so it needs no CAS: plain stores, then a release of the
// record's length. It keeps the consumer from ever reading a stale header by zeroing the
// header that follows each record it claims (it reserves room for that header in the
// claim), so the consumer never has to zero what it read.
import { corruptRecord, RingBufferBase } from './ring-buffer.js';
import { loadPosition, stepPosition } from './position.js';
import { HEADER_LENGTH, PADDING_TYPE_ID } from './record.js';

export class OneToOneRingBuffer extends RingBufferBase {
  /** Attaches to the SPSC ring in `buffer` (validated; cheap enough to do per thread). */
  constructor(buffer: SharedArrayBuffer) {
    super(buffer, 'spsc');
  }

  /**
   * Plain stores: the header was zeroed by the previous claim, and the consumer stops at a
   * zero or negative length alike, so neither their order nor their timing matters.
   */
  protected begin(record: number, typeId: number, recordLength: number): void {
    this.words[(record >>> 2) + 1] = typeId;
    this.words[record >>> 2] = -recordLength;
  }

  /** An SPSC producer cannot die holding a claim someone else could see through. */
  unblock(): boolean {
    return false;
  }

  /**
   * Reserves `recordLength` (aligned) bytes, wrapping with a padding record when they do not
   * fit before the end of the data area. Returns the record's byte index in the buffer, or -1.
   */
  protected claim(recordLength: number): number {
    const words = this.words;
    const capacity = this.capacity;
    const mask = this.mask;
    // Room for the record and for the zeroed header placed after it.
    const required = recordLength + HEADER_LENGTH;
    const tail = words[this.tailK]; // ours alone: a plain read is current
    let head = words[this.headCacheK];
    // Unsigned: a head cache ahead of the tail (garbage) also takes the slow path.
    if (((tail - head) >>> 0) + required > capacity) {
      head = this.refreshHeadCache(tail);
      if (((tail - head) | 0) + required > capacity) return -1;
    }
    let index = tail & mask;
    const toEnd = capacity - index;
    let padding = 0;
    if (required > toEnd) {
      // Wrap: the record goes to index 0, which must be clear of the consumer.
      if (required > (head & mask)) {
        head = this.refreshHeadCache(tail);
        if (required > (head & mask)) return -1;
      }
      padding = toEnd;
    }
    const data = this.dataOffset;
    if (padding !== 0) {
      words[data >>> 2] = 0;
      words[(data >>> 2) + 1] = 0;
    }
    const record = data + (padding !== 0 ? 0 : index);
    // Pre-zero the next header: the consumer will look there after this record. It may be
    // the first trailer bytes (unused) when the record ends the data area.
    words[(record + recordLength) >>> 2] = 0;
    words[((record + recordLength) >>> 2) + 1] = 0;
    // The tail moves before the padding is published, so that head <= tail always holds. It
    // needs no fence of its own: every later publication (padding, commit) is a sequentially
    // consistent store, and whoever synchronises through one of those also sees the tail.
    stepPosition(words, this.wide, this.tailK, tail, recordLength + padding);
    if (padding !== 0) {
      index += data;
      words[(index >>> 2) + 1] = PADDING_TYPE_ID;
      Atomics.store(words, index >>> 2, padding);
    }
    return record;
  }

  /** Reads the consumer's head, checks it against our tail and caches it. Returns its low half. */
  private refreshHeadCache(tail: number): number {
    const words = this.words;
    const head = Atomics.load(words, this.headK);
    const used = (tail - head) | 0;
    if (used < 0 || used > this.capacity) {
      const position = loadPosition(words, this.wide, this.headK);
      throw corruptRecord(
        position,
        position % this.capacity,
        `the head is ${-used} bytes ahead of the tail or more than the capacity behind it`,
      );
    }
    // The cache is a hint read through its low half only (here, in C and in Agrona, which
    // cast the difference to int32), so a stale high half is harmless.
    words[this.headCacheK] = head;
    words[this.headCacheK + 1] = Atomics.load(words, this.headK + 1);
    return head;
  }
}
