// What both ring kinds share: the attached views, the consumer side (read), commit/abort of
// claimed records, and the trailer counters. The kinds differ only in how producers claim
// space and in who zeroes consumed bytes.
import { ShmringError, checkInteger, invalidArgType, outOfRange } from '../errors.js';
import {
  CONSUMER_HEARTBEAT_OFFSET,
  CORRELATION_COUNTER_OFFSET,
  HEAD_CACHE_POSITION_OFFSET,
  HEAD_POSITION_OFFSET,
  TAIL_POSITION_OFFSET,
} from './descriptor.js';
import { readMetadata, type RingKind, type RingMetadata } from './metadata.js';
import { copyBytes } from './copy.js';
import { advancePosition, loadPosition } from './position.js';
import { RecordBlock } from './record-block.js';
import {
  ALIGNMENT,
  HEADER_LENGTH,
  LENGTH_OFFSET,
  MAX_TYPE_ID,
  PADDING_TYPE_ID,
  TYPE_OFFSET,
  alignRecord,
} from './record.js';

/** Int32 index of a record's length word, from the record's byte index. */
export const lengthIndex = (record: number): number => (record + LENGTH_OFFSET) >>> 2;
/** Int32 index of a record's typeId word, from the record's byte index. */
export const typeIndex = (record: number): number => (record + TYPE_OFFSET) >>> 2;

/**
 * Decides whether the uncommitted record at `position` (low half of its ring position) may be
 * cleared; `atHead`: it is the one the consumer waits for.
 */
export type ClearPolicy = (position: number, atHead: boolean) => boolean;

/**
 * Receives one message. `bytes` is a view over the whole SharedArrayBuffer (the same object
 * every call) and the payload is bytes[offset, offset + length). The view is only valid
 * during the call: the space is reused once read() returns.
 */
export type MessageHandler = (
  typeId: number,
  bytes: Uint8Array,
  offset: number,
  length: number,
) => void;

/**
 * Writes the payload of the `index`th record of a run (from 0) in place: bytes[offset, offset +
 * the run's payload length). `bytes` is a view over the whole SharedArrayBuffer.
 */
export type RecordWriter = (bytes: Uint8Array, offset: number, index: number) => void;

