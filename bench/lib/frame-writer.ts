// Sends messages as length-prefixed frames over a Node Writable, honouring backpressure
// (write() === false -> wait for 'drain'), either one write() per message or with frames packed
// into 64 KiB writes.
//
// Buffers handed to write() are referenced by the stream until written, so they are recycled only
// once the stream has been seen empty (writableLength === 0) since they were written.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Encoder } from '@msgpack/msgpack';
import { HEADER_BYTES, writeHeader } from './frames.js';
import { rawTemplate, sampleObject, stampSeq } from './payload.js';

/** Size of one coalesced write. */
export const COALESCE_BYTES = 64 * 1024;

/** Produces the payloads of a stream of messages. */
export interface FrameSource {
  /** Upper bound of one payload's length. */
  readonly maxLength: number;
  /**
   * Writes the payload of message `seq` at `target[offset..]` and returns its length.
   * `recycled` is true when that place still holds a payload this source wrote there before
   * (then only what differs between messages needs writing).
   */
  put(seq: number, target: Buffer, offset: number, recycled: boolean): number;
}

/** Raw payloads of `size` bytes (pattern + stamped sequence numbers). */
export function rawFrames(size: number): FrameSource {
  const template = rawTemplate(size);
  return {
    maxLength: size,
    put(seq, target, offset, recycled) {
      if (!recycled) template.copy(target, offset);
      stampSeq(target, offset, size, seq);
      return size;
    },
  };
}

/** MessagePack-encoded sample objects. */
export function objectFrames(): FrameSource {
  const encoder = new Encoder();
  return {
    maxLength: 64,
    put(seq, target, offset) {
      const bytes = encoder.encodeSharedRef(sampleObject(seq));
      target.set(bytes, offset);
      return bytes.length;
    },
  };
}

/** Resolves once the stream has written everything handed to it. */
async function flushed(stream: Writable): Promise<void> {
  while (stream.writableLength > 0) {
    if (stream.writableNeedDrain) await once(stream, 'drain');
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * Hands out `count` buffers in turn, reusing one only after the stream has written it.
 * Synchronous on the fast path: callers await only the promises these methods return.
 */
class BufferRing {
  private readonly buffers: Buffer[];
  private next = 0;
  /** Buffers handed out since the stream was last seen empty. */
  private inFlight = 0;
  /** How many buffers have been handed out at least once (the rest are fresh). */
  private used = 0;
  /** Whether the buffer last returned by take() had been handed out before. */
  recycled = false;

  constructor(
    private readonly stream: Writable,
    bytes: number,
    count: number,
  ) {
    this.buffers = Array.from({ length: count }, () => Buffer.allocUnsafeSlow(bytes));
  }

  /** A promise to await before take() when every buffer may still be in the stream, else null. */
  ready(): Promise<void> | null {
    if (this.inFlight < this.buffers.length) return null;
    return flushed(this.stream).then(() => {
      this.inFlight = 0;
    });
  }

  /** The next buffer (call ready() first). */
  take(): Buffer {
    const index = this.next;
    this.next = (index + 1) % this.buffers.length;
    this.inFlight++;
    this.recycled = index < this.used;
    if (!this.recycled) this.used++;
    return this.buffers[index]!;
  }

  /** Writes `chunk` (a view of a buffer from take()); returns a promise when the stream asks to wait for 'drain'. */
  write(chunk: Buffer): Promise<void> | null {
    const ok = this.stream.write(chunk);
    if (this.stream.writableLength === 0) this.inFlight = 0;
    else if (!ok) {
      return once(this.stream, 'drain').then(() => {
        this.inFlight = 0;
      });
    }
    return null;
  }
}

/** How many write buffers of `bytes` keep a stream with this high-water mark busy. */
function ringLength(stream: Writable, bytes: number): number {
  return Math.max(4, Math.ceil((2 * stream.writableHighWaterMark) / bytes) + 2);
}

/**
 * Writes messages `firstSeq .. firstSeq+count-1` from `source`, one frame per write() or coalesced
 * into COALESCE_BYTES writes; resolves with the payload bytes sent once all is handed to the stream.
 */
export async function writeFrames(
  stream: Writable,
  source: FrameSource,
  firstSeq: number,
  count: number,
  coalesce: boolean,
): Promise<number> {
  return coalesce
    ? writeCoalesced(stream, source, firstSeq, count)
    : writePerMessage(stream, source, firstSeq, count);
}

async function writePerMessage(
  stream: Writable,
  source: FrameSource,
  firstSeq: number,
  count: number,
): Promise<number> {
  const capacity = HEADER_BYTES + source.maxLength;
  const ring = new BufferRing(stream, capacity, ringLength(stream, capacity));
  let bytes = 0;
  for (let seq = firstSeq; seq < firstSeq + count; seq++) {
    const ready = ring.ready();
    if (ready !== null) await ready;
    const buf = ring.take();
    const length = source.put(seq, buf, HEADER_BYTES, ring.recycled);
    writeHeader(buf, 0, length);
    bytes += length;
    const drained = ring.write(
      length === source.maxLength ? buf : buf.subarray(0, HEADER_BYTES + length),
    );
    if (drained !== null) await drained;
  }
  return bytes;
}

async function writeCoalesced(
  stream: Writable,
  source: FrameSource,
  firstSeq: number,
  count: number,
): Promise<number> {
  const capacity = Math.max(COALESCE_BYTES, HEADER_BYTES + source.maxLength);
  const ring = new BufferRing(stream, capacity, ringLength(stream, capacity));
  const frameBound = HEADER_BYTES + source.maxLength;
  let buf = ring.take();
  let pos = 0;
  let bytes = 0;
  for (let seq = firstSeq; seq < firstSeq + count; seq++) {
    if (pos + frameBound > capacity) {
      const drained = ring.write(buf.subarray(0, pos));
      if (drained !== null) await drained;
      const ready = ring.ready();
      if (ready !== null) await ready;
      buf = ring.take();
      pos = 0;
    }
    const length = source.put(seq, buf, pos + HEADER_BYTES, false);
    writeHeader(buf, pos, length);
    pos += HEADER_BYTES + length;
    bytes += length;
  }
  if (pos > 0) {
    const drained = ring.write(buf.subarray(0, pos));
    if (drained !== null) await drained;
  }
  return bytes;
}
