// The ring proper (data area + trailer), byte-compatible with Agrona's RingBufferDescriptor:
// a power-of-two data area followed by a 768-byte trailer of 64-bit counters, each on its
// own pair of 64-byte cache lines so the producer and consumer sides never share a line.
import { invalidArgType, outOfRange } from '../errors.js';

/** Trailer offset of the int64 tail: the next position producers claim. */
export const TAIL_POSITION_OFFSET = 128;
/** Trailer offset of the int64 head cache: producers' last view of the head (a hint). */
export const HEAD_CACHE_POSITION_OFFSET = 256;
/** Trailer offset of the int64 head: the next position the consumer reads. */
export const HEAD_POSITION_OFFSET = 384;
/** Trailer offset of the int64 correlation-id counter. */
export const CORRELATION_COUNTER_OFFSET = 512;
/** Trailer offset of the int64 consumer heartbeat (epoch ms). */
export const CONSUMER_HEARTBEAT_OFFSET = 640;
/** Bytes of the trailer that follows the data area. */
export const TRAILER_LENGTH = 768;

/** Smallest data capacity: below it the largest message (capacity / 8) would not always fit. */
export const MIN_CAPACITY = 64;
/**
 * Largest data capacity. Record arithmetic is int32 (as in Agrona) and positions are
 * compared through 32-bit differences, which needs capacity well under 2^31.
 */
export const MAX_CAPACITY = 2 ** 30;

export function isPowerOfTwo(value: number): boolean {
  return Number.isInteger(value) && value > 0 && (value & (value - 1)) === 0;
}

/** Whether `capacity` is a power of two in [MIN_CAPACITY, MAX_CAPACITY]. */
export function isValidCapacity(capacity: number): boolean {
  return isPowerOfTwo(capacity) && capacity >= MIN_CAPACITY && capacity <= MAX_CAPACITY;
}

/** Validates a capacity argument; throws ERR_OUT_OF_RANGE (or ERR_INVALID_ARG_TYPE) otherwise. */
export function checkCapacity(capacity: unknown): number {
  if (typeof capacity !== 'number') throw invalidArgType('capacity', 'of type number', capacity);
  if (!isValidCapacity(capacity)) {
    throw outOfRange(
      'capacity',
      `a power of two >= ${MIN_CAPACITY} and <= ${MAX_CAPACITY}`,
      capacity,
    );
  }
  return capacity;
}

/** Largest payload a ring of `capacity` carries: capacity / 8, as Agrona. */
export function maxMessageLengthFor(capacity: number): number {
  return capacity >>> 3;
}