/** The operations the channel layer uses, implemented by both ring kinds. */
export interface RingBuffer {
  readonly kind: RingKind;
  readonly buffer: SharedArrayBuffer;
  /** A Uint8Array over the whole buffer: where tryClaim's payload indexes point. */
  readonly bytes: Uint8Array;
  /** Bytes of the data area (a power of two). */
  readonly capacity: number;
  /** Largest payload accepted: capacity / 8. */
  readonly maxMessageLength: number;
  /** Copies bytes[offset, offset + length) into the ring as one message; false when full. */
  write(typeId: number, bytes: Uint8Array, offset?: number, length?: number): boolean;
  /**
   * Copies the first `count` records staged in `block` into the ring with one claim and one
   * publication: all of them or none (false when the ring lacks room now).
   */
  writeBlock(block: RecordBlock, count: number): boolean;
  /**
   * Zero-copy for many records: claims up to `count` records of `typeId` with `length`-byte
   * payloads as one run (as many as fit now), has `write` fill each payload in place (record i
   * of the run is `firstIndex + i` to it), and publishes the run with one release. Returns how
   * many records (0 when the ring is full). If `write` throws, the run becomes padding (nothing
   * of it is read) and the error propagates.
   */
  writeRecords(
    typeId: number,
    length: number,
    count: number,
    write: RecordWriter,
    firstIndex?: number,
  ): number;
  /** Reserves a record: the byte index in `buffer` where `length` payload bytes go, or -1 when full. */
  tryClaim(typeId: number, length: number): number;
  /** Publishes a record reserved by tryClaim (pass the index it returned). */
  commit(index: number): void;
  /** Gives up a record reserved by tryClaim: the consumer skips it. */
  abort(index: number): void;
  /** Hands up to `limit` messages to `handler`; returns how many. Throws ERR_SHMRING_CORRUPT on a bad record. */
  read(handler: MessageHandler, limit?: number): number;
  /**
   * read() that keeps the records' space: up to `limit` records past those peeked already go
   * to `handler`, and the head stays until release() hands the space back. After each
   * handler call `peeked` counts that record as read.
   */
  peek(handler: MessageHandler, limit?: number): number;
  /** Bytes this object has read (peek or read) since it was made; what release() takes. */
  readonly peeked: number;
  /** Moves the head up to `upTo` (a value `peeked` had): that space goes back to producers. */
  release(upTo: number): void;
  /** The stream position of the first record the next (or current) read block looks at. */
  readPosition(): number;
  /** Bytes claimed and not yet consumed, in [0, capacity]. */
  size(): number;
  /** Bytes the last read() or release() moved the head by (messages and padding): 0 when it freed nothing. */
  readonly consumed: number;
  /** How many records this object has claimed so far (a producer's progress). */
  readonly claims: number;
  /** Whether the record at the head is claimed and not committed (the consumer waits on it). */
  headBlocked(): boolean;
  producerPosition(): number;
  consumerPosition(): number;
  /** A ring-wide unique, increasing id (the trailer's correlation counter). */
  nextCorrelationId(): number;
  /** Epoch ms the consumer last said it was alive. */
  consumerHeartbeatTime: number;
  /**
   * Turns the uncommitted record at the head (claimed by a producer that died before
   * committing it) into padding, with no question asked about its owner. Returns whether
   * anything was cleared.
   */
  unblock(): boolean;
  /**
   * Walks from the head to `limit` (the low half of a tail read earlier) and turns into
   * padding each uncommitted record that `mayClear` allows, stopping at the first one it
   * refuses or whose extent cannot be known yet. Returns how many it cleared.
   */
  clearBlockers(limit: number, mayClear: ClearPolicy): number;
  /**
   * Makes this ring a registered producer's: before each claim it records the tail it saw
   * at int32 index `claimIndex` (| 1; 0 once committed), and each commit checks that the
   * int32 at `ownerIndex` still holds `owner` and that nobody cleared the record, failing with
   * ERR_SHMRING_CLAIM_LOST otherwise.
   */
  trackClaims(claimIndex: number, ownerIndex: number, owner: number): void;
}

/** ERR_SHMRING_CLAIM_LOST: the consumer took this producer for dead and cleared its claim. */
export function claimLost(): ShmringError {
  return new ShmringError(
    'ERR_SHMRING_CLAIM_LOST',
    'the receiver took this sender for dead and cleared its claimed record; the sender is closed',
  );
}

/** ERR_SHMRING_CORRUPT for the record at `position`; the error carries `position`. */
export function corruptRecord(position: number, index: number, reason: string): ShmringError {
  const error = new ShmringError(
    'ERR_SHMRING_CORRUPT',
    `ring record at position ${position} (data index ${index}): ${reason}`,
  );
  return Object.assign(error, { position });
}

// Word stores beat TypedArray.set up to ~48 bytes (measured on Node 20, x64).
/** Up to this many bytes, an aligned, known source is copied word by word. */
const WORD_COPY_MAX = 48;
/** Up to this many bytes, consumed space is zeroed by a loop rather than fill() (see zeroData). */
const ZERO_LOOP_MAX = 256;

