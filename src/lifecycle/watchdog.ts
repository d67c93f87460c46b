// The consumer's recovery, on its own schedule while it waits or polls (half the heartbeat
// timeout): it beats, closes producers found dead on their behalf, and clears the
// records they claimed and never committed, so that nothing behind them is held up.
//
// Whose claim is it? Each registered producer records, before it claims, the tail it saw
// (its claim starts there or later) and clears it once it has committed. An uncommitted
// record at position p may therefore be any of the producers whose recorded tail is <= p:
// - if one of them is alive, it is left alone (a slow live producer is never padded);
// - if all of them are dead, it is cleared at once, wherever it lies;
// - if none (a producer that never registered, such as a C peer), it is cleared only when
//   it is the head and the head has not moved for the heartbeat timeout (as Aeron's driver
//   does with a stuck head).
// Each run walks from the head over every record below the tail read before the registry,
// so several dead claims, claims away from the head and claims at index 0 after a wrap are
// all cleared in one go.
import type { ChannelControl } from '../channel/control.js';
import type { RingBuffer } from '../ring/index.js';
import type { Watch, WaitPolicy } from '../wait/index.js';
import { isProducerAlive } from './liveness.js';
import type { SlotView } from './registry.js';

/** Whether a producer's recorded claim can be the record at `position` (both low halves). */
function mayOwn(view: SlotView, position: number): boolean {
  return view.claim !== 0 && ((position - (view.claim & ~1)) | 0) >= 0;
}

export class ConsumerWatchdog implements Watch {
  due = 0;
  readonly #ring: RingBuffer;
  readonly #control: ChannelControl;
  readonly #timeoutMs: number;
  readonly #onGone: (slots: number[]) => void;
  /** The head position while the head is blocked, and since when (performance.now()). */
  #stuckAt = NaN;
  #stuckSince = 0;

  /** `onGone` gets the registry slots of the producers found dead (their half-sent messages are void). */
  constructor(
    ring: RingBuffer,
    control: ChannelControl,
    policy: WaitPolicy,
    onGone: (slots: number[]) => void,
  ) {
    this.#ring = ring;
    this.#control = control;
    this.#timeoutMs = policy.heartbeatTimeoutMs;
    this.#onGone = onGone;
  }

  /**
   * Returns true when the consumer should look again: it cleared a record or closed a producer
   * (it may read on), or the channel turned out broken (its reads fail now).
   */
  run(): boolean {
    const now = performance.now();
    this.due = now + this.#timeoutMs / 2;
    const ring = this.#ring;
    ring.consumerHeartbeatTime = Date.now();
    // The tail first: every claim below it was made after its producer recorded it.
    const limit = ring.producerPosition() | 0;
    const blocked = ring.headBlocked();
    if (!blocked) {
      this.#stuckAt = NaN;
    } else if (ring.consumerPosition() !== this.#stuckAt) {
      this.#stuckAt = ring.consumerPosition();
      this.#stuckSince = now;
    }
    const views = this.#control.producerSlots();
    let dead: SlotView[] | undefined;
    for (const view of views)
      if (!isProducerAlive(view, this.#timeoutMs, blocked)) (dead ??= []).push(view);
    // The usual run (everyone alive, the head free) allocates nothing beyond the views it read:
    // a thousand idle endpoints run this every second, and their garbage wakes the collector.
    if (dead === undefined && !blocked) return this.#control.broken;
    return this.#recover(views, dead ?? [], blocked, limit, now);
  }

  /** Closes the `dead` producers and clears the records that hold the head up. */
  #recover(
    views: SlotView[],
    dead: SlotView[],
    blocked: boolean,
    limit: number,
    now: number,
  ): boolean {
    const alive = views.filter((view) => !dead.includes(view));
    // Closed first, so that a producer taken for dead finds its slot gone when it commits.
    const gone = dead.filter((view) => this.#control.closeProducer(view));
    let cleared = 0;
    if (blocked || gone.length > 0) {
      const stuckLong = now - this.#stuckSince >= this.#timeoutMs;
      cleared = this.#ring.clearBlockers(limit, (position, atHead) => {
        if (alive.some((view) => mayOwn(view, position))) return false;
        return dead.some((view) => mayOwn(view, position)) || (atHead && stuckLong);
      });
    }
    if (gone.length > 0) this.#onGone(gone.map((view) => view.slot));
    return cleared > 0 || gone.length > 0 || this.#control.broken;
  }
}
