// Message framing: codecs, record types, and the writer / reader between messages and ring records.
export {
  RECORD_MSGPACK,
  RECORD_RAW,
  RECORD_FRAGMENT_FIRST,
  RECORD_FRAGMENT_MIDDLE,
  RECORD_FRAGMENT_LAST,
  RECORD_CUSTOM,
  FIRST_FRAGMENT_HEADER_LENGTH,
  NEXT_FRAGMENT_HEADER_LENGTH,
  isMessageRecordType,
  recordTypeName,
} from './record-types.js';
export {
  MsgpackCodec,
  createMsgpackCodec,
  rawCodec,
  resolveCodec,
  recordTypeOf,
  codecNameOf,
  checkCodecName,
  agreeCodec,
} from './codec.js';
export type { Codec, CodecOption } from './codec.js';
export {
  EXT_BIGINT,
  EXT_UNDEFINED,
  EXT_INVALID_DATE,
  EXT_MAP,
  EXT_SET,
  EXT_REGEXP,
  EXT_ERROR,
  EXT_ARRAY_BUFFER,
  EXT_TYPED_ARRAY,
  TYPED_ARRAY_CLASSES,
} from './extension-types.js';
export { FrameError, ERR_BAD_FRAME, ERR_FRAME_TOO_LARGE } from './frame-error.js';
export type { FrameErrorReason, FrameErrorDetails } from './frame-error.js';
export { FrameWriter } from './frame-writer.js';
export type { FrameWriterOptions } from './frame-writer.js';
export {
  FrameReader,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_PRODUCER_SLOTS,
  MAX_PRODUCER_SLOTS,
} from './frame-reader.js';
export type { FrameReaderOptions, FrameSink } from './frame-reader.js';
export type { RingProducer, RingConsumer, RecordHandler } from './ring-api.js';