export abstract class RingBufferBase implements RingBuffer {
  readonly kind: RingKind;
  readonly buffer: SharedArrayBuffer;
  readonly bytes: Uint8Array;
  readonly capacity: number;
  readonly maxMessageLength: number;
  readonly metadata: RingMetadata;
  /** Int32 view over the whole buffer: record headers and the halves of the trailer counters. */
  protected readonly words: Int32Array;
  /** Int64 view over the whole buffer, for the rare 64-bit stores and the non-hot counters. */
  protected readonly wide: BigInt64Array;
  /** Float64 view over the whole buffer: the fastest 8-byte stores, for zeroing (see zeroData). */
  private readonly doubles: Float64Array;
  protected readonly mask: number;
  /** Byte offset of the data area in `buffer`. */
  protected readonly dataOffset: number;
  // Int32 indexes of the low halves of the trailer counters.
  protected readonly tailK: number;
  protected readonly headCacheK: number;
  protected readonly headK: number;
  private readonly correlationK: number;
  private readonly heartbeatK: number;
  /** MPSC: the consumer zeroes what it consumed, since producers do not pre-zero headers. */
  private readonly zeroConsumed: boolean;
  /** Whether the last block read ran to the end of the data area. */
  private wrapped = false;
  private reading = false;
  /** Bytes read (peeked) since this object was made, and bytes of them released (head moves). */
  private peekedBytes = 0;
  private releasedBytes = 0;
  /** peekedBytes when the block being read started (see readPosition). */
  private blockPeeked = 0;
  /** Low half of the last tail the consumer read (see readBlock). */
  private tailSeen: number;
  // The source copyIn last adopted (kept alive until another one is): its words from the
  // start of its buffer, and the word index where it starts (-1: not 4-aligned).
  private source: Uint8Array | undefined = undefined;
  private sourceWords: Int32Array = new Int32Array(0);
  private sourceWordBase = -1;
  private candidate: Uint8Array | undefined = undefined;
  // Claim tracking for a registered producer (see trackClaims); -1: a bare ring.
  consumed = 0;
  claims = 0;
  private claimK = -1;
  private ownerK = -1;
  private owner = 0;

  protected constructor(buffer: SharedArrayBuffer, kind: RingKind) {
    const metadata = readMetadata(buffer);
    if (metadata.kind !== kind) {
      throw new ShmringError(
        'ERR_SHMRING_BAD_FORMAT',
        `the segment holds an ${metadata.kind} ring, not an ${kind} one`,
      );
    }
    this.kind = kind;
    this.metadata = metadata;
    this.buffer = buffer;
    this.bytes = new Uint8Array(buffer);
    this.words = new Int32Array(buffer, 0, metadata.segmentLength >>> 2);
    this.wide = new BigInt64Array(buffer, 0, metadata.segmentLength >>> 3);
    this.doubles = new Float64Array(buffer, 0, metadata.segmentLength >>> 3);
    this.capacity = metadata.capacity;
    this.maxMessageLength = metadata.maxMessageLength;
    this.mask = metadata.capacity - 1;
    this.dataOffset = metadata.dataOffset;
    const trailer = metadata.trailerOffset;
    this.tailK = (trailer + TAIL_POSITION_OFFSET) >>> 2;
    this.headCacheK = (trailer + HEAD_CACHE_POSITION_OFFSET) >>> 2;
    this.headK = (trailer + HEAD_POSITION_OFFSET) >>> 2;
    this.correlationK = (trailer + CORRELATION_COUNTER_OFFSET) >>> 2;
    this.heartbeatK = (trailer + CONSUMER_HEARTBEAT_OFFSET) >>> 2;
    this.zeroConsumed = kind === 'mpsc';
    this.tailSeen = Atomics.load(this.words, this.tailK);
  }

  /**
   * The aligned extent of an uncommitted record whose length word is `length` (negative: in
   * progress; zero: claimed but not yet marked), or 0 when it cannot be known now.
   * `toLimit`: bytes from the record to the walk's limit.
   */
  protected abstract claimExtent(index: number, length: number, toLimit: number): number;
  /** Reserves `recordLength` (aligned) bytes: the record's byte index in the buffer, or -1 when full. */
  protected abstract claim(recordLength: number): number;
  /** Marks a claimed record in progress (negative length) with its type. */
  protected abstract begin(record: number, typeId: number, recordLength: number): void;

  // ---- producers ---------------------------------------------------------------------

  write(typeId: number, bytes: Uint8Array, offset = 0, length?: number): boolean {
    if (!(bytes instanceof Uint8Array))
      throw invalidArgType('bytes', 'an instance of Uint8Array', bytes);
    if (length === undefined) length = bytes.length - offset;
    this.checkMessage(typeId, length);
    this.checkSource(bytes, offset, length);
    const recordLength = length + HEADER_LENGTH;
    const record = this.trackedClaim(alignRecord(recordLength));
    if (record < 0) return false;
    this.begin(record, typeId, recordLength);
    this.copyIn(record + HEADER_LENGTH, bytes, offset, length);
    this.publish(record, -recordLength);
    return true;
  }

