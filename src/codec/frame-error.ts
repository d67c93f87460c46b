// The error a FrameReader reports for a message it could not deliver.
import { ShmringError } from '../errors.js';

/** A record (or a fragmented message) that could not be decoded; the message is skipped. */
export const ERR_BAD_FRAME = 'ERR_SHMRING_BAD_FRAME';
/** A fragmented message announcing more bytes than the reader accepts; it is skipped. */
export const ERR_FRAME_TOO_LARGE = 'ERR_SHMRING_FRAME_TOO_LARGE';

/** What was wrong with a frame, for programs; the error message says it for people. */
export type FrameErrorReason =
  /** The codec could not decode the payload (invalid or truncated MessagePack, a user codec's throw). */
  | 'decode-failed'
  /** A record type id shmring does not know. */
  | 'unknown-type'
  /** A known message type other than the reader's codec's (e.g. raw bytes on a msgpack channel). */
  | 'wrong-type'
  /** A fragment payload too short for its header, or a header with impossible fields. */
  | 'bad-fragment-header'
  /** A middle or last fragment with no message of its producer slot in progress. */
  | 'missing-first-fragment'
  /** A message whose producer slot started another message, or ended the stream, before its last fragment. */
  | 'missing-last-fragment'
  /** A fragment whose index is not the next one of its message. */
  | 'fragment-out-of-order'
  /** Fragments carrying more, or (at the last one) fewer, bytes than the message announced. */
  | 'length-mismatch'
  /** A message larger than the reader's maxMessageBytes, or one whose buffer could not be allocated. */
  | 'too-large';

/** Where a bad frame was and what it was; fields are undefined where they do not apply. */
export interface FrameErrorDetails {
  reason: FrameErrorReason;
  /** Record type id of the record where the problem showed. */
  typeId: number;
  /** Byte index of that record's payload in the shared buffer. */
  offset: number;
  /** Ring stream position of that record (undefined when the ring does not tell). */
  position: number | undefined;
  /** Producer slot of a fragment. */
  producerSlot?: number;
  /** Ring stream position of the broken message's first fragment, when it was seen. */
  messagePosition?: number;
}

/**
 * A message the reader skipped, with a Node-style `code` (ERR_SHMRING_BAD_FRAME or
 * ERR_SHMRING_FRAME_TOO_LARGE) and where it was. The codec's own error is the `cause`.
 */
export class FrameError extends ShmringError implements FrameErrorDetails {
  readonly reason: FrameErrorReason;
  readonly typeId: number;
  readonly offset: number;
  readonly position: number | undefined;
  readonly producerSlot: number | undefined;
  readonly messagePosition: number | undefined;

  constructor(details: FrameErrorDetails, problem: string, cause?: unknown) {
    const code = details.reason === 'too-large' ? ERR_FRAME_TOO_LARGE : ERR_BAD_FRAME;
    const where = details.position === undefined ? '' : `ring position ${details.position}, `;
    const slot =
      details.producerSlot === undefined ? '' : `, producer slot ${details.producerSlot}`;
    super(
      code,
      `bad frame at ${where}offset ${details.offset} (record type ${details.typeId}${slot}): ${problem}`,
      { cause },
    );
    this.name = 'FrameError';
    this.reason = details.reason;
    this.typeId = details.typeId;
    this.offset = details.offset;
    this.position = details.position;
    this.producerSlot = details.producerSlot;
    this.messagePosition = details.messagePosition;
  }
}
