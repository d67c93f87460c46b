// Record framing inside the data area, byte-compatible with Agrona's RecordDescriptor.
//
//   0        4        8
//   +--------+--------+---------------------------+
//   | length | typeId | payload (length - 8 bytes) ...
//   +--------+--------+---------------------------+
//
// `length` counts the header. It is negative while a producer still writes the record, zero for
// space nobody has claimed, and positive once committed: the consumer acts only on a positive
// length, read with acquire semantics, so every byte of the record is visible by then.

/** Bytes of the record header: int32 length, then int32 typeId. */
export const HEADER_LENGTH = 8;
/** Records start on multiples of this, so headers and payloads stay 8-byte aligned. */
export const ALIGNMENT = 8;
/** Offset of the int32 length within a record. */
export const LENGTH_OFFSET = 0;
/** Offset of the int32 typeId within a record. */
export const TYPE_OFFSET = 4;
/** typeId of a padding record: space the consumer skips (the wrap, an abort, an unblock). */
export const PADDING_TYPE_ID = -1;
/** Largest typeId a message may carry (typeIds are positive int32s). */
export const MAX_TYPE_ID = 0x7fffffff;

/** Rounds a record length up to the record alignment. `length` must be <= 2^31 - 8. */
export function alignRecord(length: number): number {
  return (length + (ALIGNMENT - 1)) & ~(ALIGNMENT - 1);
}
