// Shared memory is never trusted: attaching validates the whole metadata page, and the
// consumer (and producers) turn impossible records and positions into typed errors that
// name the position, without hanging or reading out of bounds.
import { describe, expect, it } from 'vitest';

import {
  CAPACITY_OFFSET,
  DATA_OFFSET,
  HEAD_POSITION_OFFSET,
  KIND_OFFSET,
  MAGIC_OFFSET,
  MAX_MESSAGE_LENGTH_OFFSET,
  METADATA_LENGTH_OFFSET,
  TAIL_POSITION_OFFSET,
  TRAILER_LENGTH_OFFSET,
  VERSION_OFFSET,
  attachRing,
  createRing,
  ringSegmentSize,
  type RingBuffer,
  type RingKind,
} from '../src/ring/index.js';

const CAPACITY = 1024;

function fresh(
  kind: RingKind = 'spsc',
  capacity = CAPACITY,
): { buffer: SharedArrayBuffer; view: DataView; ring: RingBuffer } {
  const buffer = new SharedArrayBuffer(ringSegmentSize(capacity));
  const ring = createRing(buffer, { kind, capacity });
  return { buffer, view: new DataView(buffer), ring };
}

function refusal(buffer: SharedArrayBuffer, kind?: RingKind): unknown {
  try {
    attachRing(buffer, kind);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('attachRing validates the metadata page', () => {
  it('accepts what createRing wrote, either kind', () => {
    for (const kind of ['spsc', 'mpsc'] as const) {
      const { buffer } = fresh(kind);
      const ring = attachRing(buffer);
      expect(ring.kind).toBe(kind);
      expect(ring.capacity).toBe(CAPACITY);
      expect(ring.maxMessageLength).toBe(CAPACITY / 8);
    }
  });

  const corruptions: Array<[string, (view: DataView) => void, string]> = [
    ['a bad magic', (v) => v.setUint32(MAGIC_OFFSET, 0x12345678, true), 'ERR_SHMRING_BAD_FORMAT'],
    [
      'a zero magic (creator not finished)',
      (v) => v.setUint32(MAGIC_OFFSET, 0, true),
      'ERR_SHMRING_NOT_READY',
    ],
    [
      'another format version',
      (v) => v.setUint16(VERSION_OFFSET, 2, true),
      'ERR_SHMRING_BAD_FORMAT',
    ],
    ['an unknown kind', (v) => v.setUint16(KIND_OFFSET, 3, true), 'ERR_SHMRING_BAD_FORMAT'],
    ['kind 0', (v) => v.setUint16(KIND_OFFSET, 0, true), 'ERR_SHMRING_BAD_FORMAT'],
    [
      'a wrong metadata length',
      (v) => v.setUint32(METADATA_LENGTH_OFFSET, 8192, true),
      'ERR_SHMRING_BAD_FORMAT',
    ],
    [
      'a wrong trailer length',
      (v) => v.setUint32(TRAILER_LENGTH_OFFSET, 512, true),
      'ERR_SHMRING_BAD_FORMAT',
    ],
    [
      'a capacity that is not a power of two',
      (v) => v.setBigUint64(CAPACITY_OFFSET, 1000n, true),
      'ERR_SHMRING_BAD_FORMAT',
    ],
    [
      'a capacity of zero',
      (v) => v.setBigUint64(CAPACITY_OFFSET, 0n, true),
      'ERR_SHMRING_BAD_FORMAT',
    ],
    [
      'a capacity below the minimum',
      (v) => v.setBigUint64(CAPACITY_OFFSET, 32n, true),
      'ERR_SHMRING_BAD_FORMAT',
    ],
    [
      'a capacity larger than the buffer',
      (v) => v.setBigUint64(CAPACITY_OFFSET, 2048n, true),
      'ERR_SHMRING_BAD_FORMAT',
    ],
    [
      'a huge capacity',
      (v) => v.setBigUint64(CAPACITY_OFFSET, 1n << 62n, true),
      'ERR_SHMRING_BAD_FORMAT',
    ],
    [
      'a capacity with the top bit set',
      (v) => v.setBigUint64(CAPACITY_OFFSET, 1n << 63n, true),
      'ERR_SHMRING_BAD_FORMAT',
    ],
    [
      'a wrong max message length',
      (v) => v.setUint32(MAX_MESSAGE_LENGTH_OFFSET, CAPACITY, true),
      'ERR_SHMRING_BAD_FORMAT',
    ],
  ];
  for (const [what, corrupt, code] of corruptions) {
    it(`refuses ${what} with ${code}`, () => {
      const { buffer, view } = fresh();
      corrupt(view);
      expect(refusal(buffer)).toMatchObject({ name: 'ShmringError', code });
    });
  }

  it('refuses a buffer too small for the page or for the ring it describes', () => {
    expect(refusal(new SharedArrayBuffer(100))).toMatchObject({ code: 'ERR_SHMRING_BAD_FORMAT' });
    const { buffer } = fresh();
    const truncated = new SharedArrayBuffer(buffer.byteLength - 8);
    new Uint8Array(truncated).set(new Uint8Array(buffer, 0, truncated.byteLength));
    expect(refusal(truncated)).toMatchObject({ code: 'ERR_SHMRING_BAD_FORMAT' });
  });

  it('refuses the other kind when a kind is asked for', () => {
    expect(refusal(fresh('spsc').buffer, 'mpsc')).toMatchObject({ code: 'ERR_SHMRING_BAD_FORMAT' });
    expect(refusal(fresh('mpsc').buffer, 'spsc')).toMatchObject({ code: 'ERR_SHMRING_BAD_FORMAT' });
  });

  it('refuses what is not a SharedArrayBuffer', () => {
    expect(refusal(new ArrayBuffer(8192) as unknown as SharedArrayBuffer)).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });

  it('createRing refuses bad capacities, small buffers and a buffer that already holds a ring', () => {
    const big = new SharedArrayBuffer(ringSegmentSize(4096));
    for (const capacity of [0, 32, 1000, 2 ** 31, 1.5, NaN]) {
      expect(() => createRing(big, { kind: 'spsc', capacity })).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
      );
    }
    expect(() => createRing(big, { kind: 'fifo' as RingKind, capacity: 64 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() =>
      createRing(new SharedArrayBuffer(ringSegmentSize(64)), { kind: 'spsc', capacity: 128 }),
    ).toThrow(expect.objectContaining({ code: 'ERR_SHMRING_BAD_FORMAT' }));
    const { buffer } = fresh();
    expect(() => createRing(buffer, { kind: 'mpsc', capacity: CAPACITY })).toThrow(
      expect.objectContaining({ code: 'ERR_SHMRING_EXISTS' }),
    );
  });
});

/** Sets an int32 in the data area at `index` (relative to the data area). */
function poke(buffer: SharedArrayBuffer, index: number, value: number): void {
  new Int32Array(buffer)[(DATA_OFFSET + index) >>> 2] = value;
}

function setCounter(buffer: SharedArrayBuffer, offset: number, value: number): void {
  new BigInt64Array(buffer)[(DATA_OFFSET + CAPACITY + offset) >>> 3] = BigInt(value);
}

function readError(ring: RingBuffer, seen: number[] = []): unknown {
  try {
    ring.read((typeId) => seen.push(typeId));
  } catch (error) {
    return error;
  }
  return undefined;
}

describe.each(['spsc', 'mpsc'] as const)('%s consumer facing corrupt records', (kind) => {
  // Two good messages (records of 16 bytes at positions 0 and 16), then a bad header at 32.
  function withBadThird(
    length: number,
    typeId = 7,
  ): { ring: RingBuffer; buffer: SharedArrayBuffer } {
    const { ring, buffer } = fresh(kind);
    expect(ring.write(1, new Uint8Array(8))).toBe(true);
    expect(ring.write(2, new Uint8Array(8))).toBe(true);
    expect(ring.write(3, new Uint8Array(8))).toBe(true);
    poke(buffer, 32 + 4, typeId);
    poke(buffer, 32, length);
    return { ring, buffer };
  }

  const cases: Array<[string, number, number?]> = [
    ['a negative garbage length', -3],
    ['the most negative length', -(2 ** 31)],
    ['an in-progress length longer than the data area', -(CAPACITY * 4)],
    ['a length shorter than the header', 5],
    ['a huge length', 2 ** 31 - 1],
    ['a length past the end of the data area', CAPACITY],
    ['a payload over the maximum message length', CAPACITY / 8 + 9 + 8],
    ['a record past the committed tail', 64],
    ['typeId 0', 16, 0],
    ['a negative typeId other than padding', 16, -5],
  ];
  for (const [what, length, typeId] of cases) {
    it(`delivers the good records, then reports ${what} at its position`, () => {
      const { ring } = withBadThird(length, typeId);
      const seen: number[] = [];
      const error = readError(ring, seen);
      expect(error).toMatchObject({
        name: 'ShmringError',
        code: 'ERR_SHMRING_CORRUPT',
        position: 32,
      });
      expect((error as Error).message).toContain('position 32');
      expect(seen).toEqual([1, 2]);
      expect(ring.consumerPosition()).toBe(32);
      // It stays reported, and nothing hangs or moves.
      expect(readError(ring)).toMatchObject({ code: 'ERR_SHMRING_CORRUPT', position: 32 });
      expect(ring.consumerPosition()).toBe(32);
    });
  }

  it('accepts a legitimate in-progress record and stops at it', () => {
    const { ring } = withBadThird(-16);
    const seen: number[] = [];
    expect(ring.read((typeId) => seen.push(typeId))).toBe(2);
    expect(ring.read(() => {})).toBe(0);
  });

  it('reports records a lap or more behind the tail', () => {
    const { ring, buffer } = fresh(kind);
    ring.write(1, new Uint8Array(8));
    setCounter(buffer, TAIL_POSITION_OFFSET, 16 + 2 * CAPACITY);
    expect(readError(ring)).toMatchObject({ code: 'ERR_SHMRING_CORRUPT', position: 0 });
  });

  it('reports a misaligned head', () => {
    const { ring, buffer } = fresh(kind);
    ring.write(1, new Uint8Array(8));
    setCounter(buffer, HEAD_POSITION_OFFSET, 4);
    expect(readError(ring)).toMatchObject({ code: 'ERR_SHMRING_CORRUPT', position: 4 });
  });

  it('producers report a head ahead of the tail or too far behind it', () => {
    for (const head of [4096, -4096]) {
      const { ring, buffer } = fresh(kind);
      setCounter(buffer, HEAD_POSITION_OFFSET, head);
      setCounter(buffer, TAIL_POSITION_OFFSET, 0);
      // Fill until the producer has to look at the real head.
      const error = (() => {
        try {
          for (let i = 0; i < CAPACITY; i++) if (!ring.write(1, new Uint8Array(64))) return 'full';
        } catch (caught) {
          return caught;
        }
        return 'never looked';
      })();
      expect(error).toMatchObject({ code: 'ERR_SHMRING_CORRUPT' });
    }
  });
});
