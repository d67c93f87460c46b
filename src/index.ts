// shmring: lock-free ring-buffer IPC between Node.js processes over shared memory.
export { Segment, DEFAULT_MODE, MAX_SEGMENT_BYTES, validateShmName } from './segment/index.js';
export type { SegmentKind, SegmentInfo, CreateOptions } from './segment/index.js';
export * as futex from './futex/index.js';
export { FutexWaiter } from './futex/index.js';
export { ShmringError, AbortError, type ShmringErrorCode } from './errors.js';
export {
  createRing,
  attachRing,
  ringSegmentSize,
  OneToOneRingBuffer,
  ManyToOneRingBuffer,
  RecordBlock,
  type RingBuffer,
  type MessageHandler,
  type RecordWriter,
  type RingKind,
  type CreateRingOptions,
} from './ring/index.js';
export * from './channel/index.js';
export * from './codec/index.js';
