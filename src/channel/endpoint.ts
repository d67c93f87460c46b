// What the producing and the consuming side of a channel share: the ring, the control
// words, the wait policy, a native waiter for async waits, and closing once.
import { FutexWaiter } from '../futex/index.js';
import type { RingBuffer } from '../ring/index.js';
import type { WaitPolicy } from '../wait/index.js';
import type { ChannelControl } from './control.js';

export abstract class Endpoint {
  readonly ring: RingBuffer;
  readonly control: ChannelControl;
  readonly policy: WaitPolicy;
  #waiter: FutexWaiter | undefined;
  #keepsAlive = true;
  #closed = false;

  constructor(ring: RingBuffer, control: ChannelControl, policy: WaitPolicy) {
    this.ring = ring;
    this.control = control;
    this.policy = policy;
  }

  /** The native waiter for async waits, made on first use (it owns a thread). */
  protected get waiter(): FutexWaiter {
    this.#waiter ??= this.#keepsAlive ? new FutexWaiter() : new FutexWaiter().unref();
    return this.#waiter;
  }

  /** Lets the process exit while an async wait is pending. */
  unref(): void {
    this.#keepsAlive = false;
    this.#waiter?.unref();
  }

  /** Undoes unref(): a pending async wait keeps the process alive (the default). */
  ref(): void {
    this.#keepsAlive = true;
    this.#waiter?.ref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Closes this side (pending async waits end with ERR_SHMRING_CLOSED). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiter?.close();
    this.control.dataAvailable.withdrawAll();
    this.control.spaceAvailable.withdrawAll();
    this.release();
  }

  /** Tells the other side, through the control words, that this one is gone. */
  protected abstract release(): void;
}
