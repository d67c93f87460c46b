// Stores 1 into word 0 of a segment and wakes its waiters after a delay:
// `node futex-waker.ts <shm name> <delayMs>`.
import { Segment } from '../../src/segment/index.js';
import { wake } from '../../src/futex/index.js';

const [name, delay] = process.argv.slice(2);
const segment = Segment.open(name);
setTimeout(() => {
  Atomics.store(new Int32Array(segment.buffer), 0, 1);
  console.log(`woke ${wake(segment.buffer, 0)}`);
  segment.close();
}, Number(delay));
