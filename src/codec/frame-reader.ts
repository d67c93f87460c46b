// Reads messages out of a ring: whole-message records are decoded straight from the ring's
// view, fragments are gathered per producer slot into one buffer per message, and anything
// malformed is reported once and skipped so later messages still arrive.
import { checkInteger, invalidArgType, invalidArgValue } from '../errors.js';
import { rawCodec, recordTypeOf, resolveCodec, type Codec, type CodecOption } from './codec.js';
import { FrameError, type FrameErrorDetails, type FrameErrorReason } from './frame-error.js';
import {
  FIRST_FRAGMENT_HEADER_LENGTH,
  FRAGMENT_INDEX_OFFSET,
  FRAGMENT_MESSAGE_TYPE_OFFSET,
  FRAGMENT_SLOT_OFFSET,
  FRAGMENT_TOTAL_LENGTH_OFFSET,
  NEXT_FRAGMENT_HEADER_LENGTH,
  RECORD_CUSTOM,
  RECORD_FRAGMENT_FIRST,
  RECORD_FRAGMENT_LAST,
  RECORD_FRAGMENT_MIDDLE,
  RECORD_MSGPACK,
  RECORD_RAW,
  isMessageRecordType,
  recordTypeName,
} from './record-types.js';
import { RECORD_HEADER_LENGTH, type RecordHandler, type RingConsumer } from './ring-api.js';

/** Where a FrameReader delivers: called synchronously from inside the ring's read. */
export interface FrameSink<T> {
  /** One decoded message. An exception thrown here propagates out of read(); the message counts as consumed. */
  message(value: T): void;
  /** One skipped message (or stray fragment run), reported once. */
  error(error: FrameError): void;
}

/** Options of a FrameReader. */
export interface FrameReaderOptions<T> {
  /** How messages are decoded: 'msgpack' (default), 'raw', or a user codec. */
  codec?: CodecOption<T>;
  /** Largest fragmented message accepted (default 1 GiB); larger ones are reported 'too-large'. */
  maxMessageBytes?: number;
  /** The message record type read (default: the codec's own, see recordTypeOf). */
  recordType?: number;
  /**
   * Bytes all messages part-way through reassembly may hold together, across producer slots
   * (default 1 GiB). Buffers grow as fragments arrive, never to a size a header merely
   * announces; a fragment that would go over this drops its message ('too-large').
   */
  maxReassemblyBytes?: number;
  /** Producer slots are below this (default 64, the ring's producer registry size; at most 65536). */
  maxProducerSlots?: number;
}

/** Default of FrameReaderOptions.maxMessageBytes. */
export const DEFAULT_MAX_MESSAGE_BYTES = 2 ** 30;
/** Default of FrameReaderOptions.maxReassemblyBytes. */
export const DEFAULT_MAX_REASSEMBLY_BYTES = 2 ** 30;
/** A reassembly buffer starts at most this large, then doubles as fragments need. */
const FIRST_BUFFER_BYTES = 1 << 16;
/** Default of FrameReaderOptions.maxProducerSlots. */
export const DEFAULT_MAX_PRODUCER_SLOTS = 64;

/** Largest maxProducerSlots: the reader keeps an array entry per slot. */
export const MAX_PRODUCER_SLOTS = 1 << 16;

/** One producer slot's message in progress; kept per slot and reused. */
interface Reassembly {
  readonly slot: number;
  /** The message so far (grown as fragments arrive, up to `total`); null when none is in progress. */
  buffer: Uint8Array | null;
  /** Bytes of `buffer` filled so far. */
  received: number;
  /** Bytes the message announced in its first fragment. */
  total: number;
  /** Index the next fragment must carry. */
  nextIndex: number;
  /** Ring position and payload offset of the first fragment, for error reports. */
  firstPosition: number | undefined;
  firstOffset: number;
  /** After an error mid-message: drop this slot's fragments silently until its last one. */
  skipping: boolean;
}

/**
 * Turns the records of one ring back into messages for a sink. Allocates nothing of its own
 * per whole-record message (the codec allocates the value), one buffer per fragmented one.
 */
export class FrameReader<T = unknown> {
  /** The codec messages are decoded with. */
  readonly codec: Codec<T>;
  /** The ring read handler; read() passes it, or hand it to ring.read yourself. */
  readonly handler: RecordHandler;
  readonly #ring: RingConsumer;
  readonly #sink: FrameSink<T>;
  readonly #recordType: number;
  /** Whether the codec is the built-in raw one (whole records are copied out directly). */
  readonly #raw: boolean;
  readonly #maxMessageBytes: number;
  readonly #maxReassemblyBytes: number;
  /** Bytes held by the reassembly buffers of all slots. */
  #reassemblyBytes = 0;
  readonly #slots: (Reassembly | undefined)[];
  /** The ring's whole-buffer view and a DataView over it, for fragment headers. */
  #bytes: Uint8Array | null = null;
  #view: DataView | null = null;

