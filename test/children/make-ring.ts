// Creates a ring in a new POSIX segment and exits without unlinking it (a stale segment):
// `node make-ring.ts <name> <kind> <capacity>`.
import { createRing, ringSegmentSize } from '../../src/ring/index.js';
import { Segment } from '../../src/segment/index.js';

const [name, kind, capacity] = process.argv.slice(2);
const segment = Segment.create(name, ringSegmentSize(Number(capacity)));
createRing(segment.buffer, { kind: kind as 'spsc' | 'mpsc', capacity: Number(capacity) });
segment.close();
console.log(`created ${name} by ${process.pid}`);
