// Garbage records among good ones: each bad message is reported once, with its ring position,
// and skipped; every good message before and after it still arrives, in order.
import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';

import {
  ERR_BAD_FRAME,
  ERR_FRAME_TOO_LARGE,
  FrameError,
  FrameReader,
  FrameWriter,
  RECORD_CUSTOM,
  RECORD_FRAGMENT_FIRST,
  RECORD_FRAGMENT_LAST,
  RECORD_FRAGMENT_MIDDLE,
  RECORD_MSGPACK,
  RECORD_RAW,
  type FrameErrorReason,
  type FrameReaderOptions,
} from '../src/codec/index.js';
import { createRing, ringSegmentSize } from '../src/ring/index.js';

const CAPACITY = 1 << 20;

function first(slot: number, messageType: number, total: number, chunk: Uint8Array): Uint8Array {
  const payload = new Uint8Array(16 + chunk.length);
  const view = new DataView(payload.buffer);
  view.setUint32(0, slot, true);
  view.setUint32(4, messageType, true);
  view.setUint32(8, total % 2 ** 32, true);
  view.setUint32(12, Math.floor(total / 2 ** 32), true);
  payload.set(chunk, 16);
  return payload;
}

function next(slot: number, index: number, chunk: Uint8Array): Uint8Array {
  const payload = new Uint8Array(8 + chunk.length);
  const view = new DataView(payload.buffer);
  view.setUint32(0, slot, true);
  view.setUint32(4, index, true);
  payload.set(chunk, 8);
  return payload;
}

/** `value` as MessagePack cut into `parts` chunks of 8-byte multiples (as the writer cuts). */
function chunksOf(value: unknown, parts: number): { total: number; chunks: Uint8Array[] } {
  const bytes = encode(value);
  const size = Math.ceil(bytes.length / parts / 8) * 8;
  const chunks = Array.from({ length: parts }, (_, i) =>
    bytes.subarray(i * size, Math.min(bytes.length, (i + 1) * size)),
  );
  return { total: bytes.length, chunks };
}

/**
 * A 1 MiB ring (nothing here wraps it) with a reader, a good-message writer, and `inject`,
 * which writes one raw record and remembers the ring position it went to.
 */
function setup(options: FrameReaderOptions<unknown> = {}) {
  const ring = createRing(new SharedArrayBuffer(ringSegmentSize(CAPACITY)), {
    kind: 'spsc',
    capacity: CAPACITY,
  });
  const messages: unknown[] = [];
  const errors: FrameError[] = [];
  const reader = new FrameReader(
    ring,
    { message: (value) => messages.push(value), error: (error) => errors.push(error) },
    options,
  );
  const writer = new FrameWriter(ring);
  let good = 0;
  const sendGood = (count = 1) => {
    for (let i = 0; i < count; i++) expect(writer.write({ good: good++ })).toBe(true);
  };
  const inject = (typeId: number, payload: Uint8Array): number => {
    const position = ring.producerPosition();
    expect(ring.write(typeId, payload)).toBe(true);
    return position;
  };
  const goodOnes = () => Array.from({ length: good }, (_, i) => ({ good: i }));
  return { ring, reader, writer, messages, errors, sendGood, inject, goodOnes };
}

/** Checks one reported error: its code, reason, and the record it names. */
function expectError(
  error: FrameError | undefined,
  reason: FrameErrorReason,
  position: number,
  typeId?: number,
) {
  expect(error).toBeInstanceOf(FrameError);
  expect(error!.code).toBe(reason === 'too-large' ? ERR_FRAME_TOO_LARGE : ERR_BAD_FRAME);
  expect(error!.reason).toBe(reason);
  expect(error!.position).toBe(position);
  // The payload of a record at `position` sits after the 4 KiB metadata page and its 8-byte header.
  expect(error!.offset).toBe(4096 + (position % CAPACITY) + 8);
  if (typeId !== undefined) expect(error!.typeId).toBe(typeId);
  expect(error!.message).toContain(`ring position ${position}`);
}

