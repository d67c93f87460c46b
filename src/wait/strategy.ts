// How a side waits for its condition (data to read, space to write): spin, yield, park.
import { AbortError, ShmringError, invalidArgValue } from '../errors.js';
import type { FutexWaiter } from '../futex/futex.js';
import { native } from '../native.js';
import type { EventCount } from './event-count.js';
import { RING_FALLBACK_MS } from './ring-alone.js';
import { Interrupt, type AbortLike } from './interrupt.js';
import { schedule, type Scheduled } from './schedule.js';

/**
 * - 'spin': poll until the condition holds (lowest latency; burns a core while waiting).
 * - 'adaptive' (default): spin for `spinMicros`, then yield the CPU for `yieldMicros`, then park.
 * - 'park': sleep in the kernel at once (futex); each wake-up costs a syscall and a context switch.
 */
export type WaitMode = 'spin' | 'adaptive' | 'park';

export interface WaitPolicy {
  mode: WaitMode;
  /**
   * Liveness, in ms. While a side waits or polls it beats and checks its peers every half of
   * it (a sender also beats every quarter of it, waiting or not): a consumer reaps producers
   * whose heartbeat is this old (at once when their process is visibly gone) and clears the
   * records they left; a producer facing a full ring fails with ECONNRESET once the
   * consumer's heartbeat is this old and its process gone.
   */
  heartbeatTimeoutMs: number;
  /** Time to spin before yielding ('adaptive'), in microseconds. */
  spinMicros: number;
  /** Time to yield (sched_yield) before parking ('adaptive'), in microseconds. */
  yieldMicros: number;
}

// A futex wake-up costs ~25 µs per hop on a VM; spinning about twice that before parking
// catches request/response traffic without syscalls, and costs an idle side ~100 µs once.
export const DEFAULT_WAIT_POLICY: Readonly<WaitPolicy> = {
  mode: 'adaptive',
  spinMicros: 50,
  yieldMicros: 50,
  heartbeatTimeoutMs: 2000,
};

// How many polls between clock reads: performance.now() costs more than a poll.
const POLLS_PER_CLOCK_READ = 32;
// On the event loop, 'spin' polls in slices this long and lets the loop run in between.
const EVENT_LOOP_SPIN_SLICE_MS = 1;

/** Builds a policy from user options, with clear errors for bad ones. */
export function waitPolicy(
  options: {
    wait?: WaitMode;
    spinMicros?: number;
    yieldMicros?: number;
    heartbeatTimeoutMs?: number;
  } = {},
): WaitPolicy {
  const mode = options.wait ?? DEFAULT_WAIT_POLICY.mode;
  if (mode !== 'spin' && mode !== 'adaptive' && mode !== 'park') {
    throw invalidArgValue('wait', "must be 'spin', 'adaptive' or 'park'", mode);
  }
  const micros = (name: 'spinMicros' | 'yieldMicros'): number => {
    const value = options[name] ?? DEFAULT_WAIT_POLICY[name];
    if (typeof value !== 'number' || !(value >= 0) || value > 1e7)
      throw invalidArgValue(name, 'must be a number of microseconds in [0, 1e7]', value);
    return value;
  };
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? DEFAULT_WAIT_POLICY.heartbeatTimeoutMs;
  if (
    typeof heartbeatTimeoutMs !== 'number' ||
    !(heartbeatTimeoutMs >= 10) ||
    heartbeatTimeoutMs > 3.6e6
  ) {
    throw invalidArgValue(
      'heartbeatTimeoutMs',
      'must be a number of ms in [10, 3600000]',
      heartbeatTimeoutMs,
    );
  }
  return {
    mode,
    spinMicros: micros('spinMicros'),
    yieldMicros: micros('yieldMicros'),
    heartbeatTimeoutMs,
  };
}

/** Converts a timeout option (ms; undefined = forever) into a deadline on performance.now(). */
export function deadlineAfter(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined || timeoutMs === Infinity) return Infinity;
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0))
    throw invalidArgValue('timeoutMs', 'must be a number >= 0', timeoutMs);
  return performance.now() + timeoutMs;
}