  writeBlock(block: RecordBlock, count: number): boolean {
    if (!(block instanceof RecordBlock)) throw invalidArgType('block', 'a RecordBlock', block);
    if (!(count >= 1 && count <= block.count && (count | 0) === count))
      checkInteger('count', count, 1, block.count);
    if (block.maxPayload > this.maxMessageLength)
      throw outOfRange(
        'block',
        `payloads of at most ${this.maxMessageLength} bytes`,
        block.maxPayload,
      );
    const length = block.lengthOf(count);
    // Room for it must come some day, next to the header an SPSC claim zeroes after it.
    if (length > this.capacity - HEADER_LENGTH)
      throw outOfRange(
        'count',
        `records of at most ${this.capacity - HEADER_LENGTH} bytes in all`,
        count,
      );
    const record = this.trackedClaim(length);
    if (record < 0) return false;
    // The whole run is one record in progress until the first record's length is released:
    // the consumer stops before it, and a consumer clearing a dead producer's claim pads all
    // of it. The others' headers are plain bytes of the copy, visible with that release.
    this.begin(record, block.firstTypeId, length);
    if (length > HEADER_LENGTH)
      this.bytes.set(block.bytes.subarray(HEADER_LENGTH, length), record + HEADER_LENGTH);
    this.publish(record, -length, block.firstLength);
    return true;
  }

  writeRecords(
    typeId: number,
    length: number,
    count: number,
    write: RecordWriter,
    firstIndex = 0,
  ): number {
    this.checkMessage(typeId, length);
    if (!(count >= 1 && (count | 0) === count)) checkInteger('count', count, 1, 2 ** 31 - 1);
    if (typeof write !== 'function') throw invalidArgType('write', 'of type function', write);
    const recordLength = length + HEADER_LENGTH;
    const stride = alignRecord(recordLength);
    // As many as the free space holds (less the header an SPSC claim zeroes after a run),
    // halved while they do not fit (the free space may wrap).
    let records = Math.min(
      count,
      Math.floor((this.capacity - this.size() - HEADER_LENGTH) / stride),
    );
    let record = -1;
    while (records > 0 && (record = this.trackedClaim(records * stride)) < 0) records >>>= 1;
    if (records <= 0) return 0;
    const runLength = records * stride;
    // As in writeBlock: the run is one record in progress until the first record's length is
    // released; the other headers are plain writes that this release makes visible.
    this.begin(record, typeId, runLength);
    const words = this.words;
    for (let at = record + stride; at < record + runLength; at += stride) {
      words[lengthIndex(at)] = recordLength;
      words[typeIndex(at)] = typeId;
    }
    const bytes = this.bytes;
    try {
      for (let i = 0; i < records; i++)
        write(bytes, record + i * stride + HEADER_LENGTH, firstIndex + i);
    } catch (error) {
      this.drop(record, -runLength);
      throw error;
    }
    this.publish(record, -runLength, recordLength);
    return records;
  }

  tryClaim(typeId: number, length: number): number {
    this.checkMessage(typeId, length);
    const recordLength = length + HEADER_LENGTH;
    const record = this.trackedClaim(alignRecord(recordLength));
    if (record < 0) return -1;
    this.begin(record, typeId, recordLength);
    return record + HEADER_LENGTH;
  }

  trackClaims(claimIndex: number, ownerIndex: number, owner: number): void {
    this.claimK = claimIndex;
    this.ownerK = ownerIndex;
    this.owner = owner;
  }

  // A registered producer says where its claim can start before it claims (the tail it
  // reads, which only grows), so the consumer never takes its record for a dead one's. A
  // plain store: the consumer reads the tail (Atomics.load) before the registry, and the
  // claim's tail store (a CAS in MPSC) publishes everything written before it.
  private trackedClaim(recordLength: number): number {
    const claimK = this.claimK;
    if (claimK >= 0) this.words[claimK] = this.words[this.tailK] | 1;
    const record = this.claim(recordLength);
    if (record >= 0) this.claims++;
    else if (claimK >= 0) this.words[claimK] = 0;
    return record;
  }

