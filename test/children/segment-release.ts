// Closes a segment, keeps its buffer a while, then drops it and collects: prints whether
// the mapping is in /proc/self/maps while the buffer is held and once it is collected.
// `node --expose-gc segment-release.ts <name>`.
import { readFileSync } from 'node:fs';

import { Segment } from '../../src/segment/index.js';

const gc = (globalThis as { gc?: () => void }).gc!;
const name = process.argv[2];
const mapped = (): boolean => readFileSync('/proc/self/maps', 'utf8').includes(`/dev/shm${name}`);

// In a function, so that nothing holds the buffer after the call.
function closedButHeld(): boolean {
  const segment = Segment.create(name, 4096);
  Segment.unlink(name);
  segment.close();
  return mapped();
}
const mappedWhileHeld = closedButHeld();
// Collected, the buffer's backing store is freed (and the mapping with it) by V8 when its
// sweeper gets to it, on a background thread: on a loaded machine that may be well after
// the collection itself. Up to 5 s.
for (let i = 0; i < 500 && mapped(); i++) {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
}
console.log(JSON.stringify({ mappedWhileHeld, mappedAfterCollect: mapped() }));
