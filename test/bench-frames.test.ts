// The bench's length-prefixed frames: the incremental parser and the frame writer.
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameParser, HEADER_BYTES } from '../bench/lib/frames.js';
import { objectFrames, rawFrames, writeFrames } from '../bench/lib/frame-writer.js';
import { emptyTally, type Tally } from '../bench/lib/checksum.js';
import { expectedObjects, expectedRaw, hashObject, hashRaw } from '../bench/lib/payload.js';
import { Decoder } from '@msgpack/msgpack';

function payload(length: number, salt: number): Buffer {
  const buf = Buffer.alloc(length);
  for (let i = 0; i < length; i++) buf[i] = (i * 7 + salt) & 0xff;
  return buf;
}

/** True when the parsed payloads equal `expected` byte for byte (cheaper than a deep toEqual). */
function same(payloads: Buffer[], expected: Uint8Array[]): boolean {
  return payloads.length === expected.length && payloads.every((p, i) => p.equals(expected[i]!));
}

/** Parses `chunks` and returns copies of the payloads, plus the raw handler arguments. */
function parseAll(
  chunks: Buffer[],
  maxFrame?: number,
): { payloads: Buffer[]; calls: { buf: Buffer; start: number; length: number }[] } {
  const payloads: Buffer[] = [];
  const calls: { buf: Buffer; start: number; length: number }[] = [];
  const parser = new FrameParser((buf, start, length) => {
    calls.push({ buf, start, length });
    payloads.push(Buffer.from(buf.subarray(start, start + length)));
  }, maxFrame);
  for (const chunk of chunks) parser.push(chunk);
  expect(parser.pending).toBe(0);
  return { payloads, calls };
}

const LENGTHS = [0, 1, 3, 4, 5, 16, 255, 1000];
const FRAMES = LENGTHS.map((length, i) => payload(length, i));
const STREAM = Buffer.concat(FRAMES.map(encodeFrame));

describe('FrameParser', () => {
  it('parses frames split in two at every byte boundary', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const { payloads } = parseAll([STREAM.subarray(0, cut), STREAM.subarray(cut)]);
      if (!same(payloads, FRAMES)) expect.fail(`wrong frames when split at byte ${cut}`);
    }
  });

  it('parses frames split in three at every pair of boundaries of a short stream', () => {
    const stream = Buffer.concat([payload(0, 1), payload(6, 2), payload(2, 3)].map(encodeFrame));
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const { payloads } = parseAll([
          stream.subarray(0, a),
          stream.subarray(a, b),
          stream.subarray(b),
        ]);
        expect(payloads.map((p) => p.length)).toEqual([0, 6, 2]);
      }
    }
  });

  it('parses a stream fed one byte at a time', () => {
    const chunks = Array.from(STREAM, (_, i) => STREAM.subarray(i, i + 1));
    expect(same(parseAll(chunks).payloads, FRAMES)).toBe(true);
  });

  it('parses any chunking of any frames (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.nat(400), { maxLength: 30 }),
        (frames, cuts) => {
          const stream = Buffer.concat(frames.map((f) => encodeFrame(f)));
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort(
            (a, b) => a - b,
          );
          const chunks: Buffer[] = [];
          let from = 0;
          for (const point of points) {
            chunks.push(stream.subarray(from, point));
            from = point;
          }
          chunks.push(stream.subarray(from));
          expect(same(parseAll(chunks).payloads, frames)).toBe(true);
        },
      ),
    );
  });

  it('hands over many frames of one chunk in place, without copies', () => {
    const frames = Array.from({ length: 10_000 }, (_, i) => payload(i % 40, i));
    const chunk = Buffer.concat(frames.map(encodeFrame));
    const { payloads, calls } = parseAll([chunk]);
    expect(same(payloads, frames)).toBe(true);
    expect(calls.every((call) => call.buf === chunk)).toBe(true);
    expect(
      calls.every((call) => call.buf.readUInt32LE(call.start - HEADER_BYTES) === call.length),
    ).toBe(true);
  });

  it('assembles a huge frame split across many reads once, into a buffer of its exact size', () => {
    const big = payload(8 << 20, 9);
    const stream = Buffer.concat([
      encodeFrame(payload(10, 1)),
      encodeFrame(big),
      encodeFrame(payload(3, 2)),
    ]);
    const chunks: Buffer[] = [];
    for (let at = 0; at < stream.length; at += 65_536)
      chunks.push(stream.subarray(at, at + 65_536));
    const { payloads, calls } = parseAll(chunks);
    expect(payloads.map((p) => p.length)).toEqual([10, 8 << 20, 3]);
    expect(payloads[1]!.equals(big)).toBe(true);
    const huge = calls[1]!;
    expect(chunks.some((chunk) => chunk === huge.buf)).toBe(false);
    expect(huge.buf.length).toBe(HEADER_BYTES + (8 << 20));
    expect(huge.start).toBe(HEADER_BYTES);
    expect(huge.buf.readUInt32LE(0)).toBe(8 << 20); // the whole frame, header included (echo-able)
  });

  it('rejects a header beyond the frame limit', () => {
    const parser = new FrameParser(() => undefined, 1024);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(1025);
    expect(() => parser.push(header)).toThrow(/exceeds/);
    const split = new FrameParser(() => undefined, 1024);
    split.push(header.subarray(0, 2));
    expect(() => split.push(header.subarray(2))).toThrow(/exceeds/);
  });
});