  /**
   * Commits the record at byte index `record` whose length word holds `inProgress`: release
   * of its length (`committed`, the same length made positive unless a block of records was
   * claimed as one), so that payload and type are visible to whoever sees it. A
   * registered producer does it with a CAS, after checking that it still owns its slot: a
   * consumer that took it for dead clears the record (its length word leaves `inProgress`).
   */
  private publish(record: number, inProgress: number, committed = -inProgress): void {
    const words = this.words;
    if (this.claimK < 0) {
      Atomics.store(words, lengthIndex(record), committed);
      return;
    }
    // A plain read (an Atomics.load costs a third of a small write): a reap it misses is the
    // same race as a reap just after it, which the CAS below settles.
    if (words[this.ownerK] !== this.owner) {
      // Reaped: whatever the consumer decides about this record, it must not be a message.
      this.pad(record, inProgress, alignRecord(-inProgress));
      throw claimLost();
    }
    if (Atomics.compareExchange(words, lengthIndex(record), inProgress, committed) !== inProgress)
      throw claimLost();
    words[this.claimK] = 0;
  }

  /** Validates typeId and payload length on the hot path; the slow path names the problem. */
  private checkMessage(typeId: number, length: number): void {
    if (!(typeId >= 1 && typeId <= MAX_TYPE_ID && (typeId | 0) === typeId))
      checkInteger('typeId', typeId, 1, MAX_TYPE_ID);
    if (!(length >= 0 && length <= this.maxMessageLength && (length | 0) === length)) {
      checkInteger('length', length, 0, this.maxMessageLength);
    }
  }

  /** Validates write()'s source range. */
  private checkSource(bytes: Uint8Array, offset: number, length: number): void {
    if (!(offset >= 0 && (offset | 0) === offset)) checkInteger('offset', offset, 0, bytes.length);
    if (!(offset + length <= bytes.length)) {
      throw outOfRange('length', `<= bytes.length - offset (${bytes.length - offset})`, length);
    }
  }

  /**
   * Copies a payload into the ring at byte index `at` (8-aligned). TypedArray.set costs
   * ~20 ns even for 16 bytes, and so do a typed array's `buffer` and `byteOffset` getters
   * (not inlined in Node 20), so small copies from a source used again and again (an
   * encoder's scratch buffer) go word by word through an Int32Array kept for that source
   * object. Otherwise copyBytes() chooses a byte loop or set() by length.
   */
  private copyIn(at: number, bytes: Uint8Array, offset: number, length: number): void {
    if (length <= WORD_COPY_MAX) {
      if (bytes !== this.source) {
        this.noteSource(bytes);
      } else if (this.sourceWordBase >= 0 && (offset & 3) === 0) {
        const from = this.sourceWords;
        const to = this.words;
        const words = length >>> 2;
        const s = this.sourceWordBase + (offset >>> 2);
        const d = at >>> 2;
        for (let i = 0; i < words; i++) to[d + i] = from[s + i];
        for (let i = words << 2; i < length; i++) this.bytes[at + i] = bytes[offset + i];
        return;
      }
    }
    copyBytes(this.bytes, at, bytes, offset, length);
  }

  /** Adopts a source on its second use in a row, with a word view when it is 4-aligned. */
  private noteSource(bytes: Uint8Array): void {
    if (bytes !== this.candidate) {
      this.candidate = bytes;
      return;
    }
    const buffer = bytes.buffer as ArrayBufferLike & { resizable?: boolean; growable?: boolean };
    // A view over a resizable buffer could change length under us: leave those to set().
    if (buffer.resizable === true || buffer.growable === true) return;
    const byteOffset = bytes.byteOffset;
    this.source = bytes;
    this.sourceWordBase = (byteOffset & 3) === 0 ? byteOffset >>> 2 : -1;
    this.sourceWords = new Int32Array(buffer, 0, (byteOffset + bytes.length) >>> 2);
  }

