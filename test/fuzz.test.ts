// Shared memory is never trusted: random corruption of the metadata page, the record
// headers and the trailer must end in a typed error (or valid data), never in a crash, a
// hang, an out-of-bounds read or an untyped exception.
import { describe, expect, it } from 'vitest';

import { attachConsumer, attachProducer } from '../src/channel/endpoints.js';
import { attachRing, createRing, METADATA_LENGTH, ringSegmentSize } from '../src/ring/index.js';

const CAPACITY = 1024;
const TYPED = new Set([
  'ERR_SHMRING_BAD_FORMAT',
  'ERR_SHMRING_NOT_READY',
  'ERR_SHMRING_CORRUPT',
  'ERR_SHMRING_BROKEN',
]);

// A small deterministic PRNG, so a failure names a reproducible iteration.
function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

// A ring with some records written and some consumed, in a fresh buffer.
function populated(random: () => number, kind: 'spsc' | 'mpsc'): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(ringSegmentSize(CAPACITY));
  const ring = createRing(buffer, { kind, capacity: CAPACITY });
  const payload = new Uint8Array(64).fill(0xab);
  for (let i = 0, n = Math.floor(random() * 40); i < n; i++) {
    if (!ring.write(1 + (i % 3), payload, 0, Math.floor(random() * 64))) ring.read(() => {}, 3);
  }
  return buffer;
}

// Overwrites a few words where structure lives: metadata page, record headers, trailer.
function corrupt(buffer: SharedArrayBuffer, random: () => number): void {
  const words = new Int32Array(buffer);
  const trailer = (METADATA_LENGTH + CAPACITY) >>> 2;
  const regions = [
    () => Math.floor(random() * (METADATA_LENGTH >>> 2)),
    () => (METADATA_LENGTH >>> 2) + 2 * Math.floor(random() * (CAPACITY >>> 3)), // a header's length word
    () => trailer + Math.floor(random() * (768 >>> 2)),
  ];
  const garbage = [0, -1, 1, 7, 8, 0x7fffffff, -0x80000000, CAPACITY, CAPACITY + 8, -16, 4096];
  for (let i = 0, n = 1 + Math.floor(random() * 3); i < n; i++) {
    const at = regions[Math.floor(random() * regions.length)]();
    words[at] =
      random() < 0.5 ? garbage[Math.floor(random() * garbage.length)] : (random() * 2 ** 32) | 0;
  }
}

function expectTyped(error: unknown, iteration: number): void {
  const code = (error as { code?: string }).code ?? '';
  if (!TYPED.has(code))
    throw new Error(`iteration ${iteration}: untyped error ${String(error)} (code ${code})`, {
      cause: error,
    });
}

describe('fuzz', () => {
  it('10,000 corrupted rings: attach, read, write end in valid data or a typed error', () => {
    const outcomes = { ok: 0, typed: 0 };
    const started = performance.now();
    for (let iteration = 0; iteration < 10_000; iteration++) {
      const random = prng(iteration + 1);
      const buffer = populated(random, iteration % 2 === 0 ? 'spsc' : 'mpsc');
      corrupt(buffer, random);
      try {
        const ring = attachRing(buffer);
        // Reads are bounded: however the records look, a drain must end.
        for (let round = 0; round < 64 && ring.read(() => {}, 1000) > 0; round++);
        ring.write(1, new Uint8Array(16));
        ring.size();
        outcomes.ok++;
      } catch (error) {
        expectTyped(error, iteration);
        outcomes.typed++;
      }
    }
    // Both paths were exercised, and quickly (no hang anywhere).
    expect(outcomes.typed).toBeGreaterThan(500);
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('a channel whose records are corrupt is marked broken: the receiver and its senders get typed errors', () => {
    const buffer = new SharedArrayBuffer(ringSegmentSize(CAPACITY));
    createRing(buffer, { kind: 'spsc', capacity: CAPACITY });
    const producer = attachProducer(buffer);
    const consumer = attachConsumer(buffer);
    producer.tryWrite(1, new Uint8Array(8));
    new Int32Array(buffer)[METADATA_LENGTH >>> 2] = 0x7fff0000; // the first record's length: garbage
    expect(() => consumer.poll(() => {})).toThrow(
      expect.objectContaining({ code: 'ERR_SHMRING_CORRUPT' }),
    );
    expect(consumer.control.broken).toBe(true);
    expect(() => consumer.poll(() => {})).toThrow(
      expect.objectContaining({ code: 'ERR_SHMRING_BROKEN' }),
    );
    expect(() => producer.tryWrite(1, new Uint8Array(8))).toThrow(
      expect.objectContaining({ code: 'ERR_SHMRING_BROKEN' }),
    );
  });
});
