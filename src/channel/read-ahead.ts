// Values decoded ahead of the ring's head. Each keeps the ring's `peeked` count at the end of
// its last record, so the receiver can release exactly the records of the values it handed
// out: values not yet handed out stay in the ring for whoever receives next (after a close,
// or a crash).

/** A FIFO of values, each with the read count at the end of its records; no allocation per value. */
export class ReadAheadQueue<T> {
  #values: (T | undefined)[] = [];
  #ends: number[] = [];
  #first = 0;
  #count = 0;
  /** The read count at the end of the last value taken (what to release up to). */
  end = 0;

  get length(): number {
    return this.#count - this.#first;
  }

  push(value: T, end: number): void {
    this.#values[this.#count] = value;
    this.#ends[this.#count++] = end;
  }

  /** Takes the first value (the queue must not be empty) and sets `end`. */
  shift(): T {
    const first = this.#first;
    const value = this.#values[first] as T;
    this.#values[first] = undefined; // the queue does not keep values alive
    this.end = this.#ends[first];
    if (++this.#first === this.#count) this.#first = this.#count = 0;
    return value;
  }

  /** Takes up to `max` values (at least one; the queue must not be empty) and sets `end`. */
  take(max: number): T[] {
    const first = this.#first;
    const stop = Math.min(this.#count, first + max);
    const values = this.#values.slice(first, stop) as T[];
    this.#values.fill(undefined, first, stop);
    this.end = this.#ends[stop - 1];
    this.#first = stop;
    if (stop === this.#count) this.#first = this.#count = 0;
    return values;
  }

  /** Drops every value not taken (they stay in the ring); `end` stays. */
  clear(): void {
    this.#values.fill(undefined, this.#first, this.#count);
    this.#first = this.#count = 0;
  }
}

// A process that exits without closing its receivers must not leave values it handed out in
// the ring (the next receiver would get them again). Receivers that hold such values back
// (they give their space back per batch, not per value) are listed here until they release.
const holding = new Set<() => void>();
let exitHooked = false;

/** Runs `release` if the process exits before forgetOnExit(release). */
export function releaseOnExit(release: () => void): void {
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => {
      for (const run of holding) {
        try {
          run();
        } catch {
          // Best effort: a channel found broken meanwhile cannot take its space back.
        }
      }
    });
  }
  holding.add(release);
}

/** Undoes releaseOnExit(release). */
export function forgetOnExit(release: () => void): void {
  holding.delete(release);
}
