// The ring API in one process: metadata, zero-copy claims, argument checks, counters,
// the read across the wrap, 64-bit positions, MPSC unblock, and the MPSC consumer's zeroing.
import { describe, expect, it, vi } from 'vitest';

import {
  DATA_OFFSET,
  HEAD_CACHE_POSITION_OFFSET,
  HEAD_POSITION_OFFSET,
  PRODUCER_REGISTRY_OFFSET,
  STATUS_OFFSET,
  TAIL_POSITION_OFFSET,
  attachRing,
  createRing,
  processStartTime,
  ringSegmentSize,
  type RingBuffer,
  type RingKind,
} from '../src/ring/index.js';
import { Segment } from '../src/segment/index.js';
import { uniqueShmName } from './helpers/names.js';

function ringOf(kind: RingKind, capacity = 1024): RingBuffer {
  return createRing(new SharedArrayBuffer(ringSegmentSize(capacity)), { kind, capacity });
}

function drain(ring: RingBuffer, limit = Infinity): Array<[number, number[]]> {
  const out: Array<[number, number[]]> = [];
  ring.read((typeId, bytes, offset, length) => {
    expect(offset % 8).toBe(0);
    out.push([typeId, Array.from(bytes.subarray(offset, offset + length))]);
  }, limit);
  return out;
}

function counter(ring: RingBuffer, offset: number): bigint {
  return new BigInt64Array(ring.buffer)[(DATA_OFFSET + ring.capacity + offset) / 8];
}

function setCounter(ring: RingBuffer, offset: number, value: number): void {
  new BigInt64Array(ring.buffer)[(DATA_OFFSET + ring.capacity + offset) / 8] = BigInt(value);
}

describe('a ring in a shared-memory segment', () => {
  it('is seen by a second mapping, with the creator identity in its metadata', () => {
    const name = uniqueShmName('ring-api');
    const before = Date.now();
    const segment = Segment.create(name, ringSegmentSize(4096));
    try {
      const producer = createRing(segment.buffer, { kind: 'spsc', capacity: 4096 });
      const other = Segment.open(name);
      try {
        const consumer = attachRing(other.buffer);
        const { metadata } = consumer as unknown as { metadata: Record<string, number> };
        expect(metadata).toMatchObject({
          kind: 'spsc',
          capacity: 4096,
          maxMessageLength: 512,
          creatorPid: process.pid,
        });
        expect(metadata.creatorStartTime).toBe(processStartTime());
        expect(metadata.creatorStartTime).toBeGreaterThan(0);
        expect(metadata.createdAt).toBeGreaterThanOrEqual(before);
        expect(metadata.createdAt).toBeLessThanOrEqual(Date.now());
        // Status, wake-up lines and producer registry start zeroed.
        expect(
          new Int32Array(
            other.buffer,
            STATUS_OFFSET,
            (PRODUCER_REGISTRY_OFFSET + 64 * 32 - STATUS_OFFSET) / 4,
          ).every((w) => w === 0),
        ).toBe(true);
        expect(producer.write(9, Buffer.from('hello'))).toBe(true);
        expect(drain(consumer)).toEqual([[9, Array.from(Buffer.from('hello'))]]);
        expect(producer.size()).toBe(0);
      } finally {
        other.close();
      }
    } finally {
      segment.close();
      segment.unlink();
    }
  });
});

