// Sleeps on the ring alone: the first part of an async wait (EventCount.sleepOnRing), ended by
// a ring of the doorbell (doorbell.ts) or, when none comes, RING_FALLBACK_MS later by one timer
// of the doorbell for all of them.
import type { NativeDoorbell } from '../native.js';

/**
 * How long an async wait sleeps on a ring alone before it also sleeps in the futex pool. Long
 * enough that the loop's timer is rarely the next thing an idle CPU wakes for (a millisecond
 * cost a round trip about 15% more CPU on a VM); a ring that cannot arrive is reported
 * (doorbell.ts).
 */
export const RING_FALLBACK_MS = 50;

/** The doorbell whose timer serves the sleeps (set when the process's doorbell is bound). */
let timer: NativeDoorbell | undefined;

/** What says whether a sleep keeps the process alive (a FutexWaiter: its ref()/unref()). */
export interface KeepAlive {
  readonly keepsAlive: boolean;
}

/** A sleep on the ring alone (sleepAlone): `expire` runs if no ring ended it by `until`. */
export interface RingAlone {
  readonly until: number;
  readonly keeper: KeepAlive;
  /** What keepingAlive counted for it. */
  kept: boolean;
  expire: (() => void) | undefined;
}

// The sleeps on the ring alone, oldest first: all last RING_FALLBACK_MS, so their ends come in
// this order, and one timer of the doorbell serves them all. Not one JavaScript timer each: a
// cleared one still wakes the event loop when it would have fired (Node keeps the libuv timer
// set), and at a wake-up every 50 µs that is a spurious turn of the loop every millisecond.
const alone: RingAlone[] = [];
let firstAlone = 0;
let aloneCount = 0;
/** How many of them keep the process alive (the timer does while one does). */
let keepingAlive = 0;
/** What the timer was last told (a timer that is not set keeps nothing alive either way). */
let timerKeepsAlive = false;

// The timer keeps the process alive while a sleep that does is on it; told only on a change
// that matters, so a run of sleeps that all keep it alive makes no call.
function updateKeepAlive(): void {
  const keep = keepingAlive > 0;
  if (keep !== timerKeepsAlive && (keep || aloneCount > 0)) {
    timer!.keepAlive(keep);
    timerKeepsAlive = keep;
  }
}

/**
 * Starts a sleep on the ring alone: `expire` runs RING_FALLBACK_MS from now (a little more:
 * the loop's clock counts whole ms) unless endAlone() came first. The process does not exit
 * meanwhile while `keeper` says so (tell keepAliveChanged() when that changes). Only once
 * armDoorbell() armed this process's doorbell.
 */
export function sleepAlone(expire: () => void, keeper: KeepAlive): RingAlone {
  const kept = keeper.keepsAlive;
  const sleep: RingAlone = { until: performance.now() + RING_FALLBACK_MS, keeper, kept, expire };
  alone.push(sleep);
  if (kept) keepingAlive++;
  if (++aloneCount === 1) setTimerFor(RING_FALLBACK_MS);
  updateKeepAlive();
  return sleep;
}

// One sleep on the ring alone is over: counted out.
function over(sleep: RingAlone): void {
  sleep.expire = undefined;
  aloneCount--;
  if (sleep.kept) keepingAlive--;
  updateKeepAlive();
}

/** A keeper's ref()/unref() changed: the sleeps on the ring alone are counted again. */
export function keepAliveChanged(): void {
  for (let i = firstAlone; i < alone.length; i++) {
    const sleep = alone[i];
    if (sleep.expire === undefined || sleep.kept === sleep.keeper.keepsAlive) continue;
    sleep.kept = !sleep.kept;
    keepingAlive += sleep.kept ? 1 : -1;
  }
  if (timer !== undefined) updateKeepAlive();
}

// The loop's clock counts whole ms, truncated: one more makes sure the time is up when it fires.
function setTimerFor(ms: number): void {
  timer!.setTimer(Math.ceil(ms) + 1);
}

/** Ends a sleep on the ring alone before it expired (a ring, an abort). */
export function endAlone(sleep: RingAlone): void {
  if (sleep.expire === undefined) return;
  over(sleep);
  if (aloneCount === 0) {
    timer!.clearTimer();
    alone.length = firstAlone = 0;
  }
}

/** The doorbell's timer fired: expires the sleeps whose time is up, then waits for the next one's. */
export function expireRingAlone(): void {
  const now = performance.now();
  while (firstAlone < alone.length && alone[firstAlone].until <= now) {
    const sleep = alone[firstAlone];
    alone[firstAlone++] = undefined as unknown as RingAlone;
    const expire = sleep.expire;
    if (expire === undefined) continue;
    over(sleep);
    expire();
  }
  if (aloneCount === 0) {
    alone.length = firstAlone = 0;
    return;
  }
  while (alone[firstAlone].expire === undefined) firstAlone++;
  if (firstAlone > 1024 && firstAlone * 2 > alone.length) {
    alone.splice(0, firstAlone); // sleeps that overlap for good: keep the list short
    firstAlone = 0;
  }
  setTimerFor(alone[firstAlone].until - now);
}

/** Serves the sleeps with `doorbell`'s timer (it keeps nothing alive until told to). */
export function useTimer(doorbell: NativeDoorbell): void {
  timer = doorbell;
  timer.keepAlive(false); // as timerKeepsAlive says
}
