// The doorbell of async sleepers (src/wait/doorbell.ts, native/src/doorbell.cc), in one
// process: what a ring ends and what it does not, a futex wake without a ring, aborts, and
// hostile words. Across processes: test/wait.test.ts (park/wake cycles on the event loop).
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';

import { FutexWaiter } from '../src/futex/index.js';
import { native } from '../src/native.js';
import { EventCount } from '../src/wait/index.js';
import { RING_FALLBACK_MS } from '../src/wait/doorbell.js';
import { tsWorker } from './helpers/worker.js';

// Word indexes of the event under test: the futex word, the sleeper count, then the doorbell.
const SEQUENCE = 0;
const SLEEPERS = 1;
const DOORBELL = 4;
const [PID, NONCE, TOKEN] = [DOORBELL, DOORBELL + 1, DOORBELL + 2];

const waiters: FutexWaiter[] = [];
afterEach(() => {
  for (const waiter of waiters.splice(0)) waiter.close();
});

function event() {
  const words = new Int32Array(new SharedArrayBuffer(64));
  const waiter = new FutexWaiter();
  waiters.push(waiter);
  return { words, waiter, event: new EventCount(words, SEQUENCE, SLEEPERS, DOORBELL) };
}

/** Tracks whether `promise` settled. */
function watch<T>(promise: Promise<T>) {
  const state = { settled: false, value: undefined as T | undefined, error: undefined as unknown };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('async sleeps and the doorbell', () => {
  it('arms the doorbell with this process and a token; a notifier rings it, and the sleep disarms', async () => {
    const { words, waiter, event: ec } = event();
    const sleep = watch(ec.sleepAsync(waiter, ec.announce(), 10_000));
    expect(words[PID]).toBe(process.pid);
    expect(words[TOKEN]).not.toBe(0);
    // A ring with another token (stale, or anyone's) is ignored.
    expect(native.ringDoorbell(words[PID], words[NONCE] >>> 0, words[TOKEN] + 1)).toBe(true);
    await pause(50);
    expect(sleep.settled).toBe(false);
    ec.notifyAll();
    await expect.poll(() => sleep.settled, { timeout: 5000 }).toBe(true);
    expect(sleep.value).toBe('ok');
    expect(ec.rings + ec.parks).toBeGreaterThanOrEqual(1);
    expect(words[TOKEN]).toBe(0);
    expect(words[SLEEPERS]).toBe(0);
  });

  it('a ring alone ends a sleep that has joined the futex pool, and the waiter is free again', async () => {
    const { words, waiter, event: ec } = event();
    const sleep = watch(ec.sleepAsync(waiter, ec.announce(), 10_000));
    await pause(RING_FALLBACK_MS * 30); // long past the ring-alone phase: asleep in the pool too
    expect(sleep.settled).toBe(false);
    // No futex bump, no wake: only the ring can end this sleep.
    native.ringDoorbell(words[PID], words[NONCE] >>> 0, words[TOKEN]);
    await expect.poll(() => sleep.settled, { timeout: 5000 }).toBe(true);
    expect(sleep.value).toBe('ok');
    expect(ec.rings).toBe(1);
    // The pool's wait was taken back at once: the waiter takes the next wait.
    const next = ec.sleepAsync(waiter, ec.announce(), 10);
    await expect(next).resolves.toBe('timed-out');
  });

  it('a futex wake without a ring (a notifier that cannot ring) ends a sleep once it has joined the pool', async () => {
    const { words, waiter, event: ec } = event();
    const sleep = watch(ec.sleepAsync(waiter, ec.announce(), 10_000));
    await pause(RING_FALLBACK_MS * 30);
    Atomics.add(words, SEQUENCE, 1);
    native.futexWake(words, SEQUENCE, 1);
    await expect.poll(() => sleep.settled, { timeout: 5000 }).toBe(true);
    expect(sleep.value).toBe('ok');
    expect(ec.rings).toBe(0);
    expect(words[TOKEN]).toBe(0);
  });

  it('does not sleep when a notifier bumped the word before the doorbell was armed', async () => {
    const { words, waiter, event: ec } = event();
    const key = ec.announce();
    Atomics.add(words, SEQUENCE, 1);
    await expect(ec.sleepAsync(waiter, key, 10_000)).resolves.toBe('not-equal');
    expect(words[TOKEN]).toBe(0);
  });

  it('an abort ends the ring-alone phase and the pool phase at once, disarmed', async () => {
    for (const after of [0, RING_FALLBACK_MS * 30]) {
      const { words, waiter, event: ec } = event();
      const controller = new AbortController();
      const sleep = ec.sleepAsync(waiter, ec.announce(), 10_000, controller.signal);
      await pause(after);
      controller.abort();
      await expect(sleep).rejects.toMatchObject({ code: 'ABORT_ERR' });
      expect(words[TOKEN]).toBe(0);
      expect(words[SLEEPERS]).toBe(0);
    }
  });

  it('times out in the ring-alone phase when the timeout is shorter', async () => {
    const { waiter, event: ec } = event();
    await expect(ec.sleepAsync(waiter, ec.announce(), RING_FALLBACK_MS / 2)).resolves.toBe(
      'timed-out',
    );
  });

  it('rings nobody, harmlessly, when the words hold garbage (shared memory is not trusted)', () => {
    const { words, event: ec } = event();
    words[PID] = -1;
    words[NONCE] = 0x7fffffff;
    words[TOKEN] = 12345;
    expect(() => ec.notifyAll()).not.toThrow();
    expect(native.ringDoorbell(0xffffffff, 1, 1)).toBe(false);
  });

  it('checks its native arguments', () => {
    expect(() => native.ringDoorbell('1' as unknown as number, 1, 1)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => native.ringDoorbell(1, 2 ** 32, 1)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => new native.Doorbell(1.5, () => {})).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => new native.Doorbell(1, 'x' as unknown as () => void)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });

  it("refuses to bind an address that is taken (this process's own doorbell)", async () => {
    const { words, waiter, event: ec } = event();
    const sleep = ec.sleepAsync(waiter, ec.announce(), 1);
    const nonce = words[NONCE] >>> 0;
    await sleep;
    expect(() => new native.Doorbell(nonce, () => {})).toThrow(
      expect.objectContaining({ code: 'EADDRINUSE', syscall: 'bind' }),
    );
  });

  it('a worker arms its own doorbell; its sleep is woken from here, and one cut short by terminate() leaves no harm', async () => {
    const { words, waiter, event: ec } = event();
    const workerData = {
      buffer: words.buffer,
      sequence: SEQUENCE,
      sleepers: SLEEPERS,
      doorbell: DOORBELL,
    };
    const file = new URL('./children/doorbell-worker.ts', import.meta.url);
    for (let round = 0; round < 3; round++) {
      const worker = tsWorker(file, { workerData });
      expect((await once(worker, 'message'))[0]).toBe('waiting');
      await expect.poll(() => words[TOKEN], { timeout: 5000 }).not.toBe(0);
      expect(words[PID]).toBe(process.pid); // a worker shares the pid; its nonce is its own
      if (round < 2) {
        await worker.terminate();
        Atomics.sub(words, SLEEPERS, 1); // the terminated sleep never withdrew
      } else {
        ec.notifyAll();
        expect((await once(worker, 'message'))[0]).toMatch(/^woke (ok|not-equal) rings [01]$/);
        await once(worker, 'exit');
      }
    }
    // This thread's own doorbell still works after the workers' went away.
    const sleep = ec.sleepAsync(waiter, ec.announce(), 10_000);
    ec.notifyAll();
    // 'ok' from the ring, or 'not-equal' if the ring-alone phase ran out first (a slow turn).
    expect(['ok', 'not-equal']).toContain(await sleep);
  });
});
