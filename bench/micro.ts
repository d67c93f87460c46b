// Ring micro benchmarks in one process (tinybench): write, read, tryClaim/commit and a
// write+read round trip, SPSC and MPSC, 16 B and 1 KiB payloads. Each iteration moves a
// batch of messages; the table reports per-message cost. `npm run bench:micro [timeMs]`.
import { Bench } from 'tinybench';

import {
  createRing,
  ringSegmentSize,
  type MessageHandler,
  type RingBuffer,
  type RingKind,
} from '../src/ring/index.js';

const BATCH = 1000;
const time = Number(process.argv[2] ?? 500);
const bench = new Bench({ name: 'shmring ring micro', time, warmupTime: 200 });

let sink = 0;
const handler: MessageHandler = (typeId, _bytes, _offset, length) => {
  sink = (sink + typeId + length) | 0;
};

function ring(kind: RingKind, size: number): RingBuffer {
  let capacity = 1 << 16;
  while (capacity < 2 * BATCH * (size + 16)) capacity *= 2;
  return createRing(new SharedArrayBuffer(ringSegmentSize(capacity)), { kind, capacity });
}

function fill(r: RingBuffer, payload: Uint8Array): void {
  for (let i = 0; i < BATCH; i++) if (!r.write(1, payload)) throw new Error('ring full');
}

function drain(r: RingBuffer): void {
  if (r.read(handler) !== BATCH) throw new Error('lost messages');
}

for (const kind of ['spsc', 'mpsc'] as const) {
  for (const size of [16, 1024]) {
    const r = ring(kind, size);
    const payload = new Uint8Array(size).fill(1);
    const label = `${kind} ${size} B`;
    bench.add(`${label} write`, () => fill(r, payload), { afterEach: () => drain(r) });
    bench.add(`${label} read`, () => drain(r), { beforeEach: () => fill(r, payload) });
    bench.add(
      `${label} tryClaim+commit`,
      () => {
        for (let i = 0; i < BATCH; i++) {
          const index = r.tryClaim(1, size);
          r.bytes[index] = 1;
          r.commit(index);
        }
      },
      { afterEach: () => drain(r) },
    );
    bench.add(`${label} write+read`, () => {
      fill(r, payload);
      drain(r);
    });
  }
}

await bench.run();

console.table(
  bench.tasks.map((task) => {
    const result = task.result;
    if (result.state !== 'completed') return { task: task.name, state: result.state };
    const nsPerMessage = (result.latency.mean * 1e6) / BATCH;
    return {
      task: task.name,
      'ns/msg': nsPerMessage.toFixed(1),
      'M msgs/s': (1e3 / nsPerMessage).toFixed(2),
      'rme %': result.latency.rme.toFixed(1),
      samples: result.latency.samplesCount,
    };
  }),
);
if (sink === 42) console.log('');
