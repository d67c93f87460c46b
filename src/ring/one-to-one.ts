// Single producer, single consumer (Agrona's OneToOneRingBuffer layout and protocol).
//
// The one producer owns the tail, so it needs no CAS: plain stores, then a release of the
// record's length. It keeps the consumer from ever reading a stale header by zeroing the
// header that follows each record it claims (it reserves room for that header in the
// claim), so the consumer never has to zero what it read. It marks each record (and the
// wrap's padding) in progress before it moves the tail over it, so that every claimed byte
// below the tail belongs to a record whose length word tells its extent: a consumer can
// clear what a producer that died left behind.
import { lengthIndex, RingBufferBase, corruptRecord, typeIndex } from './ring-buffer.js';
import { loadPosition, stepPosition } from './position.js';
import { HEADER_LENGTH, PADDING_TYPE_ID, alignRecord } from './record.js';

export class OneToOneRingBuffer extends RingBufferBase {
  /** Attaches to the SPSC ring in `buffer` (validated; cheap enough to do per thread). */
  constructor(buffer: SharedArrayBuffer) {
    super(buffer, 'spsc');
  }

  /**
   * Plain stores: claim() marked the record in progress already, and the consumer stops at a
   * negative length whatever the type, so neither their order nor their timing matters.
   */
  protected begin(record: number, typeId: number, recordLength: number): void {
    this.words[typeIndex(record)] = typeId;
    this.words[lengthIndex(record)] = -recordLength;
  }

  /** Only records marked in progress: below the tail, no claimed header is ever zero. */
  protected claimExtent(_index: number, length: number): number {
    return length < 0 ? alignRecord(-length) : 0;
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
    const record = data + (padding !== 0 ? 0 : index);
    // Pre-zero the next header: the consumer will look there after this record. It may be
    // the first trailer bytes (unused) when the record ends the data area.
    words[lengthIndex(record + recordLength)] = 0;
    words[typeIndex(record + recordLength)] = 0;
    // In progress before the tail moves over it (begin() sets the exact length and type).
    words[typeIndex(record)] = 0;
    words[lengthIndex(record)] = -recordLength;
    if (padding !== 0) {
      index += data;
      words[typeIndex(index)] = PADDING_TYPE_ID;
      words[lengthIndex(index)] = -padding;
    }
    // The tail moves before the padding is published, so that head <= tail always holds. It
    // needs no fence of its own: every later publication (padding, commit) is a sequentially
    // consistent store, and whoever synchronises through one of those also sees the tail.
    stepPosition(words, this.wide, this.tailK, tail, recordLength + padding);
    if (padding !== 0) Atomics.store(words, lengthIndex(index), padding);
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
