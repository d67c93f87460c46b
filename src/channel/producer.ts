// The producing side of a channel: writes records, and waits for space (back-pressure)
// with the channel's wait policy when the ring is full.
import { ShmringError } from '../errors.js';
import { claimLost } from '../ring/ring-buffer.js';
import { slotFieldIndex, type SlotLease } from '../lifecycle/registry.js';
import {
  PRODUCER_SLOT_CLAIM_OFFSET,
  PRODUCER_SLOT_STATE_OFFSET,
  type RingBuffer,
} from '../ring/index.js';
import {
  deadlineAfter,
  timeoutError,
  waitAsyncWatched,
  waitSyncWatched,
  schedule,
  type AbortLike,
  type Scheduled,
  type Watch,
  type WaitPolicy,
} from '../wait/index.js';
import type { ChannelControl } from './control.js';
import { Endpoint } from './endpoint.js';

export interface WaitCallOptions {
  /** Give up after this many ms (default: wait as long as it takes). */
  timeoutMs?: number;
  /** Abort the wait (async calls only). */
  signal?: AbortLike;
}

/** An attempt to make progress; true once the whole operation is done. */
export type Attempt = () => boolean;

export class Producer extends Endpoint {
  protected readonly side = 'sender';
  /** This producer's registry slot: its id in fragment headers and liveness checks. */
  readonly slot: number;
  readonly #lease: SlotLease;
  /** Beats while the process runs, waiting or not (on the process's schedule: one timer for all). */
  readonly #heartbeat: Scheduled;
  // While it waits for space: a heartbeat and a look at the consumer, every half of the
  // heartbeat timeout whatever the timeouts of the calls.
  readonly #watch: Watch & { due: number };

  constructor(ring: RingBuffer, control: ChannelControl, policy: WaitPolicy) {
    super(ring, control, policy);
    const lease = control.openProducer(ring.kind === 'spsc', policy.heartbeatTimeoutMs);
    this.#lease = lease;
    this.slot = lease.slot;
    ring.trackClaims(
      slotFieldIndex(lease.slot, PRODUCER_SLOT_CLAIM_OFFSET),
      slotFieldIndex(lease.slot, PRODUCER_SLOT_STATE_OFFSET),
      lease.word,
    );
    const beat = policy.heartbeatTimeoutMs / 4;
    const heartbeat = {
      due: performance.now() + beat,
      fire: () => {
        heartbeat.due = performance.now() + beat;
        control.registry.beat(lease.slot);
      },
    };
    this.#heartbeat = heartbeat;
    schedule.add(heartbeat);
    const check = policy.heartbeatTimeoutMs / 2;
    const watch = {
      due: performance.now() + check,
      run: () => {
        watch.due = performance.now() + check;
        control.registry.beat(lease.slot);
        this.#checkConsumer();
        // Then the next attempt fails (ERR_SHMRING_BROKEN, ERR_SHMRING_CLAIM_LOST).
        return this.control.broken || !control.registry.holds(lease.slot, lease.word);
      },
    };
    this.#watch = watch;
  }

  /**
   * Throws unless records may be written now: EPIPE once the consumer closed,
   * ERR_SHMRING_CLAIM_LOST once the consumer took this producer for dead.
   */
  checkWritable(): void {
    // Every send starts here: plain reads first (three Atomics.loads would cost as much as the
    // write of a small record), then the atomic ones that say what is wrong.
    const control = this.control;
    const lease = this.#lease;
    if (!this.closed && control.seemsWritable && control.registry.seemsHeld(lease.slot, lease.word))
      return;
    if (this.closed) throw new ShmringError('ERR_SHMRING_CLOSED', 'the sender is closed');
    // Broken first: a truncated segment reads as zeros, which would look like a lost slot.
    if (this.control.broken)
      throw new ShmringError(
        'ERR_SHMRING_BROKEN',
        'the channel is broken: its shared memory was found corrupt',
      );
    if (!this.control.registry.holds(this.#lease.slot, this.#lease.word)) throw claimLost();
    if (this.control.consumerClosed)
      throw new ShmringError('EPIPE', 'the channel is closed by its consumer');
  }

  /** Wakes the consumer if it sleeps; call after publishing records (write or commit). */
  published(): void {
    this.control.dataAvailable.notify();
  }

  // Claims made so far, to wake the consumer only when an attempt published something.
  #claimsSeen = 0;

  /** One record, once: true if written, false when the ring is full. */
  tryWrite(typeId: number, bytes: Uint8Array, offset = 0, length = bytes.length - offset): boolean {
    this.checkWritable();
    if (!this.ring.write(typeId, bytes, offset, length)) return false;
    this.published();
    return true;
  }

  // Each attempt publishes what it wrote, even if it is not done: a message that is written
  // in fragments needs the consumer to drain the first ones to make room for the rest.
  #attempt(attempt: Attempt): Attempt {
    return () => {
      this.checkWritable();
      const done = attempt();
      if (this.ring.claims !== this.#claimsSeen) {
        this.#claimsSeen = this.ring.claims;
        this.published();
      }
      return done;
    };
  }

  /** Repeats `attempt` until it reports done, sleeping for space in between (blocks the thread). */
  offerSync(attempt: Attempt, options: WaitCallOptions = {}): void {
    const deadline = deadlineAfter(options.timeoutMs);
    const done = waitSyncWatched(
      this.#attempt(attempt),
      this.control.spaceAvailable,
      this.policy,
      deadline,
      this.#watch,
    );
    if (!done) throw timeoutError('space in the ring');
  }

  /** offerSync() without blocking the event loop. */
  async offerAsync(attempt: Attempt, options: WaitCallOptions = {}): Promise<void> {
    const deadline = deadlineAfter(options.timeoutMs);
    const space = this.control.spaceAvailable;
    const done = await this.closing(
      waitAsyncWatched(
        this.#attempt(attempt),
        space,
        this.waiter,
        this.policy,
        deadline,
        this.#watch,
        options.signal,
      ),
    );
    if (!done) throw timeoutError('space in the ring');
  }

  // A full ring whose consumer died would block us forever.
  #checkConsumer(): void {
    if (
      !this.control.consumerAlive(this.policy.heartbeatTimeoutMs, this.ring.consumerHeartbeatTime)
    ) {
      throw new ShmringError(
        'ECONNRESET',
        'the receiver is gone: its process died and its heartbeat stopped',
      );
    }
  }

  /** Unregisters; the last producer to close ends the stream (unless it is kept open). */
  protected release(): void {
    schedule.delete(this.#heartbeat);
    this.control.closeProducer(this.#lease);
  }
}
