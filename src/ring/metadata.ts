// The 4096-byte metadata page in front of the ring: identity (written once by the creator),
// then lines for status, wake-ups and liveness, then the producer registry. Fields that
// different sides write sit on separate 128-byte lines (two cache lines, so adjacent-line
// prefetch does not pair them either).
import { endianness } from 'node:os';

import { ShmringError, invalidArgType } from '../errors.js';
import {
  MAX_CAPACITY,
  TRAILER_LENGTH,
  checkCapacity,
  isValidCapacity,
  maxMessageLengthFor,
} from './descriptor.js';
import { processStartTime } from './process-info.js';

/** "SRNG" read as a little-endian u32. */
export const MAGIC = 0x474e5253;
export const FORMAT_VERSION = 1;
/** Ring kind codes stored at KIND_OFFSET. */
export const KIND_SPSC = 1;
export const KIND_MPSC = 2;
export type RingKind = 'spsc' | 'mpsc';

/** Bytes of the metadata page; the data area starts right after it. */
export const METADATA_LENGTH = 4096;
/** Byte offset of the data area in the segment. */
export const DATA_OFFSET = METADATA_LENGTH;

// Line 0 (0..127): identity, written once by the creator, magic last.
export const MAGIC_OFFSET = 0; // u32
export const VERSION_OFFSET = 4; // u16
export const KIND_OFFSET = 6; // u16
export const METADATA_LENGTH_OFFSET = 8; // u32
export const TRAILER_LENGTH_OFFSET = 12; // u32
export const CAPACITY_OFFSET = 16; // u64
export const MAX_MESSAGE_LENGTH_OFFSET = 24; // u32
export const RESERVED_OFFSET = 28; // u32
export const CREATOR_PID_OFFSET = 32; // i32
export const CREATOR_UID_OFFSET = 36; // u32
export const CREATOR_START_TIME_OFFSET = 40; // u64, clock ticks since boot
export const CREATED_AT_OFFSET = 48; // u64, epoch ms

// Line 1 (128..255): status.
export const STATUS_OFFSET = 128; // i32 flags
export const PRODUCER_COUNT_OFFSET = 132; // i32, reserved (zero): producers are counted in the registry
export const STATUS_CONSUMER_CLOSED = 1 << 0;
export const STATUS_PRODUCERS_CLOSED = 1 << 1; // end of stream
export const STATUS_BROKEN = 1 << 2;
export const STATUS_KEEP_OPEN = 1 << 3; // set at creation: the last producer closing does not end the stream

// Line 2 (256..383): "data available", where consumers sleep.
export const DATA_AVAILABLE_FUTEX_OFFSET = 256; // i32 sequence
export const SLEEPING_CONSUMERS_OFFSET = 260; // i32
// The doorbell of a consumer sleeping on an event loop (src/wait/doorbell.ts): three i32,
// the pid and nonce in its address, then the token a ring carries (0: none armed).
export const DOORBELL_OFFSET = 264;

// Line 3 (384..511): "space available", where producers sleep.
export const SPACE_AVAILABLE_FUTEX_OFFSET = 384; // i32 sequence
export const SLEEPING_PRODUCERS_OFFSET = 388; // i32

// Line 4 (512..639): consumer liveness.
export const CONSUMER_PID_OFFSET = 512; // i32
export const CONSUMER_PID_NAMESPACE_OFFSET = 516; // u32 inode of its pid namespace, 0 unknown
export const CONSUMER_START_TIME_OFFSET = 520; // u64
export const CONSUMER_ATTACH_LOCK_OFFSET = 528; // i32: pid of the process attaching a consumer, 0 none

// 1024..3071: producer registry, PRODUCER_SLOTS slots of PRODUCER_SLOT_LENGTH bytes. Their
// only reader and writer is src/lifecycle/registry.ts.
export const PRODUCER_REGISTRY_OFFSET = 1024;
export const PRODUCER_SLOT_LENGTH = 32;
export const PRODUCER_SLOTS = 64;
export const PRODUCER_SLOT_PID_OFFSET = 0; // i32
export const PRODUCER_SLOT_STATE_OFFSET = 4; // i32: state in bits 0-1, generation in bits 2-31
export const PRODUCER_SLOT_START_TIME_OFFSET = 8; // u64, clock ticks since boot
export const PRODUCER_SLOT_PID_NAMESPACE_OFFSET = 16; // u32 inode of its pid namespace, 0 unknown
export const PRODUCER_SLOT_HEARTBEAT_OFFSET = 20; // i32, low 32 bits of epoch ms
export const PRODUCER_SLOT_CLAIM_OFFSET = 24; // i32, low half of a tail position | 1, 0: none
export const PRODUCER_SLOT_HEARTBEAT_TIMEOUT_OFFSET = 28; // i32 ms, the producer's heartbeatTimeoutMs

