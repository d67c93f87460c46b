// Throughput consumer (bench/ring-throughput.ts): reads the ring segment `name` until the
// end marker (typeId 2). Prints {"msgs":n,"bytes":b,"seconds":s}, timed from the first message.
import { attachRing } from '../../src/ring/index.js';
import { Segment } from '../../src/segment/index.js';

const [name] = process.argv.slice(2);
const segment = Segment.open(name);
const ring = attachRing(segment.buffer);
let msgs = 0;
let bytes = 0;
let done = false;
const handler = (typeId: number, _bytes: Uint8Array, _offset: number, length: number): void => {
  if (typeId === 2) done = true;
  else {
    msgs++;
    bytes += length;
  }
};
console.log('ready');
while (ring.read(handler) === 0);
const start = performance.now();
while (!done) ring.read(handler);
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ msgs, bytes, seconds }));
segment.close();
