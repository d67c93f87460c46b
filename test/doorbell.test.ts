// The doorbell of async sleepers (src/wait/doorbell.ts, native/src/doorbell.cc), in one
// process: what a ring ends and what it does not, the ring-alone first part of a wait, a futex
// wake without a ring, aborts, and hostile words. Across processes: test/wait.test.ts (park/wake cycles on the event loop).
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';

import { FutexWaiter } from '../src/futex/index.js';
import { native } from '../src/native.js';
import { EventCount, waitAsyncWatched, waitPolicy, type Watch } from '../src/wait/index.js';
import { RING_FALLBACK_MS } from '../src/wait/ring-alone.js';
import { tsWorker } from './helpers/worker.js';

// Word indexes of the event under test: the futex word, the sleeper count, then the doorbell.
const SEQUENCE = 0;
const SLEEPERS = 1;
const DOORBELL = 4;
const [PID, NONCE, TOKEN, REFUSED] = [DOORBELL, DOORBELL + 1, DOORBELL + 2, DOORBELL + 3];

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

/** Tracks whether `promise` settled, and when (performance.now()). */
function watch<T>(promise: Promise<T>) {
  const state = {
    settled: false,
    at: NaN,
    value: undefined as T | undefined,
    error: undefined as unknown,
  };
  promise.then(
    (value) => Object.assign(state, { settled: true, at: performance.now(), value }),
    (error: unknown) => Object.assign(state, { settled: true, at: performance.now(), error }),
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
    await pause(30); // asleep in the pool
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

  it('a futex wake without a ring (a notifier that cannot ring) ends a sleep in the pool', async () => {
    const { words, waiter, event: ec } = event();
    const sleep = watch(ec.sleepAsync(waiter, ec.announce(), 10_000));
    await pause(30);
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

  it('an abort ends a ring-alone sleep and a sleep in the pool at once, disarmed', async () => {
    for (const inPool of [false, true]) {
      const { words, waiter, event: ec } = event();
      const controller = new AbortController();
      const sleep = inPool
        ? ec.sleepAsync(waiter, ec.announce(), 10_000, controller.signal)
        : ec.sleepOnRing(() => false, controller.signal);
      await pause(20);
      controller.abort();
      await expect(sleep).rejects.toMatchObject({ code: 'ABORT_ERR' });
      expect(words[TOKEN]).toBe(0);
      expect(words[SLEEPERS]).toBe(0);
    }
  });

  /**
   * Starts ring-alone sleeps and rings each at once until one is ended by its ring (the first,
   * unless the loop is slower than the sleep's time): returns how that one settled.
   * Every other must have run out of time (resolved false), disarmed and withdrawn.
   */
  async function rungSleep(ec: EventCount, words: Int32Array, ready: () => boolean) {
    for (let attempt = 0; ; attempt++) {
      const rings = ec.rings;
      const sleep = watch(ec.sleepOnRing(ready));
      expect([words[SLEEPERS], words[TOKEN] !== 0]).toEqual([1, true]);
      ec.notifyAll(); // rings; its futex wake finds nobody
      await expect.poll(() => sleep.settled, { timeout: 5000 }).toBe(true);
      expect([words[TOKEN], words[SLEEPERS]]).toEqual([0, 0]);
      if (ec.rings > rings || attempt === 20) return sleep;
      expect(sleep.value).toBe(false);
    }
  }

  it('a ring-alone sleep: ended by a ring with what ready() says, without any native thread', async () => {
    const { words, event: ec } = event();
    let calls = 0;
    const sleep = await rungSleep(ec, words, () => calls++ % 2 === 1); // false, then true
    expect(sleep.value).toBe(true);
  });

  it('a ring-alone sleep rejects with what ready() throws after the ring', async () => {
    const { words, event: ec } = event();
    let calls = 0;
    const ready = () => {
      if (calls++ % 2 === 1) throw new Error('corrupt');
      return false;
    };
    const sleep = await rungSleep(ec, words, ready);
    expect(sleep.error).toMatchObject({ message: 'corrupt' });
  });

  it('a ring-alone sleep: false after RING_FALLBACK_MS without a ring, true at once when ready() holds, false when notified before it slept', async () => {
    const { words, event: ec } = event();
    const started = performance.now();
    await expect(ec.sleepOnRing(() => false)).resolves.toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(RING_FALLBACK_MS);
    expect([words[TOKEN], words[SLEEPERS]]).toEqual([0, 0]);
    await expect(ec.sleepOnRing(() => true)).resolves.toBe(true);
    expect([words[TOKEN], words[SLEEPERS]]).toEqual([0, 0]);
    // A notifier between the announcement and the arming: the word moved, so no sleep.
    const notifiedMeanwhile = () => (Atomics.add(words, SEQUENCE, 1), false);
    await expect(ec.sleepOnRing(notifiedMeanwhile)).resolves.toBe(false);
    expect([words[TOKEN], words[SLEEPERS]]).toEqual([0, 0]);
    expect(ec.rings).toBe(0);
  });

  it('many ring-alone sleeps (one doorbell timer for all), begun at different times: each ends by its ring or after its time', async () => {
    const events = Array.from({ length: 300 }, () => event());
    const rung = events.map(() => false);
    const sleeps: ReturnType<typeof watch<boolean>>[] = [];
    // In three groups 20 ms apart, the event loop running meanwhile: when the timer
    // fires for the first group, the others' time is not up yet, and it has to be set again.
    for (let group = 0; group < 3; group++) {
      const started = performance.now();
      for (let i = group * 100; i < group * 100 + 100; i++)
        sleeps.push(watch(events[i].event.sleepOnRing(() => rung[i])));
      // Every other one is rung at once; the rest run out of time.
      for (let i = group * 100; i < group * 100 + 100; i += 2) {
        rung[i] = true;
        events[i].event.notifyAll();
      }
      while (performance.now() - started < 20) await new Promise(setImmediate);
    }
    await expect.poll(() => sleeps.every((sleep) => sleep.settled), { timeout: 5000 }).toBe(true);
    for (const [i, { words, event: ec }] of events.entries()) {
      expect([words[TOKEN], words[SLEEPERS]]).toEqual([0, 0]);
      // Rung in time, it read ready() (true); out of time, false (a ring that came late too).
      expect(sleeps[i].value).toBe(ec.rings === 1);
      if (i % 2 === 1) expect(ec.rings).toBe(0);
    }
    // And the timer serves the next sleeps as well.
    const { words, event: ec } = event();
    await expect(ec.sleepOnRing(() => false)).resolves.toBe(false);
    expect(words[TOKEN]).toBe(0);
  });

  it('an async wait sleeps on the ring alone first, then in the pool, where a futex wake without a ring ends it', async () => {
    const { words, waiter, event: ec } = event();
    const never: Watch = { due: Infinity, run: () => false };
    const policy = waitPolicy({ wait: 'park' });
    // Rung within the first part: no pool wait, no schedule.
    let data = false;
    const rung = watch(waitAsyncWatched(() => data, ec, waiter, policy, Infinity, never));
    expect(waiter.cancel()).toBe(false); // nothing in the pool
    expect(words[TOKEN]).not.toBe(0);
    data = true;
    ec.notifyAll();
    await expect.poll(() => rung.settled, { timeout: 5000 }).toBe(true);
    expect(rung.value).toBe(true);
    // A notifier that cannot ring: the wait reaches the pool, where the futex wake ends it.
    const rings = ec.rings;
    data = false;
    const woken = watch(waitAsyncWatched(() => data, ec, waiter, policy, Infinity, never));
    await pause(RING_FALLBACK_MS + 30);
    expect(woken.settled).toBe(false);
    expect(words[TOKEN]).not.toBe(0); // armed in the pool too
    data = true;
    Atomics.add(words, SEQUENCE, 1);
    native.futexWake(words, SEQUENCE, 1);
    await expect.poll(() => woken.settled, { timeout: 5000 }).toBe(true);
    expect(woken.value).toBe(true);
    expect(ec.rings).toBe(rings);
    expect([words[TOKEN], words[SLEEPERS]]).toEqual([0, 0]);
  });

  it('withdrawAll() (an endpoint closing) ends a ring-alone sleep at once, as woken, disarmed', async () => {
    const { words, event: ec } = event();
    const sleep = watch(ec.sleepOnRing(() => false));
    expect(words[TOKEN]).not.toBe(0);
    ec.withdrawAll();
    expect([words[TOKEN], words[SLEEPERS]]).toEqual([0, 0]);
    await Promise.resolve();
    expect(sleep).toMatchObject({ settled: true, value: false });
  });

  it('two async waits of one process on one event: both end at once when notified (one token: the first goes to the pool too)', async () => {
    const { words, waiter, event: ec } = event();
    const other = new FutexWaiter();
    waiters.push(other);
    const never: Watch = { due: Infinity, run: () => false };
    const policy = waitPolicy({ wait: 'park' });
    let data = false;
    const started = performance.now();
    const first = watch(waitAsyncWatched(() => data, ec, waiter, policy, Infinity, never));
    const second = watch(waitAsyncWatched(() => data, ec, other, policy, Infinity, never));
    await pause(5);
    expect(words[SLEEPERS]).toBe(2);
    data = true;
    ec.notifyAll();
    await expect.poll(() => first.settled && second.settled, { timeout: 5000 }).toBe(true);
    expect([first.value, second.value]).toEqual([true, true]);
    // Neither waited out a ring-alone sleep that had lost its token.
    expect(Math.max(first.at, second.at) - started).toBeLessThan(RING_FALLBACK_MS);
    expect([words[TOKEN], words[SLEEPERS]]).toEqual([0, 0]);
  });

  it('a ring that cannot arrive is reported, and later waits skip the ring-alone part until a receiver attaches', async () => {
    const { words, waiter, event: ec } = event();
    const never: Watch = { due: Infinity, run: () => false };
    const policy = waitPolicy({ wait: 'park' });
    expect(ec.ringable).toBe(true);
    // A notifier that finds nobody at the armed address (as from another network namespace).
    let data = false;
    const first = watch(waitAsyncWatched(() => data, ec, waiter, policy, Infinity, never));
    words[NONCE] ^= 1; // the address the notifier reads now leads nowhere
    data = true;
    ec.notifyAll();
    expect(words[REFUSED]).toBe(1);
    expect(ec.ringable).toBe(false);
    // The ring-alone sleep hears nothing: it ends after its time, in the pool or by polling.
    await expect.poll(() => first.settled, { timeout: 5000 }).toBe(true);
    expect(first.value).toBe(true);
    // The next wait goes to the pool at once (still armed), where the futex wake reaches it.
    data = false;
    const started = performance.now();
    const next = watch(waitAsyncWatched(() => data, ec, waiter, policy, Infinity, never));
    await pause(5);
    expect(words[TOKEN]).not.toBe(0);
    data = true;
    Atomics.add(words, SEQUENCE, 1);
    native.futexWake(words, SEQUENCE, 1);
    await expect.poll(() => next.settled, { timeout: 5000 }).toBe(true);
    expect(next.value).toBe(true);
    // Woken by the futex, not at the end of a ring-alone sleep.
    expect(next.at - started).toBeLessThan(RING_FALLBACK_MS);
    words[TOKEN] = 99; // a receiver before left its token
    ec.resetDoorbell(); // a receiver attaches
    expect([words[TOKEN], words[REFUSED], ec.ringable]).toEqual([0, 0, true]);
  });

  it('times out in the pool when the timeout is short', async () => {
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
    // 'ok' from the ring, or 'not-equal' if the pool's thread got to the bumped word first.
    expect(['ok', 'not-equal']).toContain(await sleep);
  });
});