export function timeoutError(what: string): ShmringError {
  return new ShmringError('ETIMEDOUT', `timed out waiting for ${what}`);
}

// Polls `ready` until it holds or `until` passes; true if it held.
function pollUntil(ready: () => boolean, until: number, between?: () => void): boolean {
  for (;;) {
    for (let i = 0; i < POLLS_PER_CLOCK_READ; i++) {
      if (ready()) return true;
      between?.();
    }
    if (performance.now() >= until) return false;
  }
}

const yieldCpu = (): void => native.yieldCpu();

/**
 * Blocks the thread until `ready()` returns true (it may act, e.g. write a record, and say
 * whether it did) or the deadline passes. Returns false on timeout.
 * Sleeps only through `event`'s handshake, so the notifier wakes it if and only if needed.
 */
export function waitSync(
  ready: () => boolean,
  event: EventCount,
  policy: WaitPolicy,
  deadline: number,
): boolean {
  if (ready()) return true;
  if (policy.mode === 'spin') return pollUntil(ready, deadline);
  if (policy.mode === 'adaptive') {
    const start = performance.now();
    if (pollUntil(ready, Math.min(deadline, start + policy.spinMicros / 1000))) return true;
    if (
      pollUntil(
        ready,
        Math.min(deadline, start + (policy.spinMicros + policy.yieldMicros) / 1000),
        yieldCpu,
      )
    )
      return true;
  }
  for (;;) {
    const key = event.announce();
    const remaining = recheck(ready, event, deadline);
    if (remaining <= 0) return remaining === DONE;
    event.sleep(key, remaining);
  }
}

const DONE = -1;
const TIMED_OUT = 0;

// The re-check between announce() and sleeping. Returns the ms left to sleep, or DONE /
// TIMED_OUT after withdrawing the announcement (also when `ready` throws).
function recheck(ready: () => boolean, event: EventCount, deadline: number): number {
  let remaining = TIMED_OUT;
  try {
    if (ready()) return DONE;
    remaining = Math.max(deadline - performance.now(), TIMED_OUT);
    return remaining;
  } finally {
    if (remaining === TIMED_OUT) event.withdraw();
  }
}

/**
 * The spin an async wait starts with, for a caller on the event loop that can answer at once
 * when it succeeds (no promise chain): polls `ready` for the policy's spinMicros ('park': not
 * at once) or until `deadline`, blocking the thread that long at most. True if it held.
 */
export function spinBriefly(ready: () => boolean, policy: WaitPolicy, deadline: number): boolean {
  if (policy.mode === 'park' || policy.spinMicros === 0) return false;
  return pollUntil(ready, Math.min(deadline, performance.now() + policy.spinMicros / 1000));
}

/**
 * waitSync() for the event loop: spins at most briefly (in 1 ms slices for 'spin', letting
 * the loop run between them), then parks on a native waiter thread. Rejects with an
 * AbortError when `signal` aborts; resolves false on timeout. `spun`: the caller has just done
 * the 'adaptive' spin (spinBriefly), so park at once.
 */
