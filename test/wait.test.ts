import { afterEach, describe, expect, it } from 'vitest';

import { attachConsumer, attachProducer } from '../src/channel/endpoints.js';
import { createRing, ringSegmentSize } from '../src/ring/index.js';
import { Segment } from '../src/segment/index.js';
import { Interrupt } from '../src/wait/index.js';
import { RING_FALLBACK_MS } from '../src/wait/ring-alone.js';
import { openChannel } from '../src/index.js';
import { finished, lineFrom, spawnChild } from './helpers/child.js';
import { uniqueShmName } from './helpers/names.js';

const segments: Segment[] = [];
afterEach(() => {
  for (const segment of segments.splice(0)) {
    segment.close();
    segment.unlink();
  }
});

function channel(kind: 'spsc' | 'mpsc', capacity = 1 << 16): Segment {
  const segment = Segment.create(uniqueShmName('wait'), ringSegmentSize(capacity));
  segments.push(segment);
  createRing(segment.buffer, { kind, capacity });
  return segment;
}

async function peer(args: string[], timeoutMs = 60_000): Promise<Record<string, number | string>> {
  const result = await finished(spawnChild('wait-peer.ts', args), timeoutMs);
  if (result.code !== 0)
    throw new Error(`peer ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!);
}

describe('wake-ups across processes', () => {
  it('loses no wake-up over 1,000,000 park/wake cycles', async () => {
    const segment = channel('spsc');
    const cycles = 1_000_000;
    const [consumer, producer] = await Promise.all([
      peer(['consumer', segment.name, 'park', '0'], 240_000),
      peer(['producer', segment.name, 'park', String(cycles), 'cycle'], 240_000),
    ]);
    expect(producer).toMatchObject({ sent: cycles });
    expect(consumer).toMatchObject({ count: cycles, outOfOrder: 0 });
    expect(consumer.maxStallMs).toBeLessThan(1000);
    // Both races were exercised: many real sleeps in the kernel, and notifies that beat them.
    expect(consumer.parks).toBeGreaterThan(cycles / 20);
    expect(consumer.parks).toBeLessThan(cycles);
    expect(producer.maxPauseMs).toBeLessThan(1000);
  }, 300_000);

  it('loses no wake-up over 20,000 park/wake cycles on the event loop, and the rings end the sleeps', async () => {
    const segment = channel('spsc');
    const cycles = 20_000;
    const [consumer, producer] = await Promise.all([
      peer(['async-consumer', segment.name, 'park']),
      peer(['producer', segment.name, 'park', String(cycles), 'cycle']),
    ]);
    expect(producer).toMatchObject({ sent: cycles });
    expect(consumer).toMatchObject({ count: cycles, outOfOrder: 0 });
    expect(consumer.maxStallMs).toBeLessThan(1000);
    // Real sleeps (the event loop's longer way to sleep lets more notifies beat it).
    expect(consumer.parks).toBeGreaterThan(cycles / 100);
    expect(consumer.parks).toBeLessThan(cycles);
    // The producer's doorbell rings, not the futex pool, ended most sleeps (the pool joins a
    // sleep only after 1 ms without a ring, and a ring still ends it first when it can).
    expect(consumer.rings).toBeGreaterThan((consumer.parks as number) / 2);
    expect(consumer.rings).toBeLessThanOrEqual(consumer.parks as number);
  }, 120_000);

  for (const wait of ['spin', 'adaptive', 'park']) {
    it(`streams 200,000 messages with '${wait}' waiting on both sides`, async () => {
      const segment = channel('spsc', 4096);
      const [consumer, producer] = await Promise.all([
        peer(['consumer', segment.name, wait, '0']),
        peer(['producer', segment.name, wait, '200000', 'stream']),
      ]);
      expect(producer.sent).toBe(200_000);
      expect(consumer).toMatchObject({ count: 200_000, outOfOrder: 0 });
    });
  }
});

describe('back-pressure', () => {
  it('a fast producer waits for a slow consumer: memory bounded, every message arrives', async () => {
    const segment = channel('spsc', 1024);
    const [consumer, producer] = await Promise.all([
      peer(['consumer', segment.name, 'adaptive', '1']),
      peer(['producer', segment.name, 'adaptive', '20000', 'stream']),
    ]);
    expect(consumer).toMatchObject({ count: 20_000, outOfOrder: 0 });
    expect(producer.fullWaits).toBeGreaterThan(100); // it really was held back
    expect(producer.rssMb).toBeLessThan(200);
  });

  it('MPSC: three producers, end-of-stream only after all of them closed', async () => {
    const segment = channel('mpsc', 2048);
    const consumer = peer(['consumer', segment.name, 'adaptive', '0']);
    // Held open until the three have run, so that a fast one cannot end the stream early.
    const guard = attachProducer(segment.buffer);
    const producers = await Promise.all(
      [1, 2, 3].map(() => peer(['producer', segment.name, 'adaptive', '30000', 'stream'])),
    );
    guard.close();
    for (const producer of producers) expect(producer.sent).toBe(30_000);
    expect(await consumer).toMatchObject({ count: 90_000, outOfOrder: 0, producers: 3 });
  });
});

describe('idle consumer', () => {
  it("uses under 1% of a CPU over 5 s of silence with the default 'adaptive' waiting", async () => {
    const segment = channel('spsc');
    const idle = await peer(['idle', segment.name]);
    expect(idle.n).toBe(0);
    expect(idle.wallMs).toBeGreaterThanOrEqual(4900);
    expect(idle.cpuMs).toBeLessThan(50);
  });
});

describe('an idle receive and the life of the process', () => {
  /** Runs test/children/receive-idle.ts on a new channel; `send` (if given) once it waits. */
  async function receiveIdle(how: 'ref' | 'unref' | 'reref' | 'close', send?: number) {
    const name = uniqueShmName('receive-idle');
    try {
      const child = spawnChild('receive-idle.ts', [name, how]);
      const done = finished(child, 20_000);
      await lineFrom(child, /^waiting$/);
      if (send !== undefined) {
        // Past the ring-alone sleep's time: the process stayed alive through it, then in the pool.
        await new Promise((resolve) => setTimeout(resolve, RING_FALLBACK_MS + 30));
        const sender = openChannel<number>(name);
        sender.sendSync(send);
        sender.close();
      }
      const result = await done;
      expect(result.code).toBe(0);
      return result.stdout;
    } finally {
      try {
        Segment.unlink(name);
      } catch {
        // Unlinked by the child's receiver already.
      }
    }
  }

  // At once: not after the ring-alone sleep's time (RING_FALLBACK_MS); a stalled scheduler
  // gets three tries.
  it.each([
    ['unref', 'an unref()ed receiver awaiting receive() lets the process exit'],
    ['close', 'a receiver closed while receive() waits lets the process exit'],
  ] as const)('%s: %s at once, its ring-alone sleep included', async (how, _what) => {
    const elapsed: number[] = [];
    for (let run = 0; run < 3 && !(Math.min(...elapsed) < RING_FALLBACK_MS); run++) {
      const stdout = await receiveIdle(how);
      expect(stdout).not.toMatch(/got/);
      if (how === 'close') expect(stdout).toMatch(/^rejected ERR_SHMRING_CLOSED$/m);
      elapsed.push(Number(/exit after ([\d.]+) ms/.exec(stdout)?.[1]));
    }
    expect(Math.min(...elapsed)).toBeLessThan(RING_FALLBACK_MS);
  });

  it('a receiver awaiting receive() keeps the process alive, on the ring alone and after, until a value comes', async () => {
    const stdout = await receiveIdle('ref', 7);
    expect(stdout).toMatch(/^got 7$/m);
  });

  it('ref() after unref() while receive() waits on the ring alone keeps the process alive again', async () => {
    const stdout = await receiveIdle('reref', 9);
    expect(stdout).toMatch(/^got 9$/m);
  });
});

describe('close', () => {
  it('the consumer drains what is left after the producer closes, then sees end-of-stream', () => {
    const segment = channel('spsc');
    const producer = attachProducer(segment.buffer);
    for (let i = 0; i < 5; i++) expect(producer.tryWrite(1, new Uint8Array([i]))).toBe(true);
    producer.close();
    const consumer = attachConsumer(segment.buffer);
    const seen: number[] = [];
    expect(consumer.poll((_t, bytes, offset) => seen.push(bytes[offset]))).toBe(5);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(consumer.poll(() => {})).toBe(-1);
    expect(consumer.readSync(() => {}, 1, { timeoutMs: 1000 })).toBe(-1);
    expect(() => attachProducer(segment.buffer)).toThrow(
      expect.objectContaining({ code: 'EPIPE' }),
    );
    consumer.close();
  });

  it('sends fail with EPIPE at once after the consumer closed', () => {
    const segment = channel('spsc');
    const producer = attachProducer(segment.buffer);
    const consumer = attachConsumer(segment.buffer);
    consumer.close();
    expect(() => producer.tryWrite(1, new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: 'EPIPE' }),
    );
    expect(() => producer.offerSync(() => false)).toThrow(
      expect.objectContaining({ code: 'EPIPE' }),
    );
    producer.close();
  });

  it('a producer blocked on a full ring in another process is woken by the close and fails with EPIPE', async () => {
    const segment = channel('spsc', 1024);
    const consumer = attachConsumer(segment.buffer, { wait: 'park' });
    const producer = peer(['producer', segment.name, 'park', '0', 'fill']);
    // Wait until the producer is parked on the full ring, then close.
    while (consumer.control.spaceAvailable.sleepers === 0)
      await new Promise((r) => setTimeout(r, 5));
    const closedAt = performance.now();
    consumer.close();
    const result = await producer;
    expect(result.error).toBe('EPIPE');
    expect(result.fullWaits).toBe(1);
    expect(performance.now() - closedAt).toBeLessThan(5000);
  });

  it('a second producer on a single-producer channel is refused', () => {
    const segment = channel('spsc');
    const first = attachProducer(segment.buffer);
    expect(() => attachProducer(segment.buffer)).toThrow(
      expect.objectContaining({ code: 'EBUSY' }),
    );
    first.close();
  });

  it('a pending async read is aborted by its signal, and a read times out', async () => {
    const segment = channel('spsc');
    const consumer = attachConsumer(segment.buffer, { wait: 'park' });
    const controller = new AbortController();
    const pending = consumer.readAsync(() => {}, 1, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: 'ABORT_ERR' });
    expect(await consumer.readAsync(() => {}, 1, { timeoutMs: 20 })).toBe(0);
    expect(consumer.readSync(() => {}, 1, { timeoutMs: 20 })).toBe(0);
    expect(consumer.control.dataAvailable.sleepers).toBe(0); // every announcement withdrawn
    consumer.close();
  });
});

describe('Interrupt (the waits’ own AbortSignal stand-in)', () => {
  it('runs each listener once, in order, on the first abort; none added late or removed', () => {
    const interrupt = new Interrupt();
    const calls: string[] = [];
    const removed = (): void => void calls.push('removed');
    interrupt.addEventListener('abort', () => calls.push('a'));
    interrupt.addEventListener('abort', removed);
    interrupt.addEventListener('abort', () => calls.push('b'));
    interrupt.removeEventListener('abort', removed);
    expect(interrupt.aborted).toBe(false);
    interrupt.abort();
    interrupt.abort();
    interrupt.addEventListener('abort', () => calls.push('late'));
    expect(interrupt.aborted).toBe(true);
    expect(calls).toEqual(['a', 'b']);
  });
});
