// Closes a segment, keeps its buffer a while, then drops it and collects: prints whether
// the mapping is in /proc/self/maps while the buffer is held and after it is collected.
// `node --expose-gc segment-release.ts <name>`.
import { readFileSync } from 'node:fs';

import { Segment } from '../../src/segment/index.js';

const gc = (globalThis as { gc?: () => void }).gc!;
const name = process.argv[2];
const mapped = (): boolean => readFileSync('/proc/self/maps', 'utf8').includes(`/dev/shm${name}`);

let collected = false;
const registry = new FinalizationRegistry(() => (collected = true));
// In a function, so nothing but the registry's weak reference outlives the call.
function closedButHeld(): boolean {
  const segment = Segment.create(name, 4096);
  Segment.unlink(name);
  segment.close();
  registry.register(segment.buffer, 'buffer');
  return mapped();
}
const mappedWhileHeld = closedButHeld();
for (let i = 0; i < 50 && !collected; i++) {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 5));
}
console.log(JSON.stringify({ mappedWhileHeld, mappedAfterCollect: mapped() }));