  constructor(ring: RingConsumer, sink: FrameSink<T>, options: FrameReaderOptions<T> = {}) {
    if (ring === null || typeof ring !== 'object') throw invalidArgType('ring', 'a ring', ring);
    if (
      sink === null ||
      typeof sink !== 'object' ||
      typeof sink.message !== 'function' ||
      typeof sink.error !== 'function'
    ) {
      throw invalidArgType('sink', 'an object with message and error methods', sink);
    }
    this.#ring = ring;
    this.#sink = sink;
    this.codec = resolveCodec(options.codec);
    this.#recordType = options.recordType ?? recordTypeOf(this.codec as Codec<unknown>);
    this.#raw = this.codec === (rawCodec as Codec<unknown>);
    if (!isMessageRecordType(this.#recordType))
      throw invalidArgValue(
        'recordType',
        'must be a message record type (1, 2 or 6)',
        this.#recordType,
      );
    this.#maxMessageBytes = checkInteger(
      'maxMessageBytes',
      options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      0,
      Number.MAX_SAFE_INTEGER,
    );
    this.#maxReassemblyBytes = checkInteger(
      'maxReassemblyBytes',
      options.maxReassemblyBytes ?? DEFAULT_MAX_REASSEMBLY_BYTES,
      0,
      Number.MAX_SAFE_INTEGER,
    );
    const slots = checkInteger(
      'maxProducerSlots',
      options.maxProducerSlots ?? DEFAULT_MAX_PRODUCER_SLOTS,
      1,
      MAX_PRODUCER_SLOTS,
    );
    this.#slots = new Array<Reassembly | undefined>(slots).fill(undefined);
    this.handler = (typeId, bytes, offset, length) => this.#onRecord(typeId, bytes, offset, length);
  }

  /** Reads up to `limit` records (fragments count one each) from the ring; returns how many. */
  read(limit = Infinity): number {
    return this.#ring.read(this.handler, limit);
  }

  /** How many fragmented messages are part-way through reassembly. */
  get reassembling(): number {
    let count = 0;
    for (const slot of this.#slots) if (slot?.buffer) count++;
    return count;
  }

  /** Bytes held by messages part-way through reassembly. */
  get reassemblyBytes(): number {
    return this.#reassemblyBytes;
  }

  /**
   * Makes room in the slot's buffer for `needed` bytes in all: grows it (doubling, up to the
   * message's total) within maxReassemblyBytes. False when that limit forbids it.
   */
  #reserve(state: Reassembly, needed: number): boolean {
    const old = state.buffer;
    const had = old?.length ?? 0;
    if (old !== null && needed <= had) return true;
    const size = Math.min(state.total, Math.max(needed, had * 2, FIRST_BUFFER_BYTES));
    if (this.#reassemblyBytes - had + size > this.#maxReassemblyBytes) return false;
    const buffer = new Uint8Array(size);
    if (old !== null) buffer.set(old.subarray(0, state.received));
    state.buffer = buffer;
    this.#reassemblyBytes += size - had;
    return true;
  }

  /** Frees the slot's buffer (message delivered or dropped). */
  #release(state: Reassembly): void {
    this.#reassemblyBytes -= state.buffer?.length ?? 0;
    state.buffer = null;
  }

  /**
   * Drops the message producer `slot` is part-way through (say the producer died), reporting
   * it as 'missing-last-fragment'. Returns whether there was one.
   */
  discardProducer(slot: number): boolean {
    const state = this.#slots[slot];
    if (!state?.buffer) return false;
    this.#dropUnfinished(state, 'its producer is gone');
    return true;
  }

