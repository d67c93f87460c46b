// A C program built from native/include/shmring.h alone shares rings with TypeScript:
// C creates and TS attaches, C produces and TS consumes, TS produces and C consumes, and
// C and TS producers share one MPSC ring.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { attachRing, createRing, ringSegmentSize, type RingKind } from '../src/ring/index.js';
import { Segment } from '../src/segment/index.js';
import { finished, spawnChild, type ChildResult } from './helpers/child.js';
import { useCProgram } from './helpers/c-program.js';
import { uniqueShmName } from './helpers/names.js';
import { Verifier, abortsOf, checksumOf, consume, produce } from './children/ring-traffic.js';

const CAPACITY = 64 * 1024;
const COUNT = 500_000;
const cProgram = useCProgram('ring_interop');

function c(...args: string[]): Promise<ChildResult> {
  return finished(spawn(cProgram(), args, { stdio: ['ignore', 'pipe', 'pipe'] }), 90_000);
}

function expectOk(result: ChildResult, line: string): void {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout.trim()).toBe(line);
}

/** Runs `body` with a fresh ring segment, always unlinking it. */
async function withSegment(
  kind: RingKind,
  body: (name: string, segment: Segment) => Promise<void>,
): Promise<void> {
  const name = uniqueShmName(`ring-c-${kind}`);
  const segment = Segment.create(name, ringSegmentSize(CAPACITY));
  try {
    createRing(segment.buffer, { kind, capacity: CAPACITY });
    await body(name, segment);
  } finally {
    segment.close();
    segment.unlink();
  }
}

/** Reads in this process, giving the event loop a turn now and then so child output flows. */
async function consumeHere(
  segment: Segment,
  producers: number,
  perProducer: number,
): Promise<Verifier> {
  const ring = attachRing(segment.buffer);
  const verifier = new Verifier(producers, ring.maxMessageLength);
  const total = producers * perProducer;
  const deadline = Date.now() + 80_000;
  while (verifier.total < total) {
    consume(ring, verifier, Math.min(total, verifier.total + 50_000), deadline, false);
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(verifier.total).toBe(total);
  expect(ring.read(verifier.handler)).toBe(0);
  return verifier;
}

describe('C and TypeScript share rings', () => {
  it.each(['spsc', 'mpsc'] as const)(
    'C creates an %s ring, TypeScript attaches and validates it',
    async (kind) => {
      const name = uniqueShmName(`ring-c-create-${kind}`);
      try {
        const child = spawn(cProgram(), ['create', name, kind, String(CAPACITY)], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const result = await finished(child);
        expectOk(result, `created ${child.pid}`);
        const segment = Segment.open(name);
        try {
          const ring = attachRing(segment.buffer, kind);
          expect(ring.capacity).toBe(CAPACITY);
          expect(ring.metadata).toMatchObject({
            kind,
            capacity: CAPACITY,
            maxMessageLength: CAPACITY / 8,
            creatorPid: child.pid,
          });
          expect(ring.metadata.creatorStartTime).toBeGreaterThan(0);
          expect(Math.abs(ring.metadata.createdAt - Date.now())).toBeLessThan(600_000);
          expect(ring.write(5, new Uint8Array([1, 2, 3]))).toBe(true);
          expect(ring.read(() => {})).toBe(1);
        } finally {
          segment.close();
        }
      } finally {
        Segment.unlink(name);
      }
    },
  );

  it('SPSC: C produces, TypeScript consumes', { timeout: 90_000 }, async () => {
    await withSegment('spsc', async (name, segment) => {
      const producer = c('produce', name, '0', String(COUNT));
      const verifier = await consumeHere(segment, 1, COUNT);
      expect(verifier.checksums).toEqual([checksumOf(0, COUNT)]);
      expectOk(await producer, `done ${COUNT} ${abortsOf(0, COUNT)} ${checksumOf(0, COUNT)}`);
    });
  });

  it('SPSC: TypeScript produces, C consumes', { timeout: 90_000 }, async () => {
    await withSegment('spsc', async (name, segment) => {
      const consumer = c('consume', name, '1', String(COUNT));
      produce(attachRing(segment.buffer), 0, COUNT, Date.now() + 80_000);
      expectOk(await consumer, `ok ${COUNT} ${checksumOf(0, COUNT)}`);
    });
  });

  it(
    'MPSC: two C producers and a TypeScript producer process, TypeScript consumes',
    { timeout: 90_000 },
    async () => {
      const per = COUNT / 2;
      await withSegment('mpsc', async (name, segment) => {
        const producers = [
          c('produce', name, '0', String(per)),
          c('produce', name, '1', String(per)),
          finished(spawnChild('ring-producer.ts', [name, '2', String(per)]), 90_000),
        ];
        const verifier = await consumeHere(segment, 3, per);
        expect(verifier.checksums).toEqual([0, 1, 2].map((p) => checksumOf(p, per)));
        for (const [p, result] of (await Promise.all(producers)).entries())
          expectOk(result, `done ${per} ${abortsOf(p, per)} ${checksumOf(p, per)}`);
      });
    },
  );

  it(
    'MPSC: a TypeScript producer process and a C producer, C consumes',
    { timeout: 90_000 },
    async () => {
      const per = COUNT / 2;
      await withSegment('mpsc', async (name) => {
        const consumer = c('consume', name, '2', String(per));
        const producers = [
          finished(spawnChild('ring-producer.ts', [name, '0', String(per)]), 90_000),
          c('produce', name, '1', String(per)),
        ];
        for (const result of await Promise.all(producers)) expect(result.code).toBe(0);
        expectOk(await consumer, `ok ${2 * per} ${checksumOf(0, per)} ${checksumOf(1, per)}`);
      });
    },
  );
});
