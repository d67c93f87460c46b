// A wake-up in one hop for sleepers on the event loop. A futex wake reaches an async sleeper
// through two threads: the native pool thread that sleeps on the word, then the event loop
// (about 25 µs each on a VM). So an async sleeper also arms this process's doorbell (an
// abstract Unix datagram socket the event loop polls, native/src/doorbell.cc): it leaves the
// doorbell's address and a token in three words of shared memory, and a notifier that finds
// them armed sends the token there besides its futex wake, which reaches the loop directly.
//
// The words: [pid, nonce] (the doorbell's address "\0shmring.<pid>.<nonce>") and the token
// (0: not armed). The sleeper stores the token last, after its announcement and before it
// compares the futex word with its key, as FUTEX_WAIT would; the notifier bumps the word
// before it reads the token. So a notifier that the sleeper's comparison missed reads the
// token (rings), and one that it saw needs no ring: the sleeper does not sleep.
//
// An async wait sleeps on the ring alone first (EventCount.sleepOnRing, ring-alone.ts), for up
// to RING_FALLBACK_MS, then armed and in the pool too (sleepRinging), where every notifier's futex
// wake reaches it; a ring still ends it first if it can. Not every ring can arrive: a notifier
// in another network namespace (a container that shares /dev/shm but not the network) finds
// nobody at the address. It says so in the fourth word (refused), and from then on the waits
// of that channel skip the ring-alone part: one wake-up waits out RING_FALLBACK_MS, later ones
// go through the pool (two hops). The word is cleared when a receiver attaches. Rings are only
// hints: one with an unknown token (stale, or sent by anyone) is ignored, and a woken sleeper
// re-checks its condition.
import { randomInt } from 'node:crypto';

import { AbortError } from '../errors.js';
import { native, type FutexWaitResult, type NativeDoorbell } from '../native.js';
import { Interrupt, type AbortLike } from './interrupt.js';
import { expireRingAlone, useTimer } from './ring-alone.js';

// Where each word is, from the first.
const PID = 0;
const NONCE = 1;
const TOKEN = 2;
const REFUSED = 3;
/** Addresses tried before a process does without a doorbell (a nonce clash is 1 in 2^32). */
const BIND_ATTEMPTS = 3;

/** This process's doorbell: undefined until first needed, null where none could be bound. */
let doorbell: NativeDoorbell | null | undefined;
let nonce = 0;
let lastToken = 0;
/** What each armed token wakes. */
const sleepers = new Map<number, () => void>();

function onRing(token: number): void {
  if (token === 0) expireRingAlone();
  else sleepers.get(token)?.();
}

function opened(): boolean {
  if (doorbell === undefined) {
    doorbell = null;
    for (let attempt = 0; attempt < BIND_ATTEMPTS && doorbell === null; attempt++) {
      nonce = randomInt(2 ** 32 - 1);
      try {
        doorbell = new native.Doorbell(nonce, onRing);
        useTimer(doorbell); // its timer ends the sleeps on the ring alone (ring-alone.ts)
      } catch {
        // Taken, or no Unix sockets here: sleeps go to the pool at once.
      }
    }
  }
  return doorbell !== null;
}

/**
 * Rings the doorbell armed at words[at..at+4), if one is; for notifiers, after their futex bump.
 * Reports a ring that cannot arrive in the refused word.
 */
export function ring(words: Int32Array, at: number): void {
  const token = Atomics.load(words, at + TOKEN);
  if (token !== 0) {
    const pid = Atomics.load(words, at + PID) >>> 0;
    // Refused only while the token is the one rung: a sleeper that armed meanwhile may have
    // changed the address under this read.
    if (
      !native.ringDoorbell(pid, Atomics.load(words, at + NONCE) >>> 0, token) &&
      Atomics.load(words, at + TOKEN) === token
    )
      Atomics.store(words, at + REFUSED, 1);
  }
}

/** Whether a notifier of the doorbell at words[at..at+4) found that its rings cannot arrive. */
export function ringsRefused(words: Int32Array, at: number): boolean {
  return words[at + REFUSED] !== 0; // a hint: read plainly
}

/**
 * For a receiver that attaches (before it sleeps): takes back the token of the one before (its
 * doorbell is gone, and a ring to it would report refused) and clears the refused word.
 */
export function resetDoorbell(words: Int32Array, at: number): void {
  Atomics.store(words, at + TOKEN, 0);
  Atomics.store(words, at + REFUSED, 0);
}

/** Whether this process has a doorbell (one is bound on first use). */
export function hasDoorbell(): boolean {
  return opened();
}

/** One sleep's arming of the doorbell. */
export interface ArmedDoorbell {
  /** Whether a ring for this sleep came. */
  readonly heard: boolean;
  /** Called when it comes. */
  onRing: (() => void) | undefined;
  /** Takes the token back (unless another sleep armed the words since): notifiers stop ringing. */
  disarm(): void;
}

/**
 * After announce(): arms this process's doorbell at words[at..at+3) for one sleep. Compare the
 * futex word with the key next, as FUTEX_WAIT would. Undefined where there is no doorbell.
 */
export function armDoorbell(words: Int32Array, at: number): ArmedDoorbell | undefined {
  if (!opened()) return undefined;
  lastToken = (lastToken + 1) | 0 || 1;
  const token = lastToken;
  const armed = {
    heard: false,
    onRing: undefined as (() => void) | undefined,
    disarm() {
      sleepers.delete(token);
      Atomics.compareExchange(words, at + TOKEN, token, 0);
    },
  };
  sleepers.set(token, () => {
    armed.heard = true;
    armed.onRing?.();
  });
  Atomics.store(words, at + PID, process.pid);
  Atomics.store(words, at + NONCE, nonce);
  Atomics.store(words, at + TOKEN, token);
  return armed;
}

/**
 * Sleeps in the pool (`poolWait(timeoutMs, interrupt)`, where every notifier's futex wake
 * reaches it) until that resolves or a ring comes: a ring takes the pool's wait back at once
 * and resolves 'ok'. Rejects with an AbortError when `signal` aborts.
 */
export async function sleepRinging(
  doorbell: ArmedDoorbell,
  poolWait: (timeoutMs: number, signal: AbortLike) => Promise<FutexWaitResult>,
  timeoutMs: number,
  signal: AbortLike | undefined,
): Promise<FutexWaitResult> {
  if (signal?.aborted) throw new AbortError(signal);
  const rang = new Interrupt();
  const forward = (): void => rang.abort();
  doorbell.onRing = forward;
  signal?.addEventListener('abort', forward);
  try {
    return await poolWait(timeoutMs, rang);
  } catch (error) {
    if (signal?.aborted === true) throw new AbortError(signal);
    if (rang.aborted) return 'ok';
    throw error;
  } finally {
    signal?.removeEventListener('abort', forward);
  }
}