  /** The byte index of the record whose payload index tryClaim returned; throws if it cannot be one. */
  private claimedRecord(index: number): number {
    const relative = index - HEADER_LENGTH - this.dataOffset;
    if (!(
      relative >= 0 &&
      relative <= this.capacity - HEADER_LENGTH &&
      (relative & (ALIGNMENT - 1)) === 0 &&
      Number.isInteger(index)
    )) {
      throw outOfRange('index', 'a payload index returned by tryClaim', index);
    }
    const record = index - HEADER_LENGTH;
    if (this.words[lengthIndex(record)] >= 0) {
      const what = this.words[typeIndex(record)] === PADDING_TYPE_ID ? 'aborted' : 'committed';
      throw new ShmringError(
        'ERR_SHMRING_NOT_CLAIMED',
        `the record at index ${index} is not claimed (already ${what})`,
      );
    }
    return record;
  }

  commit(index: number): void {
    // Reaped meanwhile: the record may be padding, consumed, or someone else's by now.
    if (this.claimK >= 0 && Atomics.load(this.words, this.ownerK) !== this.owner) throw claimLost();
    const record = this.claimedRecord(index);
    this.publish(record, this.words[lengthIndex(record)]);
  }

  abort(index: number): void {
    if (this.claimK >= 0 && Atomics.load(this.words, this.ownerK) !== this.owner) return;
    const record = this.claimedRecord(index);
    this.drop(record, this.words[lengthIndex(record)]);
  }

  /** Publishes the claimed record at `record` (length word `inProgress`) as padding. */
  private drop(record: number, inProgress: number): void {
    this.words[typeIndex(record)] = PADDING_TYPE_ID;
    try {
      this.publish(record, inProgress);
    } catch {
      // Cleared by the consumer already: the record is padding either way.
    }
  }

  // ---- clearing what dead producers left ------------------------------------------------

  headBlocked(): boolean {
    const words = this.words;
    const head = Atomics.load(words, this.headK);
    if (head === Atomics.load(words, this.tailK)) return false;
    return Atomics.load(words, lengthIndex(this.dataOffset + (head & this.mask))) <= 0;
  }

  unblock(): boolean {
    return this.clearBlockers(Atomics.load(this.words, this.tailK), (_, atHead) => atHead) > 0;
  }

  clearBlockers(limit: number, mayClear: ClearPolicy): number {
    const words = this.words;
    const capacity = this.capacity;
    const head = Atomics.load(words, this.headK);
    const span = (limit - head) | 0;
    if (span > capacity || (head & (ALIGNMENT - 1)) !== 0) {
      throw new ShmringError(
        'ERR_SHMRING_CORRUPT',
        `cannot unblock: head ${this.consumerPosition()} and tail ${this.producerPosition()} are inconsistent`,
      );
    }
    let cleared = 0;
    for (let offset = 0; offset < span;) {
      const position = (head + offset) | 0;
      const index = position & this.mask;
      const record = this.dataOffset + index;
      const length = Atomics.load(words, lengthIndex(record));
      if (length > 0) {
        // Committed: read() judges it; here only its extent matters.
        if (length < HEADER_LENGTH || length > capacity - index) break;
        offset += alignRecord(length);
        continue;
      }
      if (length < 0 && (-length < HEADER_LENGTH || -length > capacity - index)) {
        throw corruptRecord(
          this.consumerPosition() + offset,
          index,
          `in-progress length ${length} cannot fit the data area`,
        );
      }
      if (!mayClear(position, offset === 0)) break;
      const extent = this.claimExtent(index, length, span - offset);
      if (extent === 0 || !this.pad(record, length, extent)) break;
      cleared++;
      offset += extent;
    }
    return cleared;
  }

  /**
   * Turns the uncommitted record at byte index `record` into `extent` bytes of padding. An
   * in-progress length is first swapped for zero (the consumer still waits there), so that
   * its producer's commit, a CAS from the same value, fails instead of publishing into
   * space the consumer skipped. False if the record changed meanwhile (committed after all).
   */
  private pad(record: number, length: number, extent: number): boolean {
    const words = this.words;
    if (length < 0 && Atomics.compareExchange(words, lengthIndex(record), length, 0) !== length)
      return false;
    words[typeIndex(record)] = PADDING_TYPE_ID;
    Atomics.store(words, lengthIndex(record), extent);
    return true;
  }