describe.each(['spsc', 'mpsc'] as const)('%s ring API', (kind) => {
  it('writes whole sources, slices and empty messages', () => {
    const ring = ringOf(kind);
    const source = Uint8Array.from([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
    ]);
    expect(ring.write(1, source)).toBe(true);
    expect(ring.write(2, source, 3)).toBe(true);
    expect(ring.write(3, source, 1, 18)).toBe(true);
    expect(ring.write(4, source, 2, 2)).toBe(true);
    expect(ring.write(5, source, 20, 0)).toBe(true);
    expect(drain(ring)).toEqual([
      [1, Array.from(source)],
      [2, Array.from(source.subarray(3))],
      [3, Array.from(source.subarray(1, 19))],
      [4, [3, 4]],
      [5, []],
    ]);
  });

  it('claims zero-copy, commits and aborts', () => {
    const ring = ringOf(kind);
    const a = ring.tryClaim(11, 3);
    const b = ring.tryClaim(12, 2);
    expect(a % 8).toBe(0);
    ring.bytes.set([1, 2, 3], a);
    ring.bytes.set([9, 9], b);
    expect(drain(ring)).toEqual([]); // the first claim is still open
    ring.commit(a);
    ring.abort(b);
    expect(() => ring.commit(a)).toThrow(
      expect.objectContaining({ code: 'ERR_SHMRING_NOT_CLAIMED' }),
    );
    expect(() => ring.abort(b)).toThrow(
      expect.objectContaining({ code: 'ERR_SHMRING_NOT_CLAIMED' }),
    );
    for (const bogus of [
      0,
      a + 1,
      a - 8 - DATA_OFFSET,
      DATA_OFFSET + ring.capacity + 8,
      1.5,
      NaN,
    ]) {
      expect(() => ring.commit(bogus)).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
      );
    }
    expect(drain(ring)).toEqual([[11, [1, 2, 3]]]);
  });

  it('returns false / -1 when full, and takes messages again once read', () => {
    const ring = ringOf(kind, 64);
    let written = 0;
    while (ring.write(1, new Uint8Array(8))) written++;
    expect(written).toBeGreaterThan(0);
    expect(ring.tryClaim(1, 8)).toBe(-1);
    expect(ring.size()).toBeGreaterThan(64 - 24);
    expect(drain(ring).length).toBe(written);
    expect(ring.write(1, new Uint8Array(8))).toBe(true);
  });

  it('reads across the wrap in one call, and respects the limit', () => {
    const ring = ringOf(kind, 64);
    // 3 records of 16 bytes, read; then records that wrap (padding at 48).
    for (let i = 0; i < 3; i++) ring.write(1, new Uint8Array(8));
    expect(drain(ring).length).toBe(3);
    expect(ring.write(2, new Uint8Array(8).fill(2))).toBe(true);
    expect(ring.write(3, new Uint8Array(8).fill(3))).toBe(true);
    expect(drain(ring, 1)).toEqual([[2, [2, 2, 2, 2, 2, 2, 2, 2]]]);
    expect(drain(ring)).toEqual([[3, [3, 3, 3, 3, 3, 3, 3, 3]]]);
    expect(ring.read(() => {}, 0)).toBe(0);
  });

  it('validates its arguments', () => {
    const ring = ringOf(kind);
    const bytes = new Uint8Array(16);
    for (const typeId of [0, -1, 2 ** 31, 1.5, NaN]) {
      expect(() => ring.write(typeId, bytes)).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
      );
      expect(() => ring.tryClaim(typeId, 1)).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
      );
    }
    expect(() => ring.write('1' as unknown as number, bytes)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => ring.write(1, new Uint8Array(ring.maxMessageLength + 1))).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => ring.tryClaim(1, -1)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => ring.write(1, bytes, 10, 7)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => ring.write(1, bytes, -1, 2)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => ring.write(1, [1, 2] as unknown as Uint8Array)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => ring.write(1, null as unknown as Uint8Array)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => ring.read(null as unknown as () => void)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => ring.read(() => {}, -1)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(ring.size()).toBe(0);
  });

  it('hands out correlation ids and keeps the consumer heartbeat', () => {
    const ring = ringOf(kind);
    expect([ring.nextCorrelationId(), ring.nextCorrelationId(), ring.nextCorrelationId()]).toEqual([
      0, 1, 2,
    ]);
    expect(ring.consumerHeartbeatTime).toBe(0);
    const now = Date.now();
    ring.consumerHeartbeatTime = now;
    expect(attachRing(ring.buffer).consumerHeartbeatTime).toBe(now);
  });

  it('refuses a read from inside a handler', () => {
    const ring = ringOf(kind);
    ring.write(1, new Uint8Array(4));
    ring.write(2, new Uint8Array(4));
    expect(() => ring.read(() => ring.read(() => {}))).toThrow(
      expect.objectContaining({ code: 'ERR_SHMRING_REENTRANT' }),
    );
    expect(drain(ring).map(([typeId]) => typeId)).toEqual([2]);
  });

  it('commits the messages read before a handler throws', () => {
    const ring = ringOf(kind);
    for (let i = 1; i <= 3; i++) ring.write(i, new Uint8Array(4));
    expect(() =>
      ring.read((typeId) => {
        if (typeId === 2) throw new Error('handler failed');
      }),
    ).toThrow('handler failed');
    expect(drain(ring).map(([typeId]) => typeId)).toEqual([3]);
  });

  it('carries positions past 2^32 with whole 64-bit values', () => {
    const ring = ringOf(kind, 64);
    const start = 2 ** 32 - 32;
    for (const offset of [TAIL_POSITION_OFFSET, HEAD_CACHE_POSITION_OFFSET, HEAD_POSITION_OFFSET])
      setCounter(ring, offset, start);
    for (let i = 0; i < 20; i++) {
      expect(ring.write(i + 1, new Uint8Array([i]))).toBe(true);
      expect(drain(ring)).toEqual([[i + 1, [i]]]);
    }
    expect(ring.producerPosition()).toBeGreaterThan(2 ** 32);
    expect(counter(ring, TAIL_POSITION_OFFSET)).toBe(BigInt(ring.producerPosition()));
    expect(counter(ring, HEAD_POSITION_OFFSET)).toBe(BigInt(ring.consumerPosition()));
    expect(ring.consumerPosition()).toBe(ring.producerPosition());
  });
});

