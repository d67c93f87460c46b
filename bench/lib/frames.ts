// Length-prefixed frames for the stream transports: `[u32 LE payload length][payload]`.
//
// FrameParser is incremental: frames that lie whole in a chunk are handed over in place (no copy,
// no allocation); a frame split across chunks is assembled once, into a buffer of its exact size
// allocated when its header is known, however many chunks it spans.

/** Bytes of the length prefix. */
export const HEADER_BYTES = 4;

/** Largest payload the parser accepts unless told otherwise (a corrupt header fails fast). */
export const DEFAULT_MAX_FRAME = 64 * 1024 * 1024;

/**
 * Receives one frame: its payload is `buf[start .. start+length)`, and its header sits at
 * `buf[start-4 .. start)`, so `buf.subarray(start - 4, start + length)` is the whole frame.
 * `buf` is not reused by the parser: the handler may keep it (e.g. to echo the frame back).
 */
export type FrameHandler = (buf: Buffer, start: number, length: number) => void;

/** Writes the header of a frame with a payload of `length` bytes at `target[offset..]`. */
export function writeHeader(target: Buffer, offset: number, length: number): void {
  target.writeUInt32LE(length, offset);
}

/** One whole frame (header + payload) in a new buffer. */
export function encodeFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  writeHeader(frame, 0, payload.length);
  frame.set(payload, HEADER_BYTES);
  return frame;
}

export class FrameParser {
  /** The partly received frame (header included), allocated at its full size. */
  private partial: Buffer | null = null;
  /** Bytes of `partial` received so far. */
  private filled = 0;
  /** Bytes of a header that was itself split across chunks. */
  private readonly headerBytes = Buffer.alloc(HEADER_BYTES);
  private headerFilled = 0;

  constructor(
    private readonly onFrame: FrameHandler,
    private readonly maxFrame = DEFAULT_MAX_FRAME,
  ) {}

  /** Bytes held back, waiting for the rest of their frame. */
  get pending(): number {
    return this.partial !== null ? this.filled : this.headerFilled;
  }

  /** Feeds the next chunk of the stream. Throws on a header larger than the limit. */
  push(chunk: Buffer): void {
    let pos = 0;
    const end = chunk.length;
    if (this.headerFilled > 0) {
      const take = Math.min(HEADER_BYTES - this.headerFilled, end);
      chunk.copy(this.headerBytes, this.headerFilled, 0, take);
      this.headerFilled += take;
      pos = take;
      if (this.headerFilled < HEADER_BYTES) return;
      this.headerFilled = 0;
      this.startPartial(this.headerBytes, 0, this.headerBytes.readUInt32LE(0));
    }
    if (this.partial !== null) {
      const frame = this.partial;
      const take = Math.min(frame.length - this.filled, end - pos);
      chunk.copy(frame, this.filled, pos, pos + take);
      this.filled += take;
      pos += take;
      if (this.filled < frame.length) return;
      this.partial = null;
      this.onFrame(frame, HEADER_BYTES, frame.length - HEADER_BYTES);
    }
    while (end - pos >= HEADER_BYTES) {
      const length = chunk.readUInt32LE(pos);
      if (length > this.maxFrame)
        throw new RangeError(`frame of ${length} bytes exceeds the ${this.maxFrame}-byte limit`);
      const start = pos + HEADER_BYTES;
      if (end - start >= length) {
        pos = start + length;
        this.onFrame(chunk, start, length);
      } else {
        this.startPartial(chunk, pos, length);
        chunk.copy(this.partial!, HEADER_BYTES, start, end);
        this.filled = HEADER_BYTES + end - start;
        return;
      }
    }
    if (pos < end) {
      chunk.copy(this.headerBytes, 0, pos, end);
      this.headerFilled = end - pos;
    }
  }

  /** Allocates the buffer of a frame whose header is at `header[at..]` and has been read whole. */
  private startPartial(header: Buffer, at: number, length: number): void {
    if (length > this.maxFrame)
      throw new RangeError(`frame of ${length} bytes exceeds the ${this.maxFrame}-byte limit`);
    const frame = Buffer.allocUnsafe(HEADER_BYTES + length);
    header.copy(frame, 0, at, at + HEADER_BYTES);
    this.partial = frame;
    this.filled = HEADER_BYTES;
    if (length === 0) {
      this.partial = null;
      this.onFrame(frame, HEADER_BYTES, 0);
    }
  }
}