  // ---- consumer ----------------------------------------------------------------------

  read(handler: MessageHandler, limit = Infinity): number {
    if (this.reading)
      throw new ShmringError('ERR_SHMRING_REENTRANT', 'read() called from inside a read() handler');
    this.consumed = 0;
    try {
      return this.peek(handler, limit);
    } finally {
      // Consumed space (also of a message whose handler threw) goes back to the producers.
      this.release(this.peekedBytes);
    }
  }

  peek(handler: MessageHandler, limit = Infinity): number {
    if (typeof handler !== 'function') throw invalidArgType('handler', 'of type function', handler);
    if (!(limit >= 0)) throw outOfRange('limit', 'a number >= 0', limit);
    // A read from inside a handler would hand out the record being handled again.
    if (this.reading)
      throw new ShmringError('ERR_SHMRING_REENTRANT', 'read() called from inside a read() handler');
    this.reading = true;
    try {
      let count = this.readBlock(handler, limit);
      // A block ends at the end of the data area; go on from index 0 so that a read that only
      // skipped the wrap's padding does not report an empty ring while messages wait.
      if (this.wrapped && count < limit) count += this.readBlock(handler, limit - count);
      return count;
    } finally {
      this.reading = false;
    }
  }

  get peeked(): number {
    return this.peekedBytes;
  }

  release(upTo: number): void {
    const bytes = upTo - this.releasedBytes;
    this.consumed = 0;
    if (!(bytes > 0)) return;
    if (upTo > this.peekedBytes) throw outOfRange('upTo', `<= peeked (${this.peekedBytes})`, upTo);
    const words = this.words;
    const head = words[this.headK]; // only the consumer writes the head
    if (this.zeroConsumed) {
      // MPSC: producers claim space without pre-zeroing it, and clearBlockers() scans for zeros,
      // so every consumed byte returns to zero before the head releases it.
      const index = head & this.mask;
      const first = Math.min(bytes, this.capacity - index);
      this.zeroData(this.dataOffset + index, first);
      if (first < bytes) this.zeroData(this.dataOffset, bytes - first);
    }
    this.releasedBytes = upTo;
    // Release: the space (zeroed or read) is handed back with the new head.
    advancePosition(words, this.wide, this.headK, head, bytes);
    this.consumed = bytes;
  }

  /**
   * Zeroes `bytes` (a multiple of 8) of the buffer from byte index `at` (8-aligned). Over shared
   * memory V8's fill() goes element by element through the runtime: about 17 ns for even one
   * record, where a loop of 8-byte stores (+0.0 is all zero bits) takes 5; from a few hundred
   * bytes on, fill() of the widest elements wins.
   */
  private zeroData(at: number, bytes: number): void {
    const doubles = this.doubles;
    const from = at >>> 3;
    const to = from + (bytes >>> 3);
    if (bytes > ZERO_LOOP_MAX) doubles.fill(0, from, to);
    else for (let i = from; i < to; i++) doubles[i] = 0;
  }

  readPosition(): number {
    const peeked = this.reading ? this.blockPeeked : this.peekedBytes;
    return this.consumerPosition() + (peeked - this.releasedBytes);
  }

