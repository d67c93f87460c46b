// Stores 1 into words first, first + step, ... (count of them) of a segment and wakes each:
// `node futex-wake-many.ts <shm name> <first> <count> <step>`. Prints how many woke.
import { Segment } from '../../src/segment/index.js';
import { wake } from '../../src/futex/index.js';

const [name, first, count, step] = process.argv
  .slice(2)
  .map((arg, i) => (i === 0 ? arg : Number(arg))) as [string, number, number, number];
const segment = Segment.open(name);
const words = new Int32Array(segment.buffer);
let woken = 0;
for (let i = 0, index = first; i < count; i++, index += step) {
  Atomics.store(words, index, 1);
  woken += wake(segment.buffer, index * 4);
}
segment.close();
console.log(`woke ${woken}`);
