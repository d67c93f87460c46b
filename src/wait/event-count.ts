// The sleep/wake handshake between processes: an eventcount on two shared int32 words,
// a futex sequence word and a count of announced sleepers.
//
// Sleeper:  announce() -> re-check the condition -> sleep(key) (or withdraw()).
// Notifier: make the condition true (publish) -> notify().
//
// Why no wake-up is lost: the sleeper writes `sleepers` and then reads the condition;
// the notifier writes the condition and then reads `sleepers`. Atomics are sequentially
// consistent, so at least one of them sees the other's write: either the sleeper sees the
// condition and does not sleep, or the notifier sees a sleeper, bumps `sequence` and
// wakes it. A bump that lands between announce() and the futex call makes FUTEX_WAIT
// return at once ('not-equal'), because the word no longer equals `key`.
// Why it is cheap: a notifier makes a syscall only when someone announced sleep, so a
// busy stream costs one extra atomic load per publish and no syscalls at all. And only once
// per announcement: a sleeper bumps `sequence` when it announces, so a notifier that finds
// the word where its own last wake left it knows every sleeper now counted was already woken
// (or will see 'not-equal'), and skips the syscall until someone announces again. Without
// this, a notifier would wake on every publish for the ~25 µs a woken sleeper takes to run.
// The skip is safe: a sleeper whose count the notifier saw but whose bump it did not see
// bumped after the notifier's read, hence after its publish, and its re-check sees it.
import { native, type FutexWaitResult } from '../native.js';
import type { FutexWaiter } from '../futex/futex.js';
import type { AbortLike } from './interrupt.js';
import { AbortError } from '../errors.js';
import {
  armDoorbell,
  hasDoorbell,
  resetDoorbell,
  ring,
  ringsRefused,
  sleepRinging,
  type ArmedDoorbell,
} from './doorbell.js';
import { endAlone, sleepAlone, type KeepAlive } from './ring-alone.js';

const WAKE_ALL = 2 ** 31 - 1;
const RESOLVED_TRUE = Promise.resolve(true);
const RESOLVED_FALSE = Promise.resolve(false);
const KEEP_ALIVE: KeepAlive = { keepsAlive: true };

export class EventCount {
  readonly #words: Int32Array;
  readonly #sequence: number;
  readonly #sleepers: number;
  /** Element index of the doorbell words (doorbell.ts), -1: async sleepers use the pool alone. */
  readonly #doorbell: number;
  /** The word as this process's last wake left it (NaN: never woke anyone). */
  #lastWake = NaN;
  /** Announcements of this object not yet withdrawn. */
  #announced = 0;
  #parks = 0;
  #rings = 0;
  /** Ends each pending sleepOnRing() as if woken (for withdrawAll). */
  readonly #ringAlone = new Set<() => void>();

  /**
   * @param words an Int32Array over the whole shared buffer
   * @param sequenceIndex element index of the futex word
   * @param sleepersIndex element index of the sleeper count
   * @param doorbellIndex element index of the doorbell words, if async sleepers may arm one
   */
  constructor(words: Int32Array, sequenceIndex: number, sleepersIndex: number, doorbellIndex = -1) {
    this.#words = words;
    this.#sequence = sequenceIndex;
    this.#sleepers = sleepersIndex;
    this.#doorbell = doorbellIndex;
  }