  /** The stream has ended: reports and drops every message part-way through reassembly. */
  end(): void {
    this.#slots.forEach((state) => {
      if (state?.buffer) this.#dropUnfinished(state, 'the stream ended');
      if (state) state.skipping = false;
    });
  }

  #onRecord(typeId: number, bytes: Uint8Array, offset: number, length: number): void {
    switch (typeId) {
      case RECORD_MSGPACK:
      case RECORD_RAW:
      case RECORD_CUSTOM:
        if (typeId !== this.#recordType) {
          this.#fail(
            'wrong-type',
            typeId,
            offset,
            undefined,
            `a ${recordTypeName(typeId)} message on a reader that decodes ${recordTypeName(this.#recordType)}`,
          );
        } else if (this.#raw) {
          // The raw codec's decode is a copy: one allocation instead of a view and a copy.
          this.#sink.message(bytes.slice(offset, offset + length) as T);
        } else {
          this.#deliver(
            bytes.subarray(offset, offset + length),
            false,
            typeId,
            offset,
            undefined,
            undefined,
          );
        }
        return;
      case RECORD_FRAGMENT_FIRST:
        this.#onFirstFragment(bytes, offset, length);
        return;
      case RECORD_FRAGMENT_MIDDLE:
      case RECORD_FRAGMENT_LAST:
        this.#onNextFragment(typeId, bytes, offset, length);
        return;
      default:
        this.#fail(
          'unknown-type',
          typeId,
          offset,
          undefined,
          `unknown record type ${typeId} (${length} bytes)`,
        );
    }
  }

  #onFirstFragment(bytes: Uint8Array, offset: number, length: number): void {
    const typeId = RECORD_FRAGMENT_FIRST;
    const view = this.#viewOf(bytes);
    const state = this.#fragmentState(view, typeId, offset, length, FIRST_FRAGMENT_HEADER_LENGTH);
    if (state === null) return;
    const slot = state.slot;
    if (state.buffer !== null)
      this.#dropUnfinished(state, 'its producer started another message', offset);
    const messageType = view.getUint32(offset + FRAGMENT_MESSAGE_TYPE_OFFSET, true);
    const total =
      view.getUint32(offset + FRAGMENT_TOTAL_LENGTH_OFFSET, true) +
      view.getUint32(offset + FRAGMENT_TOTAL_LENGTH_OFFSET + 4, true) * 2 ** 32;
    const chunk = length - FIRST_FRAGMENT_HEADER_LENGTH;
    // Until this message's last fragment, its other fragments are dropped without a report.
    state.skipping = true;
    let problem: [FrameErrorReason, string] | undefined;
    if (!isMessageRecordType(messageType)) {
      problem = [
        'bad-fragment-header',
        `the first fragment announces record type ${messageType}, not a message type`,
      ];
    } else if (messageType !== this.#recordType) {
      problem = [
        'wrong-type',
        `a fragmented ${recordTypeName(messageType)} message on a reader that decodes ${recordTypeName(this.#recordType)}`,
      ];
    } else if (total > this.#maxMessageBytes) {
      problem = [
        'too-large',
        `a ${total}-byte message exceeds maxMessageBytes (${this.#maxMessageBytes})`,
      ];
    } else if (chunk > total) {
      problem = [
        'length-mismatch',
        `the first fragment carries ${chunk} bytes of a ${total}-byte message`,
      ];
    }
    if (problem !== undefined) {
      this.#fail(problem[0], typeId, offset, slot, problem[1]);
      return;
    }
    state.total = total;
    state.received = 0;
    let reserved: boolean;
    try {
      reserved = this.#reserve(state, chunk);
    } catch (cause) {
      this.#fail(
        'too-large',
        typeId,
        offset,
        slot,
        `cannot allocate the message`,
        undefined,
        cause,
      );
      return;
    }
    if (!reserved) {
      this.#fail('too-large', typeId, offset, slot, this.#overLimit(state, chunk));
      return;
    }
    state.buffer!.set(bytes.subarray(offset + FIRST_FRAGMENT_HEADER_LENGTH, offset + length));
    state.received = chunk;
    state.nextIndex = 1;
    state.firstPosition = this.#positionOf(offset);
    state.firstOffset = offset;
    state.skipping = false;
  }

  #overLimit(state: Reassembly, needed: number): string {
    return (
      `a ${state.total}-byte message needs ${needed} bytes while reassembly holds ` +
      `${this.#reassemblyBytes} (maxReassemblyBytes ${this.#maxReassemblyBytes})`
    );
  }

  #onNextFragment(typeId: number, bytes: Uint8Array, offset: number, length: number): void {
    const last = typeId === RECORD_FRAGMENT_LAST;
    const kind = last ? 'last' : 'middle';
    const view = this.#viewOf(bytes);
    const state = this.#fragmentState(view, typeId, offset, length, NEXT_FRAGMENT_HEADER_LENGTH);
    if (state === null) return;
    const slot = state.slot;
    const index = view.getUint32(offset + FRAGMENT_INDEX_OFFSET, true);
    const buffer = state.buffer;
    if (buffer === null) {
      // The rest of a message already reported is dropped quietly; anything else is reported.
      if (!state.skipping)
        this.#fail(
          'missing-first-fragment',
          typeId,
          offset,
          slot,
          `${kind} fragment ${index} with no message of its producer in progress`,
        );
      state.skipping = !last;
      return;
    }
    const chunk = length - NEXT_FRAGMENT_HEADER_LENGTH;
    const received = state.received + chunk;
    let problem: [FrameErrorReason, string] | undefined;
    if (index !== state.nextIndex) {
      problem = [
        'fragment-out-of-order',
        `${kind} fragment ${index} where fragment ${state.nextIndex} was due`,
      ];
    } else if (received > state.total || (last && received !== state.total)) {
      problem = [
        'length-mismatch',
        `fragments carry ${received} bytes of a ${state.total}-byte message`,
      ];
    } else if (!this.#reserve(state, received)) {
      problem = ['too-large', this.#overLimit(state, received)];
    }
    if (problem !== undefined) {
      this.#release(state);
      state.skipping = !last;
      this.#fail(problem[0], typeId, offset, slot, problem[1], state.firstPosition);
      return;
    }
    state.buffer!.set(
      bytes.subarray(offset + NEXT_FRAGMENT_HEADER_LENGTH, offset + length),
      state.received,
    );
    state.received = received;
    state.nextIndex++;
    if (last) {
      const message = state.buffer!;
      this.#release(state);
      this.#deliver(message, true, typeId, offset, slot, state.firstPosition);
    }
  }

  /** The reassembly of a fragment's producer slot, or null (reported) when its header is unusable. */
  #fragmentState(
    view: DataView,
    typeId: number,
    offset: number,
    length: number,
    headerLength: number,
  ): Reassembly | null {
    if (length < headerLength) {
      this.#fail(
        'bad-fragment-header',
        typeId,
        offset,
        undefined,
        `a ${length}-byte ${recordTypeName(typeId)} is shorter than its ${headerLength}-byte header`,
      );
      return null;
    }
    const slot = view.getUint32(offset + FRAGMENT_SLOT_OFFSET, true);
    if (slot >= this.#slots.length) {
      this.#fail(
        'bad-fragment-header',
        typeId,
        offset,
        undefined,
        `producer slot ${slot} is not below ${this.#slots.length}`,
      );
      return null;
    }
    return this.#slotState(slot);
  }

  /** Decodes one message and hands it (or its decode error) to the sink. */
  #deliver(
    message: Uint8Array,
    owned: boolean,
    typeId: number,
    offset: number,
    slot: number | undefined,
    messagePosition: number | undefined,
  ): void {
    let value: T;
    try {
      value = this.codec.decode(message, owned);
    } catch (cause) {
      const why = cause instanceof Error ? cause.message : String(cause);
      this.#fail(
        'decode-failed',
        typeId,
        offset,
        slot,
        `cannot decode the ${message.length}-byte ${recordTypeName(this.#recordType)} message: ${why}`,
        messagePosition,
        cause,
      );
      return;
    }
    this.#sink.message(value);
  }

  /** Reports a message whose last fragment will not come and frees its buffer. */
  #dropUnfinished(state: Reassembly, why: string, offset?: number): void {
    const missing = state.total - state.received;
    this.#release(state);
    const details: FrameErrorDetails = {
      reason: 'missing-last-fragment',
      typeId: RECORD_FRAGMENT_FIRST,
      offset: state.firstOffset,
      position: state.firstPosition,
      producerSlot: state.slot,
      messagePosition: state.firstPosition,
    };
    const where = offset === undefined ? '' : ` (seen at offset ${offset})`;
    this.#sink.error(
      new FrameError(details, `the message lacks its last ${missing} bytes: ${why}${where}`),
    );
  }

  #fail(
    reason: FrameErrorReason,
    typeId: number,
    offset: number,
    producerSlot: number | undefined,
    problem: string,
    messagePosition?: number,
    cause?: unknown,
  ): void {
    const details: FrameErrorDetails = {
      reason,
      typeId,
      offset,
      position: this.#positionOf(offset),
      producerSlot,
      messagePosition,
    };
    this.#sink.error(new FrameError(details, problem, cause));
  }

  /** Ring position of the record whose payload is at `offset`; only valid inside the read handler. */
  #positionOf(offset: number): number | undefined {
    const ring = this.#ring;
    const dataOffset = ring.metadata?.dataOffset;
    if (dataOffset === undefined) return undefined;
    // The start of the block being read, which does not wrap.
    const head = ring.readPosition?.() ?? ring.consumerPosition();
    const mask = ring.capacity - 1;
    return head + ((offset - RECORD_HEADER_LENGTH - dataOffset - (head & mask)) & mask);
  }

  #viewOf(bytes: Uint8Array): DataView {
    if (bytes !== this.#bytes) {
      this.#bytes = bytes;
      this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return this.#view!;
  }

  #slotState(slot: number): Reassembly {
    let state = this.#slots[slot];
    if (state === undefined) {
      state = {
        slot,
        buffer: null,
        total: 0,
        received: 0,
        nextIndex: 0,
        firstPosition: undefined,
        firstOffset: 0,
        skipping: false,
      };
      this.#slots[slot] = state;
    }
    return state;
  }
}
