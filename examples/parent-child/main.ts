// The parent: shares an anonymous channel with a child it spawns, the counterpart of fork()
// after mmap(MAP_SHARED | MAP_ANONYMOUS). The ring lives in a memfd: it has no name, so
// nothing appears in /dev/shm, and the kernel frees it when both processes are gone.
//   npx tsx examples/parent-child/main.ts [--count N]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import {
  Segment,
  createRing,
  openReceiver,
  ringSegmentSize,
  type ShmringError,
} from '../../src/index.js';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const CAPACITY = 1 << 20;

const { values } = parseArgs({ options: { count: { type: 'string', default: '1000' } } });
const count = Number(values.count);

// An unnamed segment with an empty ring in it; its descriptor is the only way in.
const segment = Segment.createMemfd('shmring-parent-child', ringSegmentSize(CAPACITY));
createRing(segment.buffer, { kind: 'spsc', capacity: CAPACITY });
const receiver = openReceiver<bigint>(segment.buffer);

// The descriptor becomes the child's fd 3 (exec keeps it, unlike fork()'s copied mappings).
const child = spawn(process.execPath, [...process.execArgv, CHILD, String(count)], {
  stdio: ['inherit', 'inherit', 'inherit', segment.fd],
});
console.log(`parent ${process.pid}: child ${child.pid} started; it gets the memfd as fd 3`);

// A child that dies before it could close its end must not leave the parent waiting.
const childFailed = new AbortController();
child.on('exit', (code, signal) => {
  if (code !== 0) childFailed.abort(new Error(`the child exited with ${signal ?? `code ${code}`}`));
});

// The child sends the Fibonacci numbers F(1)..F(count), as BigInts of growing size; the
// parent checks each one as it arrives (no waiting for the child to exit, no busy-waiting).
let [expected, next] = [1n, 1n];
let received = 0;
try {
  for (;;) {
    const value = await receiver.receive({ signal: childFailed.signal });
    if (value !== expected) throw new Error(`F(${received + 1}) is wrong: ${value}`);
    [expected, next] = [next, expected + next];
    if (++received <= 5) console.log(`parent: F(${received}) = ${value}`);
  }
} catch (error) {
  if ((error as ShmringError).code !== 'ERR_SHMRING_END_OF_STREAM') {
    console.error(`parent: ${(error as Error).message} after ${received} numbers`);
    process.exitCode = 1;
  }
} finally {
  receiver.close();
  segment.close();
}
if (process.exitCode !== 1) {
  const last = next - expected; // F(received)
  console.log(
    `parent: received F(1)..F(${received}) from the child, all correct; F(${received}) has ${last.toString().length} digits`,
  );
}
