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
}

/** A producer over the ring in `buffer` (validated first). */
export function attachProducer(buffer: SharedArrayBuffer, options: WaitOptions = {}): Producer {
  return new Producer(attachRing(buffer), new ChannelControl(buffer), waitPolicy(options));
}

/** The consumer over the ring in `buffer` (validated first). */
export function attachConsumer(buffer: SharedArrayBuffer, options: WaitOptions = {}): Consumer {
  return new Consumer(attachRing(buffer), new ChannelControl(buffer), waitPolicy(options));
}
