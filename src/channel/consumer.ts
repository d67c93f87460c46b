// The consuming side of a channel: reads records, sleeps when the ring is empty, wakes
// producers that wait for space, and reports end-of-stream once everything is drained.
import { ShmringError } from '../errors.js';
import { FutexWaiter } from '../futex/index.js';
import type { MessageHandler, RingBuffer } from '../ring/index.js';
import { deadlineAfter, waitAsync, waitSync, type WaitPolicy } from '../wait/index.js';
import type { ChannelControl } from './control.js';
import type { WaitCallOptions } from './producer.js';

/** What read calls return once every producer closed and the ring is drained. */
export const END_OF_STREAM = -1;

export class Consumer {
  readonly ring: RingBuffer;
  readonly control: ChannelControl;
  readonly policy: WaitPolicy;
  #waiter: FutexWaiter | undefined;
  #closed = false;

  constructor(ring: RingBuffer, control: ChannelControl, policy: WaitPolicy) {
    this.ring = ring;
    this.control = control;
    this.policy = policy;
    control.openConsumer();
  }

  /**
   * Hands up to `limit` records to `handler` without waiting. Returns how many, 0 when
   * the ring is empty, or END_OF_STREAM once all producers closed and nothing is left.
   */
  poll(handler: MessageHandler, limit = Infinity): number {
    if (this.#closed) throw new ShmringError('ERR_SHMRING_CLOSED', 'the receiver is closed');
    if (this.control.broken) throw new ShmringError('ERR_SHMRING_BROKEN', 'the channel is broken: its shared memory was found corrupt');
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
      return this.ring.read(handler, limit);
    } catch (error) {
      if ((error as ShmringError).code === 'ERR_SHMRING_CORRUPT') this.control.markBroken();
      throw error;
    } finally {
      // Consumed space (also of a message whose handler threw) goes back to the producers.
      this.control.spaceAvailable.notify();
    }
  }

  /** poll() that waits up to the timeout for records; 0 means it timed out. Blocks the thread. */
  readSync(handler: MessageHandler, limit = Infinity, options: WaitCallOptions = {}): number {
    let count = 0;
    waitSync(() => (count = this.poll(handler, limit)) !== 0, this.control.dataAvailable, this.policy, deadlineAfter(options.timeoutMs));
    return count;
  }

  /** readSync() without blocking the event loop; `signal` aborts the wait. */
  async readAsync(handler: MessageHandler, limit = Infinity, options: WaitCallOptions = {}): Promise<number> {
    let count = 0;
    this.#waiter ??= new FutexWaiter();
    const ready = (): boolean => (count = this.poll(handler, limit)) !== 0;
    await waitAsync(ready, this.control.dataAvailable, this.#waiter, this.policy, deadlineAfter(options.timeoutMs), options.signal);
    return count;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the receiving side: producers' sends fail with EPIPE from now on. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiter?.close();
    this.control.closeConsumer();
  }
}
