// The ring core: layout (metadata page, data area, trailer, records) and the SPSC / MPSC rings.
export { createRing, attachRing } from './attach.js';
export type { CreateRingOptions, AnyRingBuffer } from './attach.js';
export { OneToOneRingBuffer } from './one-to-one.js';
export { ManyToOneRingBuffer } from './many-to-one.js';
export type { RingBuffer, MessageHandler, RecordWriter } from './ring-buffer.js';
export { RecordBlock } from './record-block.js';
export * from './metadata.js';
export * from './descriptor.js';
export * from './record.js';
export { processStartTime } from './process-info.js';