  /** Announces a sleeper and returns the key to sleep on. Re-check the condition next. */
  announce(): number {
    this.#announced++;
    Atomics.add(this.#words, this.#sleepers, 1);
    return (Atomics.add(this.#words, this.#sequence, 1) + 1) | 0;
  }

  /** Withdraws an announcement when the re-check found the condition true. */
  withdraw(): void {
    if (this.#announced === 0) return; // withdrawn already by withdrawAll()
    this.#announced--;
    Atomics.sub(this.#words, this.#sleepers, 1);
  }

  /**
   * Withdraws every announcement of this object at once. For close: a pending async sleep
   * withdraws a microtask later, when the segment may already be gone, and a count left
   * behind in shared memory would make every notifier wake for nobody. Sleeps on the ring
   * alone end now too, as if woken (their callers look again and find the endpoint closed):
   * nothing else would end them before their time.
   */
  withdrawAll(): void {
    this.#endRingAlone();
    if (this.#announced !== 0) Atomics.sub(this.#words, this.#sleepers, this.#announced);
    this.#announced = 0;
  }

  // Ends the sleeps on the ring alone as if woken: they look again, then sleep the other way.
  #endRingAlone(): void {
    for (const wake of this.#ringAlone) wake();
  }

  /** Blocks the thread until notified (or a spurious wake-up, or the timeout); withdraws. */
  sleep(key: number, timeoutMs: number): FutexWaitResult {
    try {
      return this.#counted(native.futexWait(this.#words, this.#sequence, key, timeoutMs));
    } finally {
      this.withdraw();
    }
  }

  /**
   * sleep() without blocking the event loop: on a native waiter thread, and on this process's
   * doorbell where the event has one (a ring ends it at once: doorbell.ts); withdraws.
   */
  async sleepAsync(
    waiter: FutexWaiter,
    key: number,
    timeoutMs: number,
    signal?: AbortLike,
  ): Promise<FutexWaitResult> {
    const words = this.#words;
    const poolWait = (ms: number, abort: AbortLike | undefined): Promise<FutexWaitResult> =>
      waiter.wait(words.buffer as SharedArrayBuffer, this.#sequence * 4, key, {
        timeoutMs: ms,
        signal: abort,
      });
    // One token in the words: arming takes it from a sleep on the ring alone, which then
    // sleeps in the pool too (another async wait of this process on this event).
    this.#endRingAlone();
    const doorbell = this.#doorbell >= 0 ? armDoorbell(words, this.#doorbell) : undefined;
    try {
      if (doorbell === undefined) return this.#counted(await poolWait(timeoutMs, signal));
      // Armed after the announcement: a notifier that came in between bumped the word.
      if (Atomics.load(words, this.#sequence) !== key) return this.#counted('not-equal');
      const result = await sleepRinging(doorbell, poolWait, timeoutMs, signal);
      if (doorbell.heard) this.#rings++;
      return this.#counted(result);
    } finally {
      doorbell?.disarm();
      this.withdraw();
    }
  }

  /**
   * Whether async sleeps here can sleep on the ring alone (sleepOnRing): the event has a
   * doorbell, and no notifier found that its rings cannot arrive.
   */
  get ringable(): boolean {
    return this.#doorbell >= 0 && !ringsRefused(this.#words, this.#doorbell) && hasDoorbell();
  }

  /** For a receiver that attaches: the doorbell words of the one before say nothing of its own. */
  resetDoorbell(): void {
    if (this.#doorbell >= 0) resetDoorbell(this.#words, this.#doorbell);
  }

  /**
   * The first part of an async sleep: on this process's doorbell alone (doorbell.ts), with no
   * native thread and no promise but its own. Announces, re-checks `ready`, arms, and waits
   * RING_FALLBACK_MS for a ring. Resolves true once `ready()` holds (before sleeping, or after
   * the ring), false otherwise (no ring in time, a notify came before the sleep, or no doorbell
   * could be armed: sleep the other way). Withdraws and disarms either way. Rejects with an
   * AbortError when `signal` aborts, or with what `ready()` throws. The process does not exit
   * meanwhile while `keeper` says so. Only one such sleep at a time here: another async wait
   * of this process on this event sleeps the other way (false at once).
   */
  sleepOnRing(ready: () => boolean, signal?: AbortLike, keeper = KEEP_ALIVE): Promise<boolean> {
    if (this.#ringAlone.size > 0) return RESOLVED_FALSE;
    const words = this.#words;
    const key = this.announce();
    let armed: ArmedDoorbell | undefined;
    let sleeping = false;
    try {
      if (ready()) return RESOLVED_TRUE;
      armed = armDoorbell(words, this.#doorbell);
      // Armed after the announcement: a notifier that came in between bumped the word.
      sleeping = armed !== undefined && Atomics.load(words, this.#sequence) === key;
      if (!sleeping) return RESOLVED_FALSE;
    } catch (error) {
      return Promise.reject(error);
    } finally {
      if (!sleeping) {
        armed?.disarm();
        this.withdraw();
      }
    }
    const doorbell = armed!;
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        endAlone(sleep);
        this.#ringAlone.delete(expire);
        signal?.removeEventListener('abort', onAbort);
        doorbell.disarm();
        this.withdraw();
        this.#parks++;
      };
      const onAbort = (): void => {
        settle();
        reject(new AbortError(signal));
      };
      const expire = (): void => {
        settle();
        resolve(false);
      };
      const sleep = sleepAlone(expire, keeper);
      this.#ringAlone.add(expire);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort);
      doorbell.onRing = () => {
        settle();
        this.#rings++;
        try {
          resolve(ready());
        } catch (error) {
          reject(error);
        }
      };
    });
  }

  /** After publishing: wakes the sleepers, if any announced themselves. */
  notify(): void {
    if (
      Atomics.load(this.#words, this.#sleepers) !== 0 &&
      Atomics.load(this.#words, this.#sequence) !== this.#lastWake
    ) {
      this.notifyAll();
    }
  }

  /** Wakes every sleeper unconditionally (close, end of stream). */
  notifyAll(): void {
    this.#lastWake = (Atomics.add(this.#words, this.#sequence, 1) + 1) | 0;
    if (this.#doorbell >= 0) ring(this.#words, this.#doorbell); // after the bump: see doorbell.ts
    native.futexWake(this.#words, this.#sequence, WAKE_ALL);
  }

  // 'not-equal': a notify came between announce() and the futex call; no kernel sleep.
  #counted(result: FutexWaitResult): FutexWaitResult {
    if (result !== 'not-equal') this.#parks++;
    return result;
  }

  /** How many times this process slept in the kernel here (diagnostics). */
  get parks(): number {
    return this.#parks;
  }

  /** How many of those sleeps a doorbell's ring ended (diagnostics). */
  get rings(): number {
    return this.#rings;
  }

  /**
   * Whether sleepers may be announced: a plain read, cheaper than an atomic load (which V8 does
   * not inline over shared memory), for a hint asked per message. Exact for sleepers of this
   * thread; one of another process is seen a little late, never missed for good.
   */
  get maySleep(): boolean {
    return this.#words[this.#sleepers] !== 0;
  }

  /** How many sleepers are announced now (diagnostics). */
  get sleepers(): number {
    return Atomics.load(this.#words, this.#sleepers);
  }
}
