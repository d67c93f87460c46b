export {
  Segment,
  DEFAULT_MODE,
  MAX_SEGMENT_BYTES,
  sysvName,
  sysvKeyOf,
  sysvKeys,
} from './segment.js';
export type { SegmentKind, SegmentInfo, CreateOptions } from './segment.js';
export { validateShmName, shmPath, MAX_NAME_BYTES } from './names.js';
export { MappingHealth } from './health.js';
