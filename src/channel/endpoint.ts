// What the producing and the consuming side of a channel share: the ring, the control
// words, the wait policy, a native waiter for async waits, and closing once.
import { ShmringError } from '../errors.js';
import { FutexWaiter } from '../futex/index.js';
import type { RingBuffer } from '../ring/index.js';
import { keepAliveChanged, type WaitPolicy } from '../wait/index.js';
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
    keepAliveChanged(); // a wait on the ring alone asks the waiter
  }

  /** Undoes unref(): a pending async wait keeps the process alive (the default). */
  ref(): void {
    this.#keepsAlive = true;
    this.#waiter?.ref();
    keepAliveChanged();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * An async wait of this side, whose failure because this side closed meanwhile says so in
   * the user's words (not the native waiter's).
   */
  protected closing<R>(wait: Promise<R>): Promise<R> {
    // A plain catch, not an async frame: this sits on the path of every async wake-up.
    return wait.catch((error: unknown) => {
      if (!this.#closed) throw error;
      throw new ShmringError('ERR_SHMRING_CLOSED', `the ${this.side} was closed while it waited`);
    });
  }

  /** 'sender' or 'receiver', for messages. */
  protected abstract readonly side: string;

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