  /**
   * Reads the committed records from the first one not peeked yet to the first uncommitted
   * one or the end of the data area.
   */
  private readBlock(handler: MessageHandler, limit: number): number {
    const words = this.words;
    // Only the consumer writes the head; records up to `start` were peeked already.
    const ahead = this.peekedBytes - this.releasedBytes;
    const start = (words[this.headK] + ahead) | 0;
    const capacity = this.capacity;
    const startIndex = start & this.mask;
    const toEnd = capacity - startIndex;
    // A full MPSC ring read ahead a whole lap starts over at the head: nothing new is there.
    const blockLength = Math.min(toEnd, capacity - ahead);
    const base = this.dataOffset + startIndex;
    const maxMessageLength = this.maxMessageLength;
    // The last tail seen: tails only grow, so an old one only costs a second look. Not
    // reading it on every call keeps empty polls off the tail's cache line, which the
    // producer writes for every message.
    let tail = this.tailSeen;
    let bytesRead = 0;
    let count = 0;
    this.wrapped = false;
    this.blockPeeked = this.peekedBytes;
    if ((start & (ALIGNMENT - 1)) !== 0)
      throw corruptRecord(
        this.readPosition(),
        startIndex,
        'the read position is not 8-byte aligned',
      );
    try {
      while (bytesRead < blockLength && count < limit) {
        const at = base + bytesRead;
        // Acquire: a positive length makes the producer's type and payload writes visible.
        const length = Atomics.load(words, lengthIndex(at));
        const room = blockLength - bytesRead;
        if (length <= 0) {
          // Zero: nothing claimed yet. Negative: claimed, still being written.
          if (length < 0 && (-length < HEADER_LENGTH || -length > room)) {
            throw this.corrupt(
              bytesRead,
              `in-progress length ${length} cannot fit the ${room} bytes to the end of the data area`,
            );
          }
          break;
        }
        if (length < HEADER_LENGTH || length > room) {
          throw this.corrupt(
            bytesRead,
            `length ${length} is outside [${HEADER_LENGTH}, ${room}] (header to end of data area)`,
          );
        }
        const typeId = words[typeIndex(at)];
        const recordLength = alignRecord(length);
        if (typeId === PADDING_TYPE_ID) {
          bytesRead += recordLength;
          this.peekedBytes += recordLength;
          continue;
        }
        if (typeId < 1)
          throw this.corrupt(bytesRead, `typeId ${typeId} is neither padding nor positive`);
        if (length - HEADER_LENGTH > maxMessageLength) {
          throw this.corrupt(
            bytesRead,
            `payload length ${length - HEADER_LENGTH} exceeds the maximum ${maxMessageLength}`,
          );
        }
        // A committed record lies below the tail: producers move the tail before they commit.
        // The tail we know may predate this record, so look again before calling it corrupt.
        // (Unsigned: a record also ends less than the capacity below the tail.)
        const end = (start + bytesRead + recordLength) | 0;
        if ((tail - end) >>> 0 > capacity) {
          tail = this.tailSeen = Atomics.load(words, this.tailK);
          if ((tail - end) >>> 0 > capacity) {
            throw this.corrupt(
              bytesRead,
              `the record ends past the tail (${this.producerPosition()}) or a lap before it`,
            );
          }
        }
        bytesRead += recordLength;
        this.peekedBytes += recordLength;
        count++;
        handler(typeId, this.bytes, at + HEADER_LENGTH, length - HEADER_LENGTH);
      }
    } finally {
      this.wrapped = bytesRead === toEnd;
    }
    return count;
  }

  private corrupt(bytesRead: number, reason: string): ShmringError {
    const head = this.readPosition();
    return corruptRecord(head + bytesRead, (head + bytesRead) % this.capacity, reason);
  }

  // ---- trailer counters --------------------------------------------------------------

  size(): number {
    const words = this.words;
    const wide = this.wide;
    let headAfter = loadPosition(words, wide, this.headK);
    let headBefore: number;
    let tail: number;
    do {
      headBefore = headAfter;
      tail = loadPosition(words, wide, this.tailK);
      headAfter = loadPosition(words, wide, this.headK);
    } while (headAfter !== headBefore);
    const size = tail - headAfter;
    return size < 0 ? 0 : size > this.capacity ? this.capacity : size;
  }

  producerPosition(): number {
    return loadPosition(this.words, this.wide, this.tailK);
  }

  consumerPosition(): number {
    return loadPosition(this.words, this.wide, this.headK);
  }

  nextCorrelationId(): number {
    return Number(Atomics.add(this.wide, this.correlationK >>> 1, 1n));
  }

  get consumerHeartbeatTime(): number {
    return Number(Atomics.load(this.wide, this.heartbeatK >>> 1));
  }

  set consumerHeartbeatTime(time: number) {
    if (!Number.isSafeInteger(time))
      checkInteger('time', time, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    Atomics.store(this.wide, this.heartbeatK >>> 1, BigInt(time));
  }
}
