// Property tests: random sequences of write / tryClaim / commit / abort / read, checked
// against a model of the ring (a queue of records plus the Agrona space rule), on small
// rings that wrap constantly, starting just below 2^32 so the 64-bit counters carry.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  DATA_OFFSET,
  HEADER_LENGTH,
  HEAD_CACHE_POSITION_OFFSET,
  HEAD_POSITION_OFFSET,
  TAIL_POSITION_OFFSET,
  alignRecord,
  createRing,
  ringSegmentSize,
  type RingBuffer,
  type RingKind,
} from '../src/ring/index.js';

type Op =
  | { op: 'write'; length: number; unalignedSource: boolean }
  | { op: 'claim'; length: number }
  | { op: 'commit'; pick: number }
  | { op: 'abort'; pick: number }
  | { op: 'read'; limit: number };

interface ModelRecord {
  position: number;
  aligned: number;
  state: 'message' | 'claimed' | 'skip';
  typeId: number;
  seed: number;
  length: number;
  index: number;
}

function byteOf(seed: number, i: number): number {
  return (seed * 7 + i * 13 + 1) & 0xff;
}

/** Sets head, head cache and tail to `position` (an empty ring that far along). */
function startAt(ring: RingBuffer, position: number): void {
  const wide = new BigInt64Array(ring.buffer);
  const trailer = DATA_OFFSET + ring.capacity;
  for (const offset of [TAIL_POSITION_OFFSET, HEAD_CACHE_POSITION_OFFSET, HEAD_POSITION_OFFSET]) {
    wide[(trailer + offset) / 8] = BigInt(position);
  }
}

function run(kind: RingKind, capacity: number, start: number, ops: Op[]): void {
  const ring = createRing(new SharedArrayBuffer(ringSegmentSize(capacity)), { kind, capacity });
  startAt(ring, start);
  const max = ring.maxMessageLength;
  const records: ModelRecord[] = [];
  let head = start;
  let tail = start;
  let seed = 0;
  const source = new Uint8Array(max + 3);

  /** The Agrona rule: the record index a claim of `aligned` bytes gets, or -1 when full. */
  function expectedClaim(aligned: number): { index: number; padding: number } {
    const required = kind === 'spsc' ? aligned + HEADER_LENGTH : aligned;
    const mask = capacity - 1;
    if (required > capacity - (tail - head)) return { index: -1, padding: 0 };
    const tailIndex = tail & mask;
    if (required > capacity - tailIndex) {
      if (required > (head & mask)) return { index: -1, padding: 0 };
      return { index: 0, padding: capacity - tailIndex };
    }
    return { index: tailIndex, padding: 0 };
  }

  function claimed(
    length: number,
    result: number,
    state: ModelRecord['state'],
    typeId: number,
    recordSeed: number,
  ): void {
    const aligned = alignRecord(length + HEADER_LENGTH);
    const expected = expectedClaim(aligned);
    if (expected.index < 0) {
      expect(result, 'a claim the model says cannot fit').toBe(-1);
      return;
    }
    expect(result, 'claimed index').toBe(DATA_OFFSET + expected.index + HEADER_LENGTH);
    if (expected.padding > 0) {
      records.push({
        position: tail,
        aligned: expected.padding,
        state: 'skip',
        typeId: -1,
        seed: 0,
        length: 0,
        index: -1,
      });
      tail += expected.padding;
    }
    records.push({
      position: tail,
      aligned,
      state,
      typeId,
      seed: recordSeed,
      length,
      index: result,
    });
    tail += aligned;
  }

  for (const step of ops) {
    switch (step.op) {
      case 'write': {
        const length = step.length % (max + 1);
        const typeId = 1 + (seed % 1000);
        const offset = step.unalignedSource ? 3 : 0;
        for (let i = 0; i < length; i++) source[offset + i] = byteOf(seed, i);
        const ok = ring.write(typeId, source, offset, length);
        claimed(
          length,
          ok
            ? DATA_OFFSET + expectedClaim(alignRecord(length + HEADER_LENGTH)).index + HEADER_LENGTH
            : -1,
          'message',
          typeId,
          seed,
        );
        seed++;
        break;
      }
      case 'claim': {
        const length = step.length % (max + 1);
        const typeId = 1 + (seed % 1000);
        const index = ring.tryClaim(typeId, length);
        if (index >= 0) for (let i = 0; i < length; i++) ring.bytes[index + i] = byteOf(seed, i);
        claimed(length, index, 'claimed', typeId, seed);
        seed++;
        break;
      }
      case 'commit':
      case 'abort': {
        const open = records.filter((r) => r.state === 'claimed');
        if (open.length === 0) break;
        const record = open[step.pick % open.length];
        if (step.op === 'commit') {
          ring.commit(record.index);
          record.state = 'message';
        } else {
          ring.abort(record.index);
          record.state = 'skip';
        }
        break;
      }
      case 'read': {
        const expected: ModelRecord[] = [];
        let consumed = 0;
        for (const record of records) {
          if (expected.length >= step.limit || record.state === 'claimed') break;
          consumed++;
          head = record.position + record.aligned;
          if (record.state === 'message') expected.push(record);
        }
        records.splice(0, consumed);
        const seen: ModelRecord[] = [];
        const count = ring.read((typeId, bytes, offset, length) => {
          const want = expected[seen.length];
          expect(want, 'a message the model does not expect').toBeDefined();
          expect([typeId, offset, length]).toEqual([want.typeId, want.index, want.length]);
          for (let i = 0; i < length; i++)
            if (bytes[offset + i] !== byteOf(want.seed, i))
              expect.fail(`byte ${i} of message ${want.seed}`);
          seen.push(want);
        }, step.limit);
        expect(count).toBe(expected.length);
        expect(seen.length).toBe(expected.length);
        break;
      }
    }
    expect(ring.consumerPosition()).toBe(head);
    expect(ring.producerPosition()).toBe(tail);
    expect(ring.size()).toBe(tail - head);
  }
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      length: fc.nat(4096),
      unalignedSource: fc.boolean(),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ op: fc.constant('claim' as const), length: fc.nat(4096) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('commit' as const), pick: fc.nat(8) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('abort' as const), pick: fc.nat(8) }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant('read' as const),
      limit: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(Infinity)),
    }),
    weight: 3,
  },
);

const caseArb = fc.record({
  capacity: fc.constantFrom(64, 128, 256, 1024),
  // Start at the 8-aligned positions just below the 32-bit carry, or at 0.
  start: fc.oneof(
    fc.constant(0),
    fc.nat(4096).map((k) => 2 ** 32 - 8 * k),
  ),
  ops: fc.array(opArb, { minLength: 1, maxLength: 400, size: 'max' }),
});

describe.each(['spsc', 'mpsc'] as const)('%s ring against the model', (kind) => {
  it('keeps order, content, positions and the space rule over many wraps', () => {
    fc.assert(
      fc.property(caseArb, ({ capacity, start, ops }) => run(kind, capacity, start, ops)),
      { numRuns: 300 },
    );
  });
});
