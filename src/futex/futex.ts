// Cross-process futex wait/wake on 32-bit words of a SharedArrayBuffer.
// V8's Atomics.wait/notify only wake threads of one process; these go through the kernel.
import { AbortError, ShmringError, checkInteger, invalidArgType } from '../errors.js';
import { native, type FutexWaitResult, type NativeAsyncWaiter } from '../native.js';
import type { AbortLike } from '../wait/interrupt.js';

export type { FutexWaitResult };

const INT32_MAX = 2 ** 31 - 1;

// One Int32Array per buffer, so futex calls allocate nothing after the first.
const wordViews = new WeakMap<SharedArrayBuffer, Int32Array>();

/** The Int32Array over `sab` and the element index of the word at `byteOffset`. */
export function wordAt(sab: SharedArrayBuffer, byteOffset: number): [Int32Array, number] {
  if (!(sab instanceof SharedArrayBuffer)) throw invalidArgType('sab', 'a SharedArrayBuffer', sab);
  checkInteger('byteOffset', byteOffset, 0, sab.byteLength - 4);
  if (byteOffset % 4 !== 0) {
    throw Object.assign(
      new RangeError(`The "byteOffset" argument must be a multiple of 4. Received ${byteOffset}`),
      {
        code: 'ERR_OUT_OF_RANGE',
      },
    );
  }
  let view = wordViews.get(sab);
  if (view === undefined) {
    view = new Int32Array(sab, 0, sab.byteLength >>> 2);
    wordViews.set(sab, view);
  }
  return [view, byteOffset >>> 2];
}

function timeoutArg(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined || timeoutMs === Infinity) return Infinity;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw Object.assign(
      new RangeError(
        `The "timeoutMs" argument must be a number >= 0. Received ${String(timeoutMs)}`,
      ),
      {
        code: 'ERR_OUT_OF_RANGE',
      },
    );
  }
  return timeoutMs;
}

/**
 * Blocks the calling thread while the word at `byteOffset` equals `expected`, until a
 * wake, the timeout, or a spurious wake-up ('ok': callers re-check their condition).
 */
export function wait(
  sab: SharedArrayBuffer,
  byteOffset: number,
  expected: number,
  timeoutMs?: number,
): FutexWaitResult {
  const [view, index] = wordAt(sab, byteOffset);
  return native.futexWait(view, index, expected | 0, timeoutArg(timeoutMs));
}

/** Wakes up to `count` waiters (default: all) on the word at `byteOffset`, in any process; returns how many woke. */
export function wake(sab: SharedArrayBuffer, byteOffset: number, count = INT32_MAX): number {
  const [view, index] = wordAt(sab, byteOffset);
  return native.futexWake(
    view,
    index,
    count === Infinity ? INT32_MAX : checkInteger('count', count, 0, INT32_MAX),
  );
}

export interface AsyncWaitOptions {
  timeoutMs?: number;
  /** An AbortSignal (or anything with its `aborted`, `reason` and 'abort' listeners). */
  signal?: AbortLike;
}

/**
 * Futex waits that return Promises: the event loop never blocks. The sleeping is done by a
 * small pool of native threads shared by the whole process, each asleep on up to 127 words
 * at once (futex_waitv), so a thousand pending waits cost eight threads and no CPU while
 * idle. One wait at a time per waiter; reuse the waiter for the next one.
 */
export class FutexWaiter {
  #native: NativeAsyncWaiter = new native.AsyncWaiter();
  #closed = false;
  #keepsAlive = true;

  /** Whether a pending wait keeps the process alive (see unref()). */
  get keepsAlive(): boolean {
    return this.#keepsAlive;
  }

  /**
   * Resolves when the word at `byteOffset` is woken, differs from `expected`, or the
   * timeout passes. Rejects with an AbortError (code 'ABORT_ERR') when `signal` aborts
   * and with ERR_SHMRING_CLOSED when the waiter is closed meanwhile.
   */
  async wait(
    sab: SharedArrayBuffer,
    byteOffset: number,
    expected: number,
    options: AsyncWaitOptions = {},
  ): Promise<FutexWaitResult> {
    const [view, index] = wordAt(sab, byteOffset);
    const { signal } = options;
    if (signal?.aborted) throw new AbortError(signal);
    const pending = this.#native.wait(view, index, expected | 0, timeoutArg(options.timeoutMs));
    const onAbort = (): void => void this.#native.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await pending;
      if (result !== 'cancelled') return result;
      if (signal?.aborted) throw new AbortError(signal);
      throw new ShmringError('ERR_SHMRING_CLOSED', 'the futex waiter was closed while waiting');
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Ends a pending wait early; its promise rejects as closed. Returns whether one was pending. */
  cancel(): boolean {
    return this.#native.cancel();
  }

  /** Lets the process exit while a wait is pending (like socket.unref()). */
  unref(): this {
    this.#keepsAlive = false;
    this.#native.unref();
    return this;
  }

  /** Undoes unref(): a pending wait keeps the process alive (the default). */
  ref(): this {
    this.#keepsAlive = true;
    this.#native.ref();
    return this;
  }

  /** Cancels any pending wait (its promise rejects at once) and refuses new ones. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.close();
  }
}
