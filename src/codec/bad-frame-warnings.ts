// Bad frames on a receiver nobody listens to for 'error' become process warnings, but not one
// per message: a stream of bad frames (a peer with another codec, say) would bury the output.
import type { FrameError } from './frame-error.js';

/** At most one warning per this many ms; the others are counted and reported with the next. */
export const BAD_FRAME_WARNING_INTERVAL_MS = 10_000;

/** Throttles one receiver's bad-frame warnings: the first in full, then counts. */
export class BadFrameWarnings {
  readonly #channel: string;
  #unreported = 0;
  #lastWarning = -Infinity;

  constructor(channel: string) {
    this.#channel = channel;
  }

  /** Warns now, or counts the frame when the last warning is recent. */
  report(error: FrameError): void {
    const now = performance.now();
    if (now - this.#lastWarning < BAD_FRAME_WARNING_INTERVAL_MS) {
      this.#unreported++;
      return;
    }
    this.#lastWarning = now;
    if (this.#unreported > 0) this.flush();
    process.emitWarning(error);
  }

  /** Reports the frames counted since the last warning (on close, and before the next one). */
  flush(): void {
    if (this.#unreported === 0) return;
    process.emitWarning(
      `${this.#unreported} more bad frame${this.#unreported === 1 ? '' : 's'} skipped on ${this.#channel} (listen for 'error' on the receiver to see each)`,
      { code: 'ERR_SHMRING_BAD_FRAME' },
    );
    this.#unreported = 0;
  }
}
