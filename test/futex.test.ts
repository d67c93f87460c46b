import { afterEach, describe, expect, it } from 'vitest';

import { FutexWaiter, wait, wake } from '../src/futex/index.js';
import { Segment } from '../src/segment/index.js';
import { finished, lineFrom, spawnChild } from './helpers/child.js';
import { uniqueShmName } from './helpers/names.js';

const segments: Segment[] = [];
afterEach(() => {
  for (const segment of segments.splice(0)) {
    segment.close();
    segment.unlink();
  }
});

function shared(): Segment {
  const segment = Segment.create(uniqueShmName('futex'), 4096);
  segments.push(segment);
  return segment;
}

// Word 0 is the futex word, word 1 counts child waiters (see children/futex-waiter.ts).
async function childWaiting(segment: Segment, expected: number, timeout: string) {
  const child = spawnChild('futex-waiter.ts', [segment.name, '0', String(expected), timeout]);
  const done = finished(child);
  await lineFrom(child, /^waiting$/);
  return { child, done };
}

describe('futex across processes', () => {
  it('a child blocked in wait is woken by the parent', async () => {
    const segment = shared();
    const words = new Int32Array(segment.buffer);
    const { done } = await childWaiting(segment, 0, 'forever');
    // The child prints before entering the kernel: wake until someone was really woken.
    let woken = 0;
    while (woken === 0) {
      await new Promise((r) => setTimeout(r, 5));
      Atomics.store(words, 0, 1);
      woken = wake(segment.buffer, 0, 1);
      if (woken === 0) Atomics.store(words, 0, 0);
    }
    expect(woken).toBe(1);
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/result=ok .* word=1/);
  });

  it('times out when nobody wakes it', async () => {
    const segment = shared();
    const { done } = await childWaiting(segment, 0, '100');
    const result = await done;
    expect(result.stdout).toMatch(/result=timed-out ms=(\d+)/);
    const ms = Number(/ms=([\d.]+)/.exec(result.stdout)![1]);
    expect(ms).toBeGreaterThanOrEqual(99);
  });

  it("returns 'not-equal' at once when the word differs", async () => {
    const segment = shared();
    Atomics.store(new Int32Array(segment.buffer), 0, 5);
    const { done } = await childWaiting(segment, 4, 'forever');
    expect((await done).stdout).toMatch(/result=not-equal/);
  });

  it('wake returns 0 when nobody waits', () => {
    expect(wake(shared().buffer, 0)).toBe(0);
  });
});

describe('futex arguments', () => {
  it('refuses bad buffers, offsets, values and timeouts with typed errors', () => {
    const { buffer } = shared();
    expect(() => wait(new ArrayBuffer(8) as unknown as SharedArrayBuffer, 0, 0, 0)).toThrow(
      TypeError,
    );
    expect(() => wait(buffer, 2, 0, 0)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => wait(buffer, 4096, 0, 0)).toThrow(RangeError);
    expect(() => wait(buffer, -4, 0, 0)).toThrow(RangeError);
    expect(() => wait(buffer, 0, 0, -1)).toThrow(RangeError);
    expect(() => wait(buffer, 0, 0, NaN)).toThrow(RangeError);
    expect(() => wake(buffer, 0, -1)).toThrow(RangeError);
    expect(wait(buffer, 0, 0, 0)).toBe('timed-out');
  });
});

describe('FutexWaiter (async)', () => {
  it('resolves without blocking the event loop, woken by another process', async () => {
    const segment = shared();
    const waiter = new FutexWaiter();
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const pending = waiter.wait(segment.buffer, 0, 0);
      // The waker is a real process: it stores 1 and wakes after 150 ms.
      const child = spawnChild('futex-waker.ts', [segment.name, '150']);
      const result = await pending;
      clearInterval(timer);
      expect(result).toBe('ok');
      expect(Atomics.load(new Int32Array(segment.buffer), 0)).toBe(1);
      expect(ticks).toBeGreaterThan(5); // the loop kept running while we waited
      expect((await finished(child)).stdout).toContain('woke 1');
    } finally {
      waiter.close();
    }
  });

  it('times out, reports not-equal, and is reusable', async () => {
    const { buffer } = shared();
    const waiter = new FutexWaiter();
    try {
      expect(await waiter.wait(buffer, 0, 0, { timeoutMs: 30 })).toBe('timed-out');
      expect(await waiter.wait(buffer, 0, 1)).toBe('not-equal');
      expect(await waiter.wait(buffer, 0, 0, { timeoutMs: 1 })).toBe('timed-out');
    } finally {
      waiter.close();
    }
  });

  it('is cancelled by an AbortSignal', async () => {
    const { buffer } = shared();
    const waiter = new FutexWaiter();
    try {
      const controller = new AbortController();
      const pending = waiter.wait(buffer, 0, 0, { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      await expect(pending).rejects.toMatchObject({ code: 'ABORT_ERR' });
      await expect(
        waiter.wait(buffer, 0, 0, { signal: AbortSignal.abort() }),
      ).rejects.toMatchObject({ code: 'ABORT_ERR' });
      // still usable after a cancellation
      expect(await waiter.wait(buffer, 0, 0, { timeoutMs: 1 })).toBe('timed-out');
    } finally {
      waiter.close();
    }
  });

  it('can still be cancelled and closed when the segment under a pending wait is closed', async () => {
    const segment = Segment.create(uniqueShmName('closed-under'), 4096);
    const waiter = new FutexWaiter();
    const pending = waiter.wait(segment.buffer, 0, 0);
    await new Promise((r) => setTimeout(r, 20));
    segment.close();
    segment.unlink();
    const started = performance.now();
    waiter.close(); // must not hang: the cancel's wake cannot reach the old pages
    await expect(pending).rejects.toMatchObject({ code: 'ERR_SHMRING_CLOSED' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses a second concurrent wait and rejects a pending one on close', async () => {
    const { buffer } = shared();
    const waiter = new FutexWaiter();
    const pending = waiter.wait(buffer, 0, 0);
    await expect(waiter.wait(buffer, 0, 0)).rejects.toMatchObject({ code: 'ERR_SHMRING_BUSY' });
    waiter.close();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_SHMRING_CLOSED' });
    await expect(waiter.wait(buffer, 0, 0)).rejects.toMatchObject({ code: 'ERR_SHMRING_CLOSED' });
  });

  it('does not keep the process alive once closed, nor while unref()ed', async () => {
    for (const how of ['close', 'unref']) {
      const segment = shared();
      const child = spawnChild('futex-idle.ts', [segment.name, how]);
      const result = await finished(child, 10_000);
      expect(result.code, how).toBe(0);
      expect(result.stdout).toContain('end of script');
      if (how === 'close') expect(result.stdout).toContain('rejected ERR_SHMRING_CLOSED');
    }
  });
});
