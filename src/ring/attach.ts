// Creating a ring in a buffer and attaching to one, whatever its kind.
import { invalidArgType } from '../errors.js';
import { checkCapacity } from './descriptor.js';
import { ManyToOneRingBuffer } from './many-to-one.js';
import { readMetadata, writeMetadata, type RingKind } from './metadata.js';
import { OneToOneRingBuffer } from './one-to-one.js';
import type { RingBuffer } from './ring-buffer.js';

export interface CreateRingOptions {
  kind: RingKind;
  /** Data bytes: a power of two in [MIN_CAPACITY, MAX_CAPACITY]. */
  capacity: number;
  /** The channel's codec, recorded in the metadata page (see CODEC_NAME_OFFSET); none if absent. */
  codecName?: string;
}

export type AnyRingBuffer = OneToOneRingBuffer | ManyToOneRingBuffer;

/**
 * Lays a new ring out in `buffer` (at least ringSegmentSize(capacity) bytes, and not holding
 * a ring already) and returns it attached. Peers attach with attachRing.
 */
export function createRing(buffer: SharedArrayBuffer, options: CreateRingOptions): AnyRingBuffer {
  if (options === null || typeof options !== 'object')
    throw invalidArgType('options', 'an object', options);
  writeMetadata(buffer, options.kind, checkCapacity(options.capacity), options.codecName);
  return attachRing(buffer);
}

/**
 * Attaches to the ring in `buffer` after validating its metadata page (magic, version, kind,
 * capacity, sizes, max length). Throws ShmringError ERR_SHMRING_NOT_READY before the creator
 * has finished, ERR_SHMRING_BAD_FORMAT for anything else amiss, including a kind other than
 * `kind` when given.
 */
export function attachRing(buffer: SharedArrayBuffer, kind?: RingKind): AnyRingBuffer {
  if (kind !== undefined && kind !== 'spsc' && kind !== 'mpsc')
    throw invalidArgType('kind', "'spsc' or 'mpsc'", kind);
  // Each constructor validates the metadata and refuses a ring of the other kind.
  return (kind ?? readMetadata(buffer).kind) === 'spsc'
    ? new OneToOneRingBuffer(buffer)
    : new ManyToOneRingBuffer(buffer);
}

export type { RingBuffer };
