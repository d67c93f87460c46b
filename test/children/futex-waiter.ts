// Child side of test/futex.test.ts: blocks in a futex wait on a shared word and reports
// the result: `node futex-waiter.ts <shm name> <byteOffset> <expected> <timeoutMs>`.
import { Segment } from '../../src/segment/index.js';
import { wait } from '../../src/futex/index.js';

const [name, offset, expected, timeout] = process.argv.slice(2);
const segment = Segment.open(name);
const words = new Int32Array(segment.buffer);
// Tell the parent we are about to sleep, so it wakes us only once we can be woken.
Atomics.add(words, 1, 1);
console.log('waiting');
const started = process.hrtime.bigint();
const result = wait(
  segment.buffer,
  Number(offset),
  Number(expected),
  timeout === 'forever' ? undefined : Number(timeout),
);
const ms = Number(process.hrtime.bigint() - started) / 1e6;
console.log(`result=${result} ms=${ms.toFixed(1)} word=${Atomics.load(words, Number(offset) / 4)}`);
segment.close();
