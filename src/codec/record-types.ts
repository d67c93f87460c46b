// The record type ids shmring writes into a ring and the fragment headers of messages too large
// for one record. The wire format is described in docs/FORMAT.md ("Messages"); keep the two in step.

/** A whole message encoded with MessagePack (the `msgpack` codec). */
export const RECORD_MSGPACK = 1;
/** A whole message of raw bytes (the `raw` codec). */
export const RECORD_RAW = 2;
/** The first fragment of a message larger than the ring's max message length. */
export const RECORD_FRAGMENT_FIRST = 3;
/** A fragment between the first and the last. */
export const RECORD_FRAGMENT_MIDDLE = 4;
/** The last fragment: the message is complete once it arrives. */
export const RECORD_FRAGMENT_LAST = 5;
/** A whole message encoded by a user-supplied codec. */
export const RECORD_CUSTOM = 6;

/**
 * First fragment payload header: u32 producer slot, u32 message record type, u64 total message
 * length (little-endian), then the first chunk. 16 bytes, so the chunk stays 8-byte aligned.
 */
export const FIRST_FRAGMENT_HEADER_LENGTH = 16;
/**
 * Middle / last fragment payload header: u32 producer slot, u32 fragment index (the first
 * fragment is index 0). 8 bytes, so the chunk stays 8-byte aligned.
 */
export const NEXT_FRAGMENT_HEADER_LENGTH = 8;
/** Byte offset of the producer slot in every fragment header. */
export const FRAGMENT_SLOT_OFFSET = 0;
/** Byte offset of the message record type in a first fragment header. */
export const FRAGMENT_MESSAGE_TYPE_OFFSET = 4;
/** Byte offset of the u64 total length in a first fragment header. */
export const FRAGMENT_TOTAL_LENGTH_OFFSET = 8;
/** Byte offset of the fragment index in a middle / last fragment header. */
export const FRAGMENT_INDEX_OFFSET = 4;

/** Whether `typeId` is a whole-message record type (what a first fragment may announce). */
export function isMessageRecordType(typeId: number): boolean {
  return typeId === RECORD_MSGPACK || typeId === RECORD_RAW || typeId === RECORD_CUSTOM;
}

/** A short human name for a record type id, for error messages. */
export function recordTypeName(typeId: number): string {
  switch (typeId) {
    case RECORD_MSGPACK:
      return 'msgpack';
    case RECORD_RAW:
      return 'raw';
    case RECORD_FRAGMENT_FIRST:
      return 'first fragment';
    case RECORD_FRAGMENT_MIDDLE:
      return 'middle fragment';
    case RECORD_FRAGMENT_LAST:
      return 'last fragment';
    case RECORD_CUSTOM:
      return 'custom codec';
    default:
      return `unknown type ${typeId}`;
  }
}