// 3072..3139: the channel's codec, written once by the creator before the magic. Length 0:
// not recorded (a ring made by createRing without a codec name, or by shmring before 0.x).
export const CODEC_NAME_LENGTH_OFFSET = 3072; // u32, bytes of UTF-8 that follow
export const CODEC_NAME_OFFSET = 3076; // UTF-8, CODEC_NAME_MAX_LENGTH bytes reserved
export const CODEC_NAME_MAX_LENGTH = 64;

/** What a valid metadata page says about its ring. */
export interface RingMetadata {
  kind: RingKind;
  capacity: number;
  maxMessageLength: number;
  /** Byte offset of the data area (DATA_OFFSET). */
  dataOffset: number;
  /** Byte offset of the trailer (DATA_OFFSET + capacity). */
  trailerOffset: number;
  /** Bytes the ring occupies from the start of the buffer. */
  segmentLength: number;
  creatorPid: number;
  creatorUid: number;
  creatorStartTime: number;
  createdAt: number;
  /** The codec the creator recorded, or undefined when none was (see CODEC_NAME_OFFSET). */
  codecName: string | undefined;
}

/** Bytes a segment needs for a ring of `capacity` data bytes: metadata + data + trailer. */
export function ringSegmentSize(capacity: number): number {
  return METADATA_LENGTH + checkCapacity(capacity) + TRAILER_LENGTH;
}

function badFormat(message: string): ShmringError {
  return new ShmringError('ERR_SHMRING_BAD_FORMAT', `not a valid shmring segment: ${message}`);
}

/** The layout relies on little-endian int32/int64 views over the shared bytes. */
export function checkPlatform(): void {
  if (endianness() !== 'LE') {
    throw new ShmringError(
      'ERR_SHMRING_UNSUPPORTED_PLATFORM',
      'shmring segments are little-endian; this host is big-endian',
    );
  }
}

function checkBuffer(buffer: unknown): SharedArrayBuffer {
  if (!(buffer instanceof SharedArrayBuffer))
    throw invalidArgType('buffer', 'a SharedArrayBuffer', buffer);
  checkPlatform();
  return buffer;
}

/**
 * Writes a fresh metadata page and zeroes data and trailer. The magic goes last, with a
 * sequentially consistent store: a peer that sees it (Atomics.load) sees every other field.
 * Refuses a buffer that already holds a ring (ERR_SHMRING_EXISTS); zero it to reuse it.
 */
export function writeMetadata(
  buffer: SharedArrayBuffer,
  kind: RingKind,
  capacity: number,
  codecName?: string,
): RingMetadata {
  checkBuffer(buffer);
  const codecBytes = codecName === undefined ? undefined : Buffer.from(codecName, 'utf8');
  if (
    codecBytes !== undefined &&
    (codecBytes.length === 0 || codecBytes.length > CODEC_NAME_MAX_LENGTH)
  )
    throw invalidArgType(
      'codecName',
      `a name of 1 to ${CODEC_NAME_MAX_LENGTH} UTF-8 bytes`,
      codecName,
    );
  if (kind !== 'spsc' && kind !== 'mpsc') throw invalidArgType('kind', "'spsc' or 'mpsc'", kind);
  const length = ringSegmentSize(capacity);
  if (buffer.byteLength < length) {
    throw badFormat(
      `a ring of capacity ${capacity} needs ${length} bytes, the buffer has ${buffer.byteLength}`,
    );
  }
  const words = new Int32Array(buffer, 0, METADATA_LENGTH >>> 2);
  if (Atomics.load(words, MAGIC_OFFSET >>> 2) !== 0) {
    throw new ShmringError(
      'ERR_SHMRING_EXISTS',
      'the buffer already holds a ring (non-zero magic); zero it first to reuse it',
    );
  }
  new Uint8Array(buffer, 0, length).fill(0);
  const view = new DataView(buffer, 0, METADATA_LENGTH);
  view.setUint16(VERSION_OFFSET, FORMAT_VERSION, true);
  view.setUint16(KIND_OFFSET, kind === 'spsc' ? KIND_SPSC : KIND_MPSC, true);
  view.setUint32(METADATA_LENGTH_OFFSET, METADATA_LENGTH, true);
  view.setUint32(TRAILER_LENGTH_OFFSET, TRAILER_LENGTH, true);
  view.setBigUint64(CAPACITY_OFFSET, BigInt(capacity), true);
  view.setUint32(MAX_MESSAGE_LENGTH_OFFSET, maxMessageLengthFor(capacity), true);
  view.setInt32(CREATOR_PID_OFFSET, process.pid, true);
  view.setUint32(CREATOR_UID_OFFSET, process.getuid?.() ?? 0, true);
  view.setBigUint64(CREATOR_START_TIME_OFFSET, BigInt(processStartTime()), true);
  view.setBigUint64(CREATED_AT_OFFSET, BigInt(Date.now()), true);
  if (codecBytes !== undefined) {
    view.setUint32(CODEC_NAME_LENGTH_OFFSET, codecBytes.length, true);
    new Uint8Array(buffer, CODEC_NAME_OFFSET, codecBytes.length).set(codecBytes);
  }
  Atomics.store(words, MAGIC_OFFSET >>> 2, MAGIC);
  return readMetadata(buffer);
}