describe('bad whole-message records', () => {
  it('reports invalid, truncated and overlong MessagePack once each and delivers the rest', () => {
    const { reader, messages, errors, sendGood, inject, goodOnes } = setup();
    sendGood(2);
    const invalid = inject(RECORD_MSGPACK, new Uint8Array([0xc1]));
    sendGood();
    const valid = encode({ text: 'hello there', list: [1, 2, 3] });
    const truncated = inject(RECORD_MSGPACK, valid.subarray(0, valid.length - 3));
    sendGood();
    const trailing = inject(RECORD_MSGPACK, Uint8Array.from([...encode(1), 0x01, 0x02]));
    const empty = inject(RECORD_MSGPACK, new Uint8Array(0));
    const badExtension = inject(RECORD_MSGPACK, Uint8Array.from([0xd4, 0x11, 0x05]));
    const badBigInt = inject(RECORD_MSGPACK, Uint8Array.from([0xd5, 0x01, 0x07, 0x01]));
    sendGood(3);
    reader.read();
    expect(messages).toEqual(goodOnes());
    expect(errors).toHaveLength(6);
    [invalid, truncated, trailing, empty, badExtension, badBigInt].forEach((position, i) =>
      expectError(errors[i], 'decode-failed', position, RECORD_MSGPACK),
    );
    expect(errors[0]!.message).toMatch(/0xc1/);
    expect(errors[1]!.cause).toBeInstanceOf(Error);
    expect(errors[4]!.message).toMatch(/Uint8ClampedArray extension/);
    expect(errors[5]!.message).toMatch(/BigInt extension/);
  });

  it('reports unknown and mismatched record types', () => {
    const { reader, messages, errors, sendGood, inject, goodOnes } = setup();
    sendGood();
    const positions = [7, 99, 0x7fffffff].map((typeId) => inject(typeId, encode({ not: 'mine' })));
    sendGood();
    const raw = inject(RECORD_RAW, new Uint8Array([1, 2, 3]));
    const custom = inject(RECORD_CUSTOM, encode('custom'));
    sendGood();
    reader.read();
    expect(messages).toEqual(goodOnes());
    expect(errors.map((error) => error.reason)).toEqual([
      'unknown-type',
      'unknown-type',
      'unknown-type',
      'wrong-type',
      'wrong-type',
    ]);
    positions.forEach((position, i) =>
      expectError(errors[i], 'unknown-type', position, [7, 99, 0x7fffffff][i]),
    );
    expectError(errors[3], 'wrong-type', raw, RECORD_RAW);
    expectError(errors[4], 'wrong-type', custom, RECORD_CUSTOM);
    expect(errors[0]!.message).toMatch(/unknown record type 7/);
  });

  it('reports a throwing user codec and goes on', () => {
    const { ring, messages, errors } = setup();
    const codec = {
      name: 'text',
      encode: (value: string) => Buffer.from(value),
      decode: (bytes: Uint8Array) => {
        const text = Buffer.from(bytes).toString();
        if (text === 'boom') throw new RangeError('not today');
        return text;
      },
    };
    const reader = new FrameReader(
      ring,
      { message: (value) => messages.push(value), error: (error) => errors.push(error) },
      { codec },
    );
    const writer = new FrameWriter(ring, { codec });
    for (const text of ['a', 'boom', 'b']) writer.write(text);
    reader.read();
    expect(messages).toEqual(['a', 'b']);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.reason).toBe('decode-failed');
    expect(errors[0]!.cause).toBeInstanceOf(RangeError);
    expect(errors[0]!.message).toMatch(/not today/);
  });
});

