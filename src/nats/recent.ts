// The values a receiver holds or handed out lately, by sender and sequence number, so that a
// copy the server delivers again (an acknowledgement lost in a server crash, or one that
// came too late) is dropped, while a value a stopped receiver never handed out is not.

/** How long a handed-out value is remembered, in acknowledgement waits (redeliveries come within one). */
const REMEMBERED_ACK_WAITS = 3;
/** At most this many are remembered (the oldest are forgotten first). */
const MAX_REMEMBERED = 1 << 20;

/** The key of one value: its sender and sequence number. */
export function valueKey(sender: string, seq: number): string {
  return `${sender}:${seq}`;
}

/** Values queued or handed out lately. */
export class RecentValues {
  /** Handed out: key -> when (insertion order is time order). */
  readonly #handedOut = new Map<string, number>();
  /** Taken from the server and not yet handed out. */
  readonly #queued = new Set<string>();
  readonly #rememberMs: number;

  constructor(ackWaitMs: number) {
    this.#rememberMs = REMEMBERED_ACK_WAITS * ackWaitMs;
  }

  /** Whether the value is a copy of one queued or handed out. */
  has(key: string): boolean {
    return this.#queued.has(key) || this.#handedOut.has(key);
  }

  /** Whether the value was handed out (its copy may be acknowledged: the server forgot it). */
  handedOut(key: string): boolean {
    return this.#handedOut.has(key);
  }

  queued(key: string): void {
    this.#queued.add(key);
  }

  /** The value left the queue (handed out, or given back to the server). */
  dequeued(key: string): void {
    this.#queued.delete(key);
  }

  handOut(key: string): void {
    this.#queued.delete(key);
    const now = performance.now();
    this.#handedOut.set(key, now);
    for (const [old, at] of this.#handedOut) {
      if (now - at <= this.#rememberMs && this.#handedOut.size <= MAX_REMEMBERED) break;
      this.#handedOut.delete(old);
    }
  }
}
