// The consuming side of a channel: reads records, sleeps when the ring is empty, wakes
// producers that wait for space, and reports end-of-stream once everything is drained.
import { ShmringError, receiverClosedError } from '../errors.js';
import { ConsumerWatchdog } from '../lifecycle/watchdog.js';
import type { MessageHandler, RingBuffer } from '../ring/index.js';
import {
  deadlineAfter,
  runIfDue,
  waitAsyncWatched,
  waitSyncWatched,
  type WaitPolicy,
} from '../wait/index.js';
import type { ChannelControl } from './control.js';
import { Endpoint } from './endpoint.js';
import type { WaitCallOptions } from './producer.js';

/** What read calls return once every producer closed and the ring is drained. */
export const END_OF_STREAM = -1;

/** Polls between looks at the clock for the watchdog: rare enough to cost nothing. */
const POLLS_PER_CLOCK_READ = 128;

export class Consumer extends Endpoint {
  protected readonly side = 'receiver';
  #pollsToClockRead = 0;
  /**
   * Read ahead: the records read stay in the ring (the head does not move) until
   * releaseRecords() hands their space back, so values read but not yet handed out survive a
   * close.
   */
  readAhead = false;
  /** Called with the registry slots of producers found dead (their half-sent messages are void). */
  onProducersGone: (slots: number[]) => void = () => {};
  // Heartbeat, reaping and clearing dead claims, due every half of the heartbeat timeout
  // while this consumer polls or waits, whatever the timeouts of the calls.
  readonly #watchdog: ConsumerWatchdog;

  constructor(ring: RingBuffer, control: ChannelControl, policy: WaitPolicy) {
    super(ring, control, policy);
    control.openConsumer(policy.heartbeatTimeoutMs, ring.consumerHeartbeatTime);
    this.#watchdog = new ConsumerWatchdog(ring, control, policy, (slots) =>
      this.onProducersGone(slots),
    );
    this.#watchdog.run();
  }

  /**
   * Hands up to `limit` records to `handler` without waiting. Returns how many, 0 when
   * the ring is empty, or END_OF_STREAM once all producers closed and nothing is left.
   */
  poll(handler: MessageHandler, limit = Infinity): number {
    if (this.closed) throw receiverClosedError();
    if (this.control.broken)
      throw new ShmringError(
        'ERR_SHMRING_BROKEN',
        'the channel is broken: its shared memory was found corrupt',
      );
    if (--this.#pollsToClockRead < 0) {
      this.#pollsToClockRead = POLLS_PER_CLOCK_READ;
      runIfDue(this.#watchdog);
    }
    let count = this.#read(handler, limit);
    // Read the flag, then the ring once more: what producers published before closing is
    // visible once the flag is, so an empty ring after the flag is really the end.
    if (count === 0 && this.control.ended) {
      count = this.#read(handler, limit);
      if (count === 0) return END_OF_STREAM;
    }
    return count;
  }

  #read(handler: MessageHandler, limit: number): number {
    try {
      return this.readAhead ? this.ring.peek(handler, limit) : this.ring.read(handler, limit);
    } catch (error) {
      if ((error as ShmringError).code === 'ERR_SHMRING_CORRUPT') this.control.markBroken();
      throw error;
    } finally {
      // Consumed space (also of a message whose handler threw) goes back to the producers;
      // only then: a wake-up without progress would have them retry for nothing.
      if (!this.readAhead && this.ring.consumed !== 0) this.control.spaceAvailable.notify();
    }
  }

  /**
   * Read ahead: hands the space of the records up to `upTo` (a `ring.peeked` value) back, and
   * tells producers waiting for space when the head moved. (That costs an atomic load unless
   * one sleeps: waking only per batch would leave a sender that waits for room in the
   * receiver's thread asleep while that thread takes values one by one.)
   */
  releaseRecords(upTo: number): void {
    this.ring.release(upTo);
    if (this.ring.consumed !== 0) this.control.spaceAvailable.notify();
  }

  /** poll() that waits up to the timeout for records; 0 means it timed out. Blocks the thread. */
  readSync(handler: MessageHandler, limit = Infinity, options: WaitCallOptions = {}): number {
    let count = 0;
    const ready = (): boolean => (count = this.poll(handler, limit)) !== 0;
    waitSyncWatched(
      ready,
      this.control.dataAvailable,
      this.policy,
      deadlineAfter(options.timeoutMs),
      this.#watchdog,
    );
    return count;
  }

  /**
   * readSync() without blocking the event loop; `signal` aborts the wait. `spun`: the caller
   * has just spun (spinBriefly), so the wait parks at once.
   */
  readAsync(
    handler: MessageHandler,
    limit = Infinity,
    options: WaitCallOptions = {},
    spun = false,
  ): Promise<number> {
    let count = 0;
    const ready = (): boolean => (count = this.poll(handler, limit)) !== 0;
    try {
      const deadline = deadlineAfter(options.timeoutMs);
      const waited = waitAsyncWatched(
        ready,
        this.control.dataAvailable,
        this.waiter,
        this.policy,
        deadline,
        this.#watchdog,
        options.signal,
        spun,
      );
      return this.closing(waited).then(() => count);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Producers' sends fail with EPIPE from now on. */
  protected release(): void {
    this.control.closeConsumer();
  }
}