/** A Writable that keeps each chunk for a while before reading it (like a socket's queue), then parses it. */
function slowSink(
  onFrame: (buf: Buffer, start: number, length: number) => void,
  highWaterMark = 1024,
): Writable {
  const parser = new FrameParser(onFrame);
  let writes = 0;
  return new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      // Every few writes, read the chunk only later: a buffer recycled too early would be corrupt by then.
      const consume = (): void => {
        parser.push(Buffer.from(chunk));
        callback();
      };
      if (++writes % 3 === 0) setTimeout(consume, 1);
      else if (writes % 3 === 1) setImmediate(consume);
      else consume();
    },
  });
}

describe('writeFrames', () => {
  for (const coalesce of [false, true]) {
    for (const size of [16, 4096, 70_000]) {
      it(`delivers raw ${size} B payloads intact ${coalesce ? 'coalesced' : 'one write per message'}, under backpressure`, async () => {
        const tally: Tally = emptyTally();
        const sink = slowSink((buf, start, length) => {
          tally.checksum = hashRaw(tally.checksum, buf, start, length);
          tally.count++;
        });
        const count = size > 10_000 ? 40 : 600; // enough to go round the writer's buffers several times
        const bytes = await writeFrames(sink, rawFrames(size), 100, count, coalesce);
        await new Promise<void>((resolve) => sink.end(resolve));
        expect(bytes).toBe(size * count);
        expect(tally).toEqual(expectedRaw(size, 100, count));
      });
    }
    it(`delivers msgpack objects intact ${coalesce ? 'coalesced' : 'one write per message'}`, async () => {
      const decoder = new Decoder();
      const tally: Tally = emptyTally();
      const sink = slowSink((buf, start, length) => {
        tally.checksum = hashObject(
          tally.checksum,
          decoder.decode(buf.subarray(start, start + length)),
        );
        tally.count++;
      });
      await writeFrames(sink, objectFrames(), 5, 600, coalesce);
      await new Promise<void>((resolve) => sink.end(resolve));
      expect(tally).toEqual(expectedObjects(5, 600));
    });
  }

  it('coalesces small frames into writes of at most 64 KiB', async () => {
    const sizes: number[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        sizes.push(chunk.length);
        callback();
      },
    });
    await writeFrames(sink, rawFrames(16), 0, 10_000, true);
    expect(sizes.length).toBeLessThan(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10_000 * (HEADER_BYTES + 16));
  });
});
