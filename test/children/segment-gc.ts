// Keeps only a segment's SharedArrayBuffer, lets the Segment object be collected, and
// prints whether the bytes are still there: `node --expose-gc segment-gc.ts <name>`.
import { Segment } from '../../src/segment/index.js';

const gc = (globalThis as { gc?: () => void }).gc!;
let collected = false;
const registry = new FinalizationRegistry(() => (collected = true));
// In a function, so nothing but the registry's weak reference outlives the call.
function bufferOnly(): SharedArrayBuffer {
  const segment = Segment.create(process.argv[2], 4096);
  new Uint8Array(segment.buffer)[0] = 42;
  Segment.unlink(process.argv[2]);
  registry.register(segment, 'segment');
  return segment.buffer;
}
const buffer = bufferOnly();
for (let i = 0; i < 50 && !collected; i++) {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 5));
}
console.log(JSON.stringify({ collected, byte: new Uint8Array(buffer)[0] }));
