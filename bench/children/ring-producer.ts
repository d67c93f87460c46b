// Throughput producer (bench/ring-throughput.ts), started once the consumer is ready: writes `size`-byte messages into the ring
// segment `name` for `durationMs`, then an end marker (typeId 2). Prints {"msgs":n}.
import { attachRing } from '../../src/ring/index.js';
import { Segment } from '../../src/segment/index.js';

const [name, sizeArg, durationArg] = process.argv.slice(2);
const size = Number(sizeArg);
const segment = Segment.open(name);
const ring = attachRing(segment.buffer);
const payload = new Uint8Array(size).fill(7);
const end = performance.now() + Number(durationArg);
let msgs = 0;
for (;;) {
  // Look at the clock every 1024 messages only.
  for (let i = 0; i < 1024; i++) {
    if (ring.write(1, payload)) msgs++;
  }
  if (performance.now() >= end) break;
}
while (!ring.write(2, payload, 0, 0));
console.log(JSON.stringify({ msgs }));
segment.close();