export async function waitAsync(
  ready: () => boolean,
  event: EventCount,
  waiter: FutexWaiter,
  policy: WaitPolicy,
  deadline: number,
  signal?: AbortLike,
  spun = false,
): Promise<boolean> {
  if (ready()) return true;
  if (policy.mode === 'spin') {
    for (;;) {
      if (signal?.aborted) throw new AbortError(signal);
      if (pollUntil(ready, Math.min(deadline, performance.now() + EVENT_LOOP_SPIN_SLICE_MS)))
        return true;
      if (performance.now() >= deadline) return false;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (policy.mode === 'adaptive' && !spun && spinBriefly(ready, policy, deadline)) return true;
  for (;;) {
    if (signal?.aborted) throw new AbortError(signal);
    const key = event.announce();
    const remaining = recheck(ready, event, deadline);
    if (remaining <= 0) return remaining === DONE;
    await event.sleepAsync(waiter, key, remaining, signal);
  }
}

/**
 * Work a waiting side does on its own schedule (liveness checks, heartbeats, recovery),
 * whatever the timeouts of the calls that wait: the schedule lives in the object, across
 * calls, so a loop of short waits runs it as often as one long wait does.
 */
export interface Watch {
  /** performance.now() at which run() is due next. */
  readonly due: number;
  /**
   * Does the work and sets the next `due`; may throw. Returns true when it may have made the
   * waited condition true (then a sleeping waiter looks again).
   */
  run(): boolean;
}

/** Runs `watch` if it is due. */
export function runIfDue(watch: Watch): void {
  if (performance.now() >= watch.due) watch.run();
}

/** waitSync() that stops to run `watch` whenever it is due, until the deadline. */
export function waitSyncWatched(
  ready: () => boolean,
  event: EventCount,
  policy: WaitPolicy,
  deadline: number,
  watch: Watch,
): boolean {
  if (ready()) return true; // the common case, before any clock read
  for (;;) {
    runIfDue(watch);
    if (waitSync(ready, event, policy, Math.min(deadline, watch.due))) return true;
    if (performance.now() >= deadline) return false;
  }
}

/**
 * waitAsync() with the scheduled work of waitSyncWatched(), which the process-wide schedule runs
 * while this call sleeps (one timer for every waiting endpoint); it wakes this call only when
 * that work may have made `ready` true, or failed (its error is thrown here). Where `event` has
 * a doorbell, the sleep starts on it alone for RING_FALLBACK_MS (EventCount.sleepOnRing).
 */
export async function waitAsyncWatched(
  ready: () => boolean,
  event: EventCount,
  waiter: FutexWaiter,
  policy: WaitPolicy,
  deadline: number,
  watch: Watch,
  signal?: AbortLike,
  spun = false,
): Promise<boolean> {
  if (ready()) return true; // the common case, before any clock read
  runIfDue(watch);
  // The spin first: a value that comes within it costs no registration on the schedule.
  if (policy.mode === 'adaptive' && !spun && spinBriefly(ready, policy, deadline)) return true;
  // The wake-ups of a busy channel come within RING_FALLBACK_MS: that much of the sleep is on
  // the doorbell alone, with nothing to schedule (the watch is not due in it) and no promise but
  // the ring's on the wake-up's path. (A deadline or a watch sooner than that: the sleep below.)
  const ringFirst =
    policy.mode !== 'spin' &&
    event.ringable &&
    Math.min(deadline, watch.due) - performance.now() > RING_FALLBACK_MS + 1;
  if (ringFirst && (await event.sleepOnRing(ready, signal, waiter))) return true;
  const watched = new WatchedSleep(watch, signal);
  schedule.add(watched);
  try {
    for (;;) {
      const wake = watched.wake;
      try {
        return await waitAsync(ready, event, waiter, policy, deadline, wake, true);
      } catch (error) {
        if (watched.error !== undefined) throw watched.error;
        if (signal?.aborted) throw new AbortError(signal);
        if (!wake.aborted) throw error;
        watched.rearm();
      }
    }
  } finally {
    schedule.delete(watched);
    watched.close();
  }
}

/** An async wait on the schedule: runs its watch when due, and aborts the sleep to wake it. */
class WatchedSleep implements Scheduled {
  /** Aborted to wake the sleeping call: by the watch (progress or error) or the caller's signal. */
  wake = new Interrupt();
  error: unknown = undefined;
  readonly #watch: Watch;
  readonly #signal: AbortLike | undefined;
  readonly #onAbort = (): void => this.wake.abort();

  constructor(watch: Watch, signal: AbortLike | undefined) {
    this.#watch = watch;
    this.#signal = signal;
    if (signal?.aborted) this.wake.abort();
    else signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  get due(): number {
    return this.#watch.due;
  }

  fire(): void {
    let wake: boolean;
    try {
      wake = this.#watch.run();
    } catch (error) {
      this.error = error;
      wake = true;
    }
    if (wake) this.wake.abort();
  }

  /** A new controller after a wake-up by the watch. */
  rearm(): void {
    this.wake = new Interrupt();
  }

  close(): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }
}