describe('unblock', () => {
  it('is a no-op for SPSC and for an MPSC ring with nothing stuck', () => {
    expect(ringOf('spsc').unblock()).toBe(false);
    const ring = ringOf('mpsc');
    expect(ring.unblock()).toBe(false);
    ring.write(1, new Uint8Array(3));
    expect(ring.unblock()).toBe(false);
  });

  it('skips a claim left in progress (negative length) by a dead producer', () => {
    const ring = ringOf('mpsc');
    const dead = ring.tryClaim(1, 20); // never committed
    expect(dead).toBeGreaterThan(0);
    ring.write(2, new Uint8Array([7]));
    expect(drain(ring)).toEqual([]);
    expect(ring.unblock()).toBe(true);
    expect(drain(ring)).toEqual([[2, [7]]]);
    expect(ring.size()).toBe(0);
  });

  it('skips a claim that was never even marked, up to the next record', () => {
    const ring = ringOf('mpsc');
    // A producer won the CAS for 32 bytes and died before writing anything.
    setCounter(ring, TAIL_POSITION_OFFSET, 32);
    ring.write(2, new Uint8Array([8]));
    expect(ring.unblock()).toBe(true);
    expect(drain(ring)).toEqual([[2, [8]]]);
  });

  it('leaves an unmarked claim alone while nothing follows it', () => {
    const ring = ringOf('mpsc');
    setCounter(ring, TAIL_POSITION_OFFSET, 32);
    expect(ring.unblock()).toBe(false);
    expect(ring.consumerPosition()).toBe(0);
  });

  it('skips an unmarked claim that runs to the end of the data area once the tail has wrapped', () => {
    const ring = ringOf('mpsc', 64);
    // Consumer at 32; a dead producer claimed 32..63 unmarked; another wrote at 64 (index 0).
    for (const offset of [HEAD_POSITION_OFFSET, HEAD_CACHE_POSITION_OFFSET, TAIL_POSITION_OFFSET])
      setCounter(ring, offset, 32);
    setCounter(ring, TAIL_POSITION_OFFSET, 64);
    expect(ring.write(3, new Uint8Array([9]))).toBe(true);
    expect(drain(ring)).toEqual([]);
    expect(ring.unblock()).toBe(true);
    expect(drain(ring)).toEqual([[3, [9]]]);
  });
});

