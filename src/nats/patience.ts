// How long a call against the server may keep trying: its own deadline and signal, and how
// long the server may stay unreachable. Also tells the kinds of failure apart.
import { setTimeout as sleep } from 'node:timers/promises';

import { ShmringError } from '../errors.js';
import { deadlineAfter, timeoutError } from '../wait/index.js';

/** What a failed JetStream call means for a caller that may retry. */
export type Failure = 'full' | 'unreachable' | 'no-responders' | 'no-stream' | 'fatal';

/** Tells a full stream, a missing stream and a lost server apart (by the client's error names). */
export function classify(error: unknown): Failure {
  const e = error as { name?: string; message?: string; code?: number };
  const message = String(e?.message ?? '');
  if (e?.name === 'JetStreamApiError' || e?.name === 'StreamNotFoundError') {
    if (/maximum (bytes|messages) exceeded|resource limits exceeded/i.test(message)) return 'full';
    if (/stream not found/i.test(message)) return 'no-stream';
    // The server answers 503 while JetStream is not ready yet after a restart.
    if (/jetstream.*(not|temporarily) (enabled|available)|unavailable/i.test(message))
      return 'unreachable';
    return 'fatal';
  }
  // Nobody answers the subject: the stream is gone, or the server is still starting.
  if (['JetStreamNotEnabled', 'NoResponders'].includes(String(e?.name))) return 'no-responders';
  if (
    ['TimeoutError', 'ConnectionError', 'ClosedConnectionError', 'RequestError'].includes(
      String(e?.name),
    )
  )
    return 'unreachable';
  // A pull whose server went quiet.
  if (e?.name === 'JetStreamError' && /heartbeats missed/i.test(message)) return 'unreachable';
  return 'fatal';
}

function abortError(signal: AbortSignal): ShmringError {
  return new ShmringError('ABORT_ERR', 'The operation was aborted', { cause: signal.reason });
}

const MAX_PAUSE_MS = 200;

/** The waiting budget of one call. */
export class Patience {
  readonly #deadline: number;
  readonly #signal: AbortSignal | undefined;
  readonly #serverTimeoutMs: number;
  readonly #what: string;
  #outageSince: number | undefined;
  #pauses = 0;

  constructor(
    what: string,
    options: { timeoutMs?: number; signal?: AbortSignal },
    serverTimeoutMs: number,
  ) {
    this.#what = what;
    this.#deadline = deadlineAfter(options.timeoutMs);
    this.#signal = options.signal;
    this.#serverTimeoutMs = serverTimeoutMs;
  }

  /** Milliseconds left (Infinity without a timeout). */
  get remaining(): number {
    return this.#deadline - performance.now();
  }

  /** Throws ABORT_ERR or ETIMEDOUT when the call must stop. */
  check(): void {
    if (this.#signal?.aborted) throw abortError(this.#signal);
    if (this.remaining <= 0) throw timeoutError(this.#what);
  }

  /** The server answered: an outage, if any, is over. */
  reached(): void {
    this.#outageSince = undefined;
  }

  /** The server did not answer: throws ECONNRESET once that has lasted past serverTimeoutMs. */
  unreachable(cause: unknown): void {
    const now = performance.now();
    this.#outageSince ??= now;
    if (now - this.#outageSince >= this.#serverTimeoutMs)
      throw new ShmringError(
        'ECONNRESET',
        `the NATS server has not answered for ${this.#serverTimeoutMs} ms`,
        { cause },
      );
  }

  /** Waits a little longer each time (1 ms doubling to 200 ms), within the deadline and signal. */
  async pause(): Promise<void> {
    this.check();
    const ms = Math.min(2 ** this.#pauses++, MAX_PAUSE_MS, Math.max(0, this.remaining));
    try {
      await sleep(ms, undefined, { signal: this.#signal });
    } catch (error) {
      if (this.#signal?.aborted) throw abortError(this.#signal);
      throw error;
    }
    this.check();
  }
}
