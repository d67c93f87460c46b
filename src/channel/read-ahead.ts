// Values decoded ahead of the ring's head. Each keeps the ring's `peeked` count at the end of
// its last record, so handing a value out releases exactly the records it came from: values
// not yet handed out stay in the ring for whoever receives next (after a close, or a crash).

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
}
