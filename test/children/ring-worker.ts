// Worker thread: the same traffic as ring-producer.ts / ring-consumer.ts, over a
// SharedArrayBuffer handed in through workerData. Posts the result, or throws.
import { parentPort, workerData } from 'node:worker_threads';

import { attachRing } from '../../src/ring/index.js';
import { Verifier, consume, produce } from './ring-traffic.js';

interface Job {
  role: 'producer' | 'consumer';
  buffer: SharedArrayBuffer;
  producer: number;
  producers: number;
  count: number;
  timeoutMs: number;
}

const job = workerData as Job;
const ring = attachRing(job.buffer);
const deadline = Date.now() + job.timeoutMs;
if (job.role === 'producer') {
  parentPort!.postMessage(produce(ring, job.producer, job.count, deadline));
} else {
  const verifier = new Verifier(job.producers, ring.maxMessageLength);
  consume(ring, verifier, job.producers * job.count, deadline);
  parentPort!.postMessage({ total: verifier.total, checksums: verifier.checksums });
}
