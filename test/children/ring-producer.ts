// Child process: attaches to the ring segment `name` and sends `count` messages as
// `producer` (see ring-traffic.ts). Prints "done <count> <aborted> <checksum>".
import { Segment } from '../../src/segment/index.js';
import { attachRing } from '../../src/ring/index.js';
import { produce } from './ring-traffic.js';

const [name, producer, count, timeoutMs = '60000'] = process.argv.slice(2);
const segment = Segment.open(name);
try {
  const ring = attachRing(segment.buffer);
  const result = produce(ring, Number(producer), Number(count), Date.now() + Number(timeoutMs));
  console.log(`done ${result.count} ${result.aborted} ${result.checksum}`);
} finally {
  segment.close();
}
