// Attaching producers and consumers to a segment that already holds a ring.
import { attachRing } from '../ring/index.js';
import { waitPolicy, type WaitMode } from '../wait/index.js';
import { Consumer } from './consumer.js';
import { ChannelControl } from './control.js';
import { Producer } from './producer.js';

export interface WaitOptions {
  /** How to wait: 'spin', 'adaptive' (default) or 'park'. */
  wait?: WaitMode;
  /** 'adaptive': microseconds to spin before yielding (default 50). */
  spinMicros?: number;
  /** 'adaptive': microseconds to yield before parking (default 50). */
  yieldMicros?: number;
  /**
   * Liveness (default 2000 ms): a sender blocked on a full ring fails with ECONNRESET once the
   * receiver's process is gone and its heartbeat is this old; a waiting receiver checks for
   * dead senders every half of it.
   */
  heartbeatTimeoutMs?: number;
}

/** A producer over the ring in `buffer` (validated first). */
export function attachProducer(buffer: SharedArrayBuffer, options: WaitOptions = {}): Producer {
  return new Producer(attachRing(buffer), new ChannelControl(buffer), waitPolicy(options));
}

/** The consumer over the ring in `buffer` (validated first). */
export function attachConsumer(buffer: SharedArrayBuffer, options: WaitOptions = {}): Consumer {
  return new Consumer(attachRing(buffer), new ChannelControl(buffer), waitPolicy(options));
}
