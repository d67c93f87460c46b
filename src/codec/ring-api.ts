// The parts of a ring (src/ring) the framing layer uses, declared structurally so the codec
// depends on no ring class: OneToOneRingBuffer and ManyToOneRingBuffer both fit.

/** Bytes of a ring record's header (int32 length, int32 typeId), as in Agrona. */
export const RECORD_HEADER_LENGTH = 8;

/** Receives one record: the payload is bytes[offset, offset + length), valid during the call. */
export type RecordHandler = (
  typeId: number,
  bytes: Uint8Array,
  offset: number,
  length: number,
) => void;

/** What FrameWriter needs from a ring. */
export interface RingProducer {
  /** A Uint8Array over the whole shared buffer: where tryClaim's indexes point. */
  readonly bytes: Uint8Array;
  /** Largest payload one record carries. */
  readonly maxMessageLength: number;
  /** Bytes of the data area. */
  readonly capacity: number;
  /** Bytes claimed and not yet consumed. */
  size(): number;
  /** Copies one whole record in; false when the ring is full. */
  write(typeId: number, bytes: Uint8Array, offset?: number, length?: number): boolean;
  /** Reserves a record of `length` payload bytes: their index in `bytes`, or -1 when full. */
  tryClaim(typeId: number, length: number): number;
  commit(index: number): void;
  abort(index: number): void;
}

/** What FrameReader needs from a ring. */
export interface RingConsumer {
  /** Hands up to `limit` committed records to `handler`; returns how many. */
  read(handler: RecordHandler, limit?: number): number;
  readonly capacity: number;
  /** The stream position of the next record the consumer reads (the head). */
  consumerPosition(): number;
  /** Where the block being read starts (the head, unless records were peeked ahead of it). */
  readPosition?(): number;
  /** Where the data area starts in the buffer; with it errors name the record's ring position. */
  readonly metadata?: { readonly dataOffset: number };
}