describe('bad fragments', () => {
  it('a middle and last with no first: one report, then everything else arrives', () => {
    const { reader, messages, errors, sendGood, inject, goodOnes } = setup();
    const { chunks } = chunksOf({ lost: 'x'.repeat(100) }, 3);
    sendGood();
    const middle = inject(RECORD_FRAGMENT_MIDDLE, next(0, 1, chunks[1]!));
    sendGood();
    inject(RECORD_FRAGMENT_LAST, next(0, 2, chunks[2]!));
    sendGood();
    const strayLast = inject(RECORD_FRAGMENT_LAST, next(0, 9, chunks[2]!));
    sendGood();
    reader.read();
    expect(messages).toEqual(goodOnes());
    expect(errors).toHaveLength(2);
    expectError(errors[0], 'missing-first-fragment', middle, RECORD_FRAGMENT_MIDDLE);
    expectError(errors[1], 'missing-first-fragment', strayLast, RECORD_FRAGMENT_LAST);
    expect(errors[0]!.producerSlot).toBe(0);
  });

  it('a fragment out of order: one report, the rest of that message dropped, the next message whole', () => {
    const { reader, messages, errors, sendGood, inject, goodOnes } = setup();
    const broken = chunksOf({ broken: 'y'.repeat(200) }, 4);
    const whole = chunksOf({ whole: 'z'.repeat(200) }, 3);
    inject(RECORD_FRAGMENT_FIRST, first(0, RECORD_MSGPACK, broken.total, broken.chunks[0]!));
    sendGood();
    const skipped = inject(RECORD_FRAGMENT_MIDDLE, next(0, 2, broken.chunks[2]!));
    inject(RECORD_FRAGMENT_MIDDLE, next(0, 3, broken.chunks[3]!));
    inject(RECORD_FRAGMENT_LAST, next(0, 4, new Uint8Array(0)));
    sendGood();
    inject(RECORD_FRAGMENT_FIRST, first(0, RECORD_MSGPACK, whole.total, whole.chunks[0]!));
    inject(RECORD_FRAGMENT_MIDDLE, next(0, 1, whole.chunks[1]!));
    inject(RECORD_FRAGMENT_LAST, next(0, 2, whole.chunks[2]!));
    sendGood();
    reader.read();
    expect(messages).toEqual([{ good: 0 }, { good: 1 }, { whole: 'z'.repeat(200) }, { good: 2 }]);
    expect(goodOnes()).toHaveLength(3);
    expect(errors).toHaveLength(1);
    expectError(errors[0], 'fragment-out-of-order', skipped, RECORD_FRAGMENT_MIDDLE);
    expect(errors[0]!.message).toMatch(/fragment 2 where fragment 1 was due/);
  });

  it('a message whose last fragment never comes: reported when its slot starts another, and at end()', () => {
    const { reader, messages, errors, sendGood, inject } = setup();
    const lost = chunksOf({ lost: 1, pad: 'p'.repeat(100) }, 3);
    const kept = chunksOf({ kept: 2, pad: 'q'.repeat(100) }, 2);
    const lostFirst = inject(
      RECORD_FRAGMENT_FIRST,
      first(5, RECORD_MSGPACK, lost.total, lost.chunks[0]!),
    );
    inject(RECORD_FRAGMENT_MIDDLE, next(5, 1, lost.chunks[1]!));
    sendGood();
    inject(RECORD_FRAGMENT_FIRST, first(5, RECORD_MSGPACK, kept.total, kept.chunks[0]!));
    inject(RECORD_FRAGMENT_LAST, next(5, 1, kept.chunks[1]!));
    const unfinished = inject(
      RECORD_FRAGMENT_FIRST,
      first(6, RECORD_MSGPACK, lost.total, lost.chunks[0]!),
    );
    sendGood();
    reader.read();
    expect(messages).toEqual([{ good: 0 }, { kept: 2, pad: 'q'.repeat(100) }, { good: 1 }]);
    expect(errors).toHaveLength(1);
    expectError(errors[0], 'missing-last-fragment', lostFirst, RECORD_FRAGMENT_FIRST);
    expect(errors[0]!.producerSlot).toBe(5);
    expect(reader.reassembling).toBe(1);
    reader.end();
    expect(errors).toHaveLength(2);
    expect(errors[1]!.reason).toBe('missing-last-fragment');
    expect(errors[1]!.messagePosition).toBe(unfinished);
    expect(errors[1]!.producerSlot).toBe(6);
    expect(reader.reassembling).toBe(0);
  });

  it("fragments naming the wrong producer slot do not disturb another slot's message", () => {
    const { reader, messages, errors, sendGood, inject } = setup();
    const message = chunksOf({ mine: 'm'.repeat(300) }, 3);
    inject(RECORD_FRAGMENT_FIRST, first(1, RECORD_MSGPACK, message.total, message.chunks[0]!));
    const wrongSlot = inject(RECORD_FRAGMENT_MIDDLE, next(2, 1, message.chunks[1]!));
    inject(RECORD_FRAGMENT_MIDDLE, next(1, 1, message.chunks[1]!));
    const outOfRange = inject(RECORD_FRAGMENT_LAST, next(1000, 2, message.chunks[2]!));
    inject(RECORD_FRAGMENT_LAST, next(1, 2, message.chunks[2]!));
    sendGood();
    reader.read();
    expect(messages).toEqual([{ mine: 'm'.repeat(300) }, { good: 0 }]);
    expect(errors).toHaveLength(2);
    expectError(errors[0], 'missing-first-fragment', wrongSlot);
    expect(errors[0]!.producerSlot).toBe(2);
    expectError(errors[1], 'bad-fragment-header', outOfRange);
    expect(errors[1]!.message).toMatch(/producer slot 1000/);
  });

  it('short headers, bad announced types, wrong lengths and absurd totals are reported and skipped', () => {
    const { reader, messages, errors, sendGood, inject, goodOnes } = setup({
      maxMessageBytes: 1 << 20,
    });
    const { total, chunks } = chunksOf({ z: 'w'.repeat(100) }, 2);
    const shortFirst = inject(RECORD_FRAGMENT_FIRST, new Uint8Array(12));
    const shortNext = inject(RECORD_FRAGMENT_LAST, new Uint8Array(4));
    sendGood();
    const badType = inject(
      RECORD_FRAGMENT_FIRST,
      first(0, RECORD_FRAGMENT_MIDDLE, total, chunks[0]!),
    );
    inject(RECORD_FRAGMENT_LAST, next(0, 1, chunks[1]!)); // rest of the reported message: quiet
    const wrongType = inject(RECORD_FRAGMENT_FIRST, first(0, RECORD_RAW, total, chunks[0]!));
    inject(RECORD_FRAGMENT_LAST, next(0, 1, chunks[1]!));
    sendGood();
    const tooLarge = inject(RECORD_FRAGMENT_FIRST, first(0, RECORD_MSGPACK, 2 ** 52, chunks[0]!));
    inject(RECORD_FRAGMENT_MIDDLE, next(0, 1, chunks[1]!));
    inject(RECORD_FRAGMENT_LAST, next(0, 2, chunks[1]!));
    const firstTooLong = inject(RECORD_FRAGMENT_FIRST, first(0, RECORD_MSGPACK, 8, chunks[0]!));
    inject(RECORD_FRAGMENT_LAST, next(0, 1, chunks[1]!));
    inject(RECORD_FRAGMENT_FIRST, first(0, RECORD_MSGPACK, total, chunks[0]!));
    const lastTooShort = inject(RECORD_FRAGMENT_LAST, next(0, 1, chunks[1]!.subarray(0, 3)));
    inject(RECORD_FRAGMENT_FIRST, first(0, RECORD_MSGPACK, total, chunks[0]!));
    const overrun = inject(
      RECORD_FRAGMENT_MIDDLE,
      next(0, 1, new Uint8Array(chunks[1]!.length + 8)),
    );
    inject(RECORD_FRAGMENT_LAST, next(0, 2, new Uint8Array(0)));
    sendGood();
    reader.read();
    expect(messages).toEqual(goodOnes());
    expect(errors.map((error) => error.reason)).toEqual([
      'bad-fragment-header',
      'bad-fragment-header',
      'bad-fragment-header',
      'wrong-type',
      'too-large',
      'length-mismatch',
      'length-mismatch',
      'length-mismatch',
    ]);
    [
      shortFirst,
      shortNext,
      badType,
      wrongType,
      tooLarge,
      firstTooLong,
      lastTooShort,
      overrun,
    ].forEach((position, i) => expectError(errors[i], errors[i]!.reason, position));
    expect(errors[4]!.code).toBe('ERR_SHMRING_FRAME_TOO_LARGE');
    expect(errors[4]!.message).toMatch(/exceeds maxMessageBytes/);
  });

  it('a reassembled message that is not valid MessagePack is reported at its last fragment', () => {
    const { reader, messages, errors, sendGood, inject } = setup();
    const garbage = new Uint8Array(64).fill(0xc1);
    const start = inject(
      RECORD_FRAGMENT_FIRST,
      first(0, RECORD_MSGPACK, 64, garbage.subarray(0, 32)),
    );
    const end = inject(RECORD_FRAGMENT_LAST, next(0, 1, garbage.subarray(32)));
    sendGood();
    reader.read();
    expect(messages).toEqual([{ good: 0 }]);
    expect(errors).toHaveLength(1);
    expectError(errors[0], 'decode-failed', end, RECORD_FRAGMENT_LAST);
    expect(errors[0]!.messagePosition).toBe(start);
  });

  it("garbage of another slot between a real writer's fragments costs nothing but its report", () => {
    const { reader, messages, errors, writer, inject } = setup();
    const big = { blob: new Uint8Array(3 << 20).fill(3) };
    // The writer runs ahead until the ring is full; garbage goes in as soon as reads free room.
    const positions: number[] = [];
    let done = writer.write(big);
    while (!done) {
      reader.read(2);
      positions.push(
        inject(
          positions.length % 2 === 0 ? RECORD_FRAGMENT_MIDDLE : 77,
          next(9 + positions.length, 1, new Uint8Array(8)),
        ),
      );
      done = writer.resume();
    }
    reader.read();
    expect(messages).toHaveLength(1);
    expect(Buffer.compare((messages[0] as typeof big).blob, big.blob)).toBe(0);
    expect(positions.length).toBeGreaterThan(5);
    expect(errors).toHaveLength(positions.length);
    errors.forEach((error, i) => expect(error.position).toBe(positions[i]));
  });
});

describe('sink exceptions', () => {
  it('propagate out of read(), and the next read goes on after that message', () => {
    const ring = createRing(new SharedArrayBuffer(ringSegmentSize(CAPACITY)), {
      kind: 'spsc',
      capacity: CAPACITY,
    });
    const seen: unknown[] = [];
    const reader = new FrameReader(ring, {
      message: (value) => {
        seen.push(value);
        if (value === 2) throw new Error('sink failed');
      },
      error: (error) => seen.push(error),
    });
    const writer = new FrameWriter(ring);
    for (const value of [1, 2, 3]) writer.write(value);
    expect(() => reader.read()).toThrow('sink failed');
    reader.read();
    expect(seen).toEqual([1, 2, 3]);
  });
});
