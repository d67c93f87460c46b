// One timer for the periodic work of every endpoint in the process (heartbeats, liveness checks,
// clearing what dead peers left) while nothing else runs it: a thousand idle endpoints cost one
// wake-up per period, not a thousand, and an endpoint that sleeps in an async wait is woken only
// when that work changed something it waits for.

/** Work on a schedule: `due` is the performance.now() of its next run; fire() runs it and moves `due` (it must not throw). */
export interface Scheduled {
  readonly due: number;
  fire(): void;
}

/**
 * Work due within this many ms of the timer's run goes with it, so that the wake-ups of many
 * endpoints merge (1000 idle receivers: 1.4% of a core with 20 ms, 0.75% with 250 ms). Beating
 * or checking a little early is harmless: every deadline it serves is a timeout of seconds.
 */
const MERGE_MS = 250;

class Schedule {
  readonly #entries = new Set<Scheduled>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer fires (Infinity: not armed). */
  #timerDue = Infinity;

  /** Runs `entry` when it is due, and again at each new `due`, until delete(). */
  add(entry: Scheduled): void {
    this.#entries.add(entry);
    this.#arm(entry.due);
  }

  delete(entry: Scheduled): void {
    this.#entries.delete(entry);
    if (this.#entries.size === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerDue = Infinity;
    }
  }

  #arm(due: number): void {
    if (due >= this.#timerDue) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerDue = due;
    // Unref'd: the schedule never keeps a process alive (a pending wait's own handle does).
    this.#timer = setTimeout(() => this.#run(), Math.max(0, due - performance.now())).unref();
  }

  #run(): void {
    this.#timer = undefined;
    this.#timerDue = Infinity;
    const horizon = performance.now() + MERGE_MS;
    let next = Infinity;
    for (const entry of this.#entries) {
      if (entry.due <= horizon) entry.fire();
      if (this.#entries.has(entry) && entry.due < next) next = entry.due;
    }
    if (next < Infinity) this.#arm(next);
  }
}

/** The process's schedule (per thread: each worker has its own event loop). */
export const schedule = new Schedule();
