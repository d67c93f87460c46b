// Child process: attaches to the ring segment `name`, reads `perProducer` messages from each
// of `producers` producers and checks every one (see ring-traffic.ts).
// Prints "ok <total> <checksum of producer 0> <checksum of producer 1> ...".
import { Segment } from '../../src/segment/index.js';
import { attachRing } from '../../src/ring/index.js';
import { Verifier, consume } from './ring-traffic.js';

const [name, producers, perProducer, timeoutMs = '60000'] = process.argv.slice(2);
const segment = Segment.open(name);
try {
  const ring = attachRing(segment.buffer);
  const verifier = new Verifier(Number(producers), ring.maxMessageLength);
  consume(ring, verifier, Number(producers) * Number(perProducer), Date.now() + Number(timeoutMs));
  console.log(`ok ${verifier.total} ${verifier.checksums.join(' ')}`);
} finally {
  segment.close();
}
