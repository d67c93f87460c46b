// Many producers, one consumer (Agrona's ManyToOneRingBuffer layout and protocol).
//
// Producers race for space with a compare-and-swap on the tail; a claim that loses the race
// or finds the ring full has changed nothing but the head cache (a hint). A producer marks
// its record in progress (negative length) before anything else, so clearBlockers() can tell
// a record being written from never-claimed space. The consumer zeroes what it consumed.
import { corruptRecord, lengthIndex, RingBufferBase, typeIndex } from './ring-buffer.js';
import { joinHalves, loadPosition, storePosition } from './position.js';
import { ALIGNMENT, PADDING_TYPE_ID, alignRecord } from './record.js';

const TWO_32 = 4294967296;
/** Only ever waited on, with a timeout: a sleep that leaves the CPU to the consumer. */
const pause = new Int32Array(new SharedArrayBuffer(4));

export class ManyToOneRingBuffer extends RingBufferBase {
  /** Attaches to the MPSC ring in `buffer` (validated; cheap enough to do per thread). */
  constructor(buffer: SharedArrayBuffer) {
    super(buffer, 'mpsc');
  }

  /**
   * In progress first, sequentially consistent so that it is ordered before the payload:
   * clearBlockers() must never mistake our payload bytes for the start of another record.
   */
  protected begin(record: number, typeId: number, recordLength: number): void {
    Atomics.store(this.words, lengthIndex(record), -recordLength);
    this.words[typeIndex(record)] = typeId;
  }

  /**
   * Reserves `recordLength` (aligned) bytes for this producer, wrapping with a padding record
   * when they do not fit before the end of the data area. Returns the record's byte index in
   * the buffer, or -1 when the ring is full.
   *
   * The CAS is 32-bit on the tail's low half unless the claim carries into the high half
   * (then it is a 64-bit CAS). A 32-bit CAS can succeed on a tail that moved on by exactly
   * 2^32 while this producer was descheduled (ABA): the claim is then at the real tail, but
   * its room was checked against a head from 4 GiB ago. The high half tells: it changed
   * between our first look and the CAS. Then we wait, before writing anything, until the
   * consumer has freed the claimed space (in the common case, a carry by another producer
   * right after our claim, it already has).
   */
  protected claim(recordLength: number): number {
    const words = this.words;
    const capacity = this.capacity;
    const mask = this.mask;
    const tailK = this.tailK;
    // Acquire, so that the low half read next is not older than this high half.
    const epoch = Atomics.load(words, tailK + 1);
    // Plain reads: the head cache is a hint and the tail is checked by the CAS. A failed CAS
    // returns the tail it found, which the next round starts from.
    let head = words[this.headCacheK];
    let tail = words[tailK];
    let padding: number;
    for (;;) {
      // Unsigned: a cache ahead of the tail (our tail read is older than it) takes the slow path.
      if (((tail - head) >>> 0) + recordLength > capacity) {
        head = this.refreshHeadCache(tail);
        if (head === tail + 1) {
          tail = Atomics.load(words, tailK); // the tail moved on; look again
          continue;
        }
        if (((tail - head) | 0) + recordLength > capacity) return -1;
      }
      padding = 0;
      const toEnd = capacity - (tail & mask);
      if (recordLength > toEnd) {
        // Wrap: the record goes to index 0, which must be clear of the consumer.
        if (recordLength > (head & mask)) {
          head = this.refreshHeadCache(tail);
          if (head === tail + 1) {
            tail = Atomics.load(words, tailK);
            continue;
          }
          if (recordLength > (head & mask)) return -1;
        }
        padding = toEnd;
      }
      const delta = recordLength + padding;
      if ((tail >>> 0) + delta < TWO_32) {
        const found = Atomics.compareExchange(words, tailK, tail, (tail + delta) | 0);
        if (found === tail) {
          if (words[tailK + 1] !== epoch) this.awaitRoom((tail + delta) | 0);
          break;
        }
        tail = found;
      } else {
        const hi = Atomics.load(words, tailK + 1);
        const expected = joinHalves(hi, tail);
        if (
          Atomics.compareExchange(
            this.wide,
            tailK >>> 1,
            expected,
            joinHalves(hi + 1, (tail + delta) | 0),
          ) === expected
        )
          break;
        tail = Atomics.load(words, tailK);
      }
    }
    const index = this.dataOffset + (tail & mask);
    if (padding !== 0) {
      // Same order as a record: in progress, then type, then the release of the length.
      Atomics.store(words, lengthIndex(index), -padding);
      words[typeIndex(index)] = PADDING_TYPE_ID;
      Atomics.store(words, lengthIndex(index), padding);
      return this.dataOffset;
    }
    return index;
  }

  /** Waits until the consumer's head leaves room for a claim ending at `end` (see claim). */
  private awaitRoom(end: number): void {
    const words = this.words;
    for (let spins = 0; ((end - Atomics.load(words, this.headK)) | 0) > this.capacity; spins++) {
      if (spins > 1000) Atomics.wait(pause, 0, 0, 1);
    }
  }

  /**
   * Reads the consumer's head and caches it. Returns its low half, or `tail + 1` (never a
   * valid head, heads being 8-aligned) when our tail read is older than the head: retry then.
   */
  private refreshHeadCache(tail: number): number {
    const words = this.words;
    const head = Atomics.load(words, this.headK);
    const headHi = Atomics.load(words, this.headK + 1);
    const used = (tail - head) | 0;
    if (used < 0 || used > this.capacity) {
      // The tail we read may be older than the head; only a current tail proves corruption.
      if (Atomics.load(words, this.tailK) !== tail) return tail + 1;
      const position = loadPosition(words, this.wide, this.headK);
      throw corruptRecord(
        position,
        position % this.capacity,
        `the head is ${-used} bytes ahead of the tail or more than the capacity behind it`,
      );
    }
    // Several producers store the cache; it is a hint read through its low half only (here,
    // in C and in Agrona, which cast the difference to int32), so a mixed-up high half from
    // two racing stores is harmless. A producer facing a full ring refreshes on every attempt:
    // it stores only what is news, or it would write that line for nothing each time.
    if (words[this.headCacheK] !== head)
      storePosition(words, this.wide, this.headCacheK, headHi, head);
    return head;
  }

  /**
   * In progress: the length it says. Not yet marked (zero): the claim ends where the next
   * non-zero header starts, consumed space being all zeros; when nothing non-zero follows
   * before the limit, the claim may still be on its way (unknown), unless the limit lies
   * past the end of the data area: then everything to the end is claimed.
   */
  protected claimExtent(index: number, length: number, toLimit: number): number {
    if (length < 0) return alignRecord(-length);
    const words = this.words;
    const record = this.dataOffset + index;
    const toEnd = this.capacity - index;
    const scan = toLimit < toEnd ? toLimit : toEnd;
    let extent = ALIGNMENT;
    while (extent < scan && Atomics.load(words, lengthIndex(record + extent)) === 0)
      extent += ALIGNMENT;
    if (extent >= scan) {
      if (toLimit <= toEnd) return 0;
      extent = toEnd;
    }
    // Make sure no producer wrote into the gap meanwhile (then it is alive, not dead).
    for (let i = 0; i < extent; i += 4) if (Atomics.load(words, (record + i) >>> 2) !== 0) return 0;
    return extent;
  }
}
