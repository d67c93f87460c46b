// Throughput consumer (bench/ring-throughput.ts): reads the ring segment `name` until the
// end marker (typeId 2). Prints {"msgs":n,"bytes":b,"seconds":s}, timed from the first message.
// After a read of fewer than 16 messages it spins `pause` rounds of local work before polling
// again (a backoff idle strategy): polling a record the producer is still writing, and the
// tail the consumer checks records against, makes both sides fight over those cache lines.
import { attachRing } from '../../src/ring/index.js';
import { Segment } from '../../src/segment/index.js';

const [name, pauseArg = '200'] = process.argv.slice(2);
const pause = Number(pauseArg);
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
let spin = 0;
while (!done) {
  if (ring.read(handler) < 16) for (let i = 0; i < pause; i++) spin = (spin * 31 + i) | 0;
}
if (spin === 42) console.error('');
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ msgs, bytes, seconds }));
segment.close();
