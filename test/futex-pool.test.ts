// Async waits scale: any number of pending FutexWaiter waits (and so of channels awaiting
// receive()) in one process share a few native threads that sleep on all their words at
// once (futex_waitv), cost no CPU while idle, and wake each waiter for its own word.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { once } from 'node:events';

import { createChannel } from '../src/channel/index.js';
import { FutexWaiter } from '../src/futex/index.js';
import { attachRing } from '../src/ring/index.js';
import { Segment } from '../src/segment/index.js';
import { finished, spawnChild } from './helpers/child.js';
import { useCleanups } from './helpers/cleanup.js';
import { uniqueShmName } from './helpers/names.js';
import { tsWorker } from './helpers/worker.js';

const defer = useCleanups();

const WAITS = 1000;
// futex_waitv takes 128 words; each pool thread keeps one for its control word.
const MAX_POOL_THREADS = 16;

const threads = (): number => readdirSync('/proc/self/task').length;

/** CPU time (user + system, ms) this process uses over `ms` of waiting. */
async function cpuOver(ms: number): Promise<number> {
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** Settles within `ms`, or fails the test. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not settle in ${ms} ms`)), ms),
    ),
  ]);
}

describe('many async waits at once', () => {
  it(`${WAITS} futex words: few threads, idle CPU low, each woken by another process, closes prompt`, async () => {
    const name = uniqueShmName('many');
    const segment = Segment.create(name, WAITS * 4);
    defer(
      () => Segment.unlink(name),
      () => segment.close(),
    );
    const baseline = threads();
    const waiters = Array.from({ length: WAITS }, () => new FutexWaiter());
    defer(() => waiters.forEach((waiter) => waiter.close()));
    const outcomes: Array<string | undefined> = new Array(WAITS).fill(undefined);
    const pending = waiters.map((waiter, i) =>
      waiter.wait(segment.buffer, i * 4, 0).then(
        (result) => (outcomes[i] = result),
        (error: { code?: string }) => (outcomes[i] = error.code ?? String(error)),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 100)); // all asleep in the pool
    const added = threads() - baseline;
    expect(added).toBeGreaterThan(0);
    expect(added).toBeLessThanOrEqual(MAX_POOL_THREADS);

    // Idle: no periodic wake-ups (one thread per wait waking every 100 ms used 25% of a core).
    expect(await cpuOver(1000)).toBeLessThan(100);
    expect(outcomes.every((outcome) => outcome === undefined)).toBe(true);

    // Another process wakes the even words only: exactly those resolve.
    const child = spawnChild('futex-wake-many.ts', [name, '0', String(WAITS / 2), '2']);
    // (How many it finds asleep depends on how far the pool threads got on a loaded machine:
    // a word changed before its thread sleeps again resolves as well.)
    expect((await finished(child)).stdout).toMatch(/^woke \d+/);
    await within(Promise.all(pending.filter((_, i) => i % 2 === 0)), 10_000, 'the woken waits');
    await new Promise((resolve) => setTimeout(resolve, 50));
    outcomes.forEach((outcome, i) => expect(outcome).toBe(i % 2 === 0 ? 'ok' : undefined));

    // Closing the others settles each of them at once.
    for (let i = 1; i < WAITS; i += 2) waiters[i].close();
    await within(Promise.all(pending), 2000, 'the closed waits');
    outcomes.forEach((outcome, i) =>
      expect(outcome).toBe(i % 2 === 0 ? 'ok' : 'ERR_SHMRING_CLOSED'),
    );
  });

  it('an AbortSignal cancels one wait among hundreds, promptly, and only that one', async () => {
    const name = uniqueShmName('abort');
    const segment = Segment.create(name, 4096);
    defer(
      () => Segment.unlink(name),
      () => segment.close(),
    );
    const waiters = Array.from({ length: 300 }, () => new FutexWaiter());
    defer(() => waiters.forEach((waiter) => waiter.close()));
    const controller = new AbortController();
    let settled = 0;
    const pending = waiters.map((waiter, i) => {
      const promise = waiter.wait(segment.buffer, (i % 1024) * 4, 0, {
        signal: i === 150 ? controller.signal : undefined,
      });
      void promise.then(
        () => settled++,
        () => settled++,
      );
      return promise;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await expect(within(pending[150], 2000, 'the aborted wait')).rejects.toMatchObject({
      code: 'ABORT_ERR',
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(1);
  });

  it('300 channels awaiting receive() in one process each get their own message from another process', async () => {
    const prefix = `${uniqueShmName('chan')}-`;
    const count = 300;
    const baseline = threads();
    const receivers = Array.from({ length: count }, (_, i) =>
      createChannel<number>(`${prefix}${i}`, { capacity: 4096 }),
    );
    defer(() => receivers.forEach((receiver) => receiver.close({ unlink: true })));
    const received = Promise.all(receivers.map((receiver) => receiver.receive()));
    await new Promise((resolve) => setTimeout(resolve, 200)); // parked, past the spin
    expect(threads() - baseline).toBeLessThanOrEqual(MAX_POOL_THREADS);
    const child = spawnChild('channel-send-many.ts', [prefix, String(count)]);
    expect((await finished(child)).stdout).toContain('sent');
    expect(await within(received, 20_000, 'the receives')).toEqual(
      Array.from({ length: count }, (_, i) => i),
    );
  });

  it('channels awaiting receive() do not wake for their heartbeats: one timer runs them all', async () => {
    const prefix = `${uniqueShmName('beat')}-`;
    const count = 200;
    // Due every 50 ms each: a wait that woke for it would switch 20 times a second.
    const receivers = Array.from({ length: count }, (_, i) =>
      createChannel<number>(`${prefix}${i}`, { capacity: 4096, heartbeatTimeoutMs: 100 }),
    );
    defer(() => receivers.forEach((receiver) => receiver.close({ unlink: true })));
    const received = Promise.all(receivers.map((receiver) => receiver.receive()));
    await new Promise((resolve) => setTimeout(resolve, 300)); // parked, past the spin
    const pool = readdirSync('/proc/self/task').filter(
      (tid) => readFileSync(`/proc/self/task/${tid}/comm`, 'latin1').trim() === 'shmring-wait',
    );
    expect(pool.length).toBeGreaterThan(0);
    const switches = (): number =>
      pool
        .map((tid) => readFileSync(`/proc/self/task/${tid}/status`, 'latin1'))
        .reduce(
          (sum, status) => sum + Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)![1]),
          0,
        );
    const start = switches();
    const ring = attachRing(receivers[0]!.buffer);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // The pool's threads slept through the second (20 x 200 wake-ups if each wait had its own timer)...
    expect(switches() - start).toBeLessThan(100);
    // ... while the heartbeats went on, and a value still wakes its receiver.
    expect(Date.now() - ring.consumerHeartbeatTime).toBeLessThan(1000);
    const child = spawnChild('channel-send-many.ts', [prefix, String(count)]);
    expect((await finished(child)).stdout).toContain('sent');
    expect(await within(received, 20_000, 'the receives')).toEqual(
      Array.from({ length: count }, (_, i) => i),
    );
  });

  it('a worker terminated with waits pending: the pool lets go of them, the main thread goes on', async () => {
    const name = uniqueShmName('worker');
    const segment = Segment.create(name, 4096);
    defer(
      () => Segment.unlink(name),
      () => segment.close(),
    );
    for (let round = 0; round < 3; round++) {
      const worker = tsWorker(new URL('./children/futex-pool-worker.ts', import.meta.url), {
        workerData: segment.buffer,
      });
      expect((await once(worker, 'message'))[0]).toBe('waiting');
      await worker.terminate();
    }
    // The words those waits slept on still work for a waiter here, woken by another process.
    const waiter = new FutexWaiter();
    defer(() => waiter.close());
    const pending = waiter.wait(segment.buffer, 0, 0);
    const child = spawnChild('futex-wake-many.ts', [name, '0', '1', '1']);
    expect((await finished(child)).stdout).toContain('woke 1');
    expect(await within(pending, 10_000, 'the wait')).toBe('ok');
  });

  it('without futex_waitv (SHMRING_FUTEX_WAITV=0): one thread per wait, every ending still right', async () => {
    const name = uniqueShmName('fallback');
    const segment = Segment.create(name, 4096);
    defer(
      () => Segment.unlink(name),
      () => segment.close(),
    );
    const child = spawnChild('futex-fallback.ts', [name], {
      env: { ...process.env, SHMRING_FUTEX_WAITV: '0' },
    });
    const result = await finished(child);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      results: ['timed-out', 'ok', 'ABORT_ERR', 'ERR_SHMRING_CLOSED'],
      threadsAdded: 4, // one per wait: no futex_waitv to sleep on several words
      prompt: true,
    });
  });
});