/**
 * Reads and validates the metadata page: magic, version, kind, sizes, capacity and max
 * length, against the buffer's real size. Throws ERR_SHMRING_NOT_READY while the magic is
 * still zero (the creator has not finished) and ERR_SHMRING_BAD_FORMAT for anything else wrong.
 */
export function readMetadata(buffer: SharedArrayBuffer): RingMetadata {
  checkBuffer(buffer);
  if (buffer.byteLength < METADATA_LENGTH)
    throw badFormat(
      `the buffer has ${buffer.byteLength} bytes, less than the ${METADATA_LENGTH}-byte metadata page`,
    );
  const magic = Atomics.load(new Int32Array(buffer, 0, 1), 0) >>> 0;
  if (magic === 0) {
    throw new ShmringError(
      'ERR_SHMRING_NOT_READY',
      'the segment has no ring yet (magic is 0): its creator has not finished initializing it',
    );
  }
  if (magic !== MAGIC)
    throw badFormat(`magic is 0x${magic.toString(16)}, expected 0x${MAGIC.toString(16)}`);
  const view = new DataView(buffer, 0, METADATA_LENGTH);
  const version = view.getUint16(VERSION_OFFSET, true);
  if (version !== FORMAT_VERSION)
    throw badFormat(`format version ${version}, this library reads version ${FORMAT_VERSION}`);
  const kindCode = view.getUint16(KIND_OFFSET, true);
  if (kindCode !== KIND_SPSC && kindCode !== KIND_MPSC)
    throw badFormat(`unknown ring kind ${kindCode}`);
  const metadataLength = view.getUint32(METADATA_LENGTH_OFFSET, true);
  if (metadataLength !== METADATA_LENGTH)
    throw badFormat(`metadata length ${metadataLength}, expected ${METADATA_LENGTH}`);
  const trailerLength = view.getUint32(TRAILER_LENGTH_OFFSET, true);
  if (trailerLength !== TRAILER_LENGTH)
    throw badFormat(`trailer length ${trailerLength}, expected ${TRAILER_LENGTH}`);
  const rawCapacity = view.getBigUint64(CAPACITY_OFFSET, true);
  const capacity = rawCapacity <= BigInt(MAX_CAPACITY) ? Number(rawCapacity) : -1;
  if (!isValidCapacity(capacity))
    throw badFormat(`capacity ${rawCapacity} is not a power of two in [64, ${MAX_CAPACITY}]`);
  const segmentLength = METADATA_LENGTH + capacity + TRAILER_LENGTH;
  if (segmentLength > buffer.byteLength) {
    throw badFormat(
      `capacity ${capacity} needs ${segmentLength} bytes, the buffer has ${buffer.byteLength}`,
    );
  }
  const maxMessageLength = view.getUint32(MAX_MESSAGE_LENGTH_OFFSET, true);
  if (maxMessageLength !== maxMessageLengthFor(capacity)) {
    throw badFormat(
      `max message length ${maxMessageLength}, expected capacity / 8 = ${maxMessageLengthFor(capacity)}`,
    );
  }
  return {
    kind: kindCode === KIND_SPSC ? 'spsc' : 'mpsc',
    capacity,
    maxMessageLength,
    dataOffset: DATA_OFFSET,
    trailerOffset: DATA_OFFSET + capacity,
    segmentLength,
    creatorPid: view.getInt32(CREATOR_PID_OFFSET, true),
    creatorUid: view.getUint32(CREATOR_UID_OFFSET, true),
    creatorStartTime: Number(view.getBigUint64(CREATOR_START_TIME_OFFSET, true)),
    createdAt: Number(view.getBigUint64(CREATED_AT_OFFSET, true)),
    codecName: readCodecName(view),
  };
}

// Untrusted: a length beyond the reserved bytes is a bad page, not a read past the field.
function readCodecName(view: DataView): string | undefined {
  const length = view.getUint32(CODEC_NAME_LENGTH_OFFSET, true);
  if (length === 0) return undefined;
  if (length > CODEC_NAME_MAX_LENGTH)
    throw badFormat(`codec name length ${length}, at most ${CODEC_NAME_MAX_LENGTH}`);
  return Buffer.from(view.buffer, CODEC_NAME_OFFSET, length).toString('utf8');
}
