// A cheap stand-in for AbortController inside the library's own waits. A Node AbortSignal costs
// about 2 µs to make (Node 20), and every async sleep made two (the receiver's re-plan, the
// schedule's wake), each with listeners: on a wake-up's critical path, both ways of a round trip.

/** What a wait listens to for being called off: an AbortSignal, or an Interrupt. */
export interface AbortLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Aborts once: its listeners run then, in order, and `aborted` stays true. */
export class Interrupt implements AbortLike {
  aborted = false;
  #listeners: (() => void)[] = [];

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }

  /** Listens for the abort (not called if it happened already, as with AbortSignal). */
  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.#listeners.indexOf(listener);
    if (at >= 0) this.#listeners.splice(at, 1);
  }
}