describe('MPSC claim across a 4 GiB ABA of the tail', () => {
  it('waits for the consumer before using space claimed with a stale view', () => {
    const ring = ringOf('mpsc', 64);
    const start = 2 ** 32 - 64;
    for (const offset of [TAIL_POSITION_OFFSET, HEAD_CACHE_POSITION_OFFSET, HEAD_POSITION_OFFSET])
      setCounter(ring, offset, start);
    // While this producer is "descheduled" before its CAS, others move the tail on by
    // exactly 2^32 and leave the ring full; the consumer frees space only later.
    const lapped = start + 2 ** 32;
    const cas = Atomics.compareExchange;
    const wait = Atomics.wait;
    let waits = 0;
    const casSpy = vi.spyOn(Atomics, 'compareExchange').mockImplementation(((
      ...args: Parameters<typeof cas>
    ) => {
      casSpy.mockRestore();
      setCounter(ring, TAIL_POSITION_OFFSET, lapped);
      setCounter(ring, HEAD_POSITION_OFFSET, lapped - 64);
      return cas(...args);
    }) as typeof cas);
    const waitSpy = vi.spyOn(Atomics, 'wait').mockImplementation(((
      ...args: Parameters<typeof wait>
    ) => {
      waits++;
      setCounter(ring, HEAD_POSITION_OFFSET, lapped - 48);
      return wait(...args);
    }) as typeof wait);
    try {
      expect(ring.write(1, new Uint8Array(8))).toBe(true);
    } finally {
      casSpy.mockRestore();
      waitSpy.mockRestore();
    }
    expect(waits).toBeGreaterThan(0);
    expect(ring.producerPosition()).toBe(lapped + 16);
  });
});

describe('MPSC consumer zeroing', () => {
  // Producers claim space without clearing it, and unblock()'s scan for unmarked claims
  // needs zeros: every byte the head gives back must be zero, however it was released.
  function expectFreeSpaceZero(ring: RingBuffer): void {
    const data = new Uint8Array(ring.buffer, DATA_OFFSET, ring.capacity);
    const tail = ring.producerPosition();
    const end = ring.consumerPosition() + ring.capacity;
    for (let position = tail; position < end; position++)
      if (data[position % ring.capacity] !== 0)
        expect.fail(`byte at position ${position} (head ${end - ring.capacity}) is not zero`);
  }

  it('leaves every released byte zero, one record or many at once, across laps', () => {
    const ring = ringOf('mpsc', 1024);
    const payload = new Uint8Array(128).fill(0xab);
    const sizes = [0, 5, 16, 40, 100, 128, 9];
    // Releases of one record (a few bytes) up to several hundred bytes, through the wrap.
    const releases = [1, 3, 1, 7, 2, 12, 1, 5];
    let sent = 0;
    let round = 0;
    while (ring.consumerPosition() < 20 * ring.capacity) {
      while (ring.write(1, payload, 0, sizes[sent % sizes.length])) sent++;
      expectFreeSpaceZero(ring);
      const ends: number[] = [];
      ring.peek(() => ends.push(ring.peeked));
      for (let i = releases[round++ % releases.length] - 1; i < ends.length;) {
        ring.release(ends[i]);
        expectFreeSpaceZero(ring);
        i += releases[round++ % releases.length];
      }
      ring.release(ring.peeked);
      expectFreeSpaceZero(ring);
    }
    expect(ring.size()).toBe(0);
  });
});
