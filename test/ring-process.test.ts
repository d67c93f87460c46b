// The rings between real processes and between worker threads: every message checked for
// order, length and content (see children/ring-traffic.ts), totals and checksums exact.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

import { createRing, ringSegmentSize, type RingKind } from '../src/ring/index.js';
import { Segment } from '../src/segment/index.js';
import { finished, spawnChild } from './helpers/child.js';
import { uniqueShmName } from './helpers/names.js';
import { checksumOf } from './children/ring-traffic.js';

const CAPACITY = 64 * 1024;
const TIMEOUT_MS = 120_000;

async function acrossProcesses(
  kind: RingKind,
  producers: number,
  perProducer: number,
): Promise<number> {
  const name = uniqueShmName(`ring-${kind}`);
  const segment = Segment.create(name, ringSegmentSize(CAPACITY));
  try {
    const ring = createRing(segment.buffer, { kind, capacity: CAPACITY });
    const timeout = String(TIMEOUT_MS - 10_000);
    const consumer = finished(
      spawnChild('ring-consumer.ts', [name, String(producers), String(perProducer), timeout]),
      TIMEOUT_MS,
    );
    const senders = Array.from({ length: producers }, (_, p) =>
      finished(
        spawnChild('ring-producer.ts', [name, String(p), String(perProducer), timeout]),
        TIMEOUT_MS,
      ),
    );
    const sent = await Promise.all(senders);
    const received = await consumer;
    for (const result of [...sent, received]) expect(result.stderr).toBe('');
    for (const [p, result] of sent.entries()) {
      expect(result.code).toBe(0);
      expect(result.stdout.trim().split(' ')[3]).toBe(String(checksumOf(p, perProducer)));
    }
    expect(received.code).toBe(0);
    const checksums = Array.from({ length: producers }, (_, p) => checksumOf(p, perProducer));
    expect(received.stdout.trim()).toBe(`ok ${producers * perProducer} ${checksums.join(' ')}`);
    expect(ring.size()).toBe(0);
    return ring.consumerPosition() / CAPACITY;
  } finally {
    segment.close();
    segment.unlink();
  }
}

// Node 20 workers ignore `--import tsx` in execArgv: register tsx's loader inside the worker,
// then import the TypeScript worker script.
const TSX_API = import.meta.resolve('tsx/esm/api');
const WORKER_SCRIPT = new URL('./children/ring-worker.ts', import.meta.url).href;
const TS_WORKER = `import(${JSON.stringify(TSX_API)}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_SCRIPT)}); });`;

function runWorker(job: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(TS_WORKER, { eval: true, workerData: job });
    let result: unknown;
    worker.on('message', (message) => (result = message));
    worker.on('error', reject);
    worker.on('exit', (code) =>
      code === 0 ? resolve(result) : reject(new Error(`worker exited with ${code}`)),
    );
  });
}

async function acrossThreads(kind: RingKind, producers: number, count: number): Promise<void> {
  const buffer = new SharedArrayBuffer(ringSegmentSize(CAPACITY));
  const ring = createRing(buffer, { kind, capacity: CAPACITY });
  const job = { buffer, producers, count, timeoutMs: TIMEOUT_MS - 10_000 };
  const consumer = runWorker({ ...job, role: 'consumer', producer: 0 });
  const sent = await Promise.all(
    Array.from({ length: producers }, (_, p) =>
      runWorker({ ...job, role: 'producer', producer: p }),
    ),
  );
  const received = (await consumer) as { total: number; checksums: number[] };
  const checksums = Array.from({ length: producers }, (_, p) => checksumOf(p, count));
  for (const [p, result] of sent.entries())
    expect((result as { checksum: number }).checksum).toBe(checksums[p]);
  expect(received).toEqual({ total: producers * count, checksums });
  expect(ring.size()).toBe(0);
}

describe('ring between processes', () => {
  it(
    'SPSC: 10 million messages of random lengths, over more than 1000 wraps',
    { timeout: TIMEOUT_MS },
    async () => {
      const laps = await acrossProcesses('spsc', 1, 10_000_000);
      expect(laps).toBeGreaterThan(1000);
    },
  );

  it(
    'MPSC: 4 producer processes, one consumer, per-producer order kept',
    { timeout: TIMEOUT_MS },
    async () => {
      const laps = await acrossProcesses('mpsc', 4, 500_000);
      expect(laps).toBeGreaterThan(100);
    },
  );
});

describe('ring between worker threads', () => {
  it('SPSC: 10 million messages over a SharedArrayBuffer', { timeout: TIMEOUT_MS }, async () => {
    await acrossThreads('spsc', 1, 10_000_000);
  });

  it('MPSC: 4 producer threads', { timeout: TIMEOUT_MS }, async () => {
    await acrossThreads('mpsc', 4, 500_000);
  });
});
