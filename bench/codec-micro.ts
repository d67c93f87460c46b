// Micro benchmark of the framing layer on one small object, in one process: a full trip
// (encode, frame into the ring, read, decode) against its parts and the bare library.
// Run: `tsx bench/codec-micro.ts [timeMs]` (default 1000 ms per task).
import { Decoder, Encoder } from '@msgpack/msgpack';
import { Bench } from 'tinybench';

import { FrameReader, FrameWriter, createMsgpackCodec } from '../src/codec/index.js';
import { createRing, ringSegmentSize } from '../src/ring/index.js';

const time = Number(process.argv[2] ?? 1000);
const capacity = 1 << 20;
const ring = createRing(new SharedArrayBuffer(ringSegmentSize(capacity)), {
  kind: 'spsc',
  capacity,
});

let id = 0;
const sample = () => ({ id: id++, ts: 1.5, name: 'abc', tags: ['x', 'y'] });

let received = 0;
const reader = new FrameReader(ring, {
  message: () => void received++,
  error: (error) => {
    throw error;
  },
});
const writer = new FrameWriter(ring);

const codec = createMsgpackCodec();
const encoded = codec.encode(sample()).slice();
// The same bytes in shared memory, as the reader sees them in the ring.
const shared = new Uint8Array(new SharedArrayBuffer(64));
shared.set(encoded, 8);
const sharedView = shared.subarray(8, 8 + encoded.length);

const libraryEncoder = new Encoder();
const libraryDecoder = new Decoder();

// The trip runs last: the first task of a run pays for warming the JIT up.
const bench = new Bench({ time, warmupTime: 300 });
bench
  .add('library: Encoder.encodeSharedRef', () => {
    libraryEncoder.encodeSharedRef(sample());
  })
  .add('library: Decoder.decode', () => {
    libraryDecoder.decode(encoded);
  })
  .add('encode alone (codec.encode)', () => {
    codec.encode(sample());
  })
  .add('decode alone (codec.decode, ArrayBuffer)', () => {
    codec.decode(encoded);
  })
  .add('decode alone (codec.decode, SharedArrayBuffer view)', () => {
    codec.decode(sharedView);
  })
  .add('ring only: ring.write(bytes) + ring.read()', () => {
    ring.write(1, encoded);
    ring.read(() => {});
  })
  .add('trip: writer.write(value) + reader.read()', () => {
    writer.write(sample());
    reader.read();
  });

await bench.run();
if (received === 0) throw new Error('the trip task delivered nothing');
console.log(`codec micro benchmark: ${encoded.length}-byte message, node ${process.version}`);
console.table(
  bench.tasks.map((task) => {
    const result = task.result as
      { latency?: { p50: number; p99: number }; throughput?: { mean: number } } | undefined;
    // Medians: on a shared machine the mean follows whoever else is running.
    return {
      task: task.name,
      'p50 ns': result?.latency ? Math.round(result.latency.p50 * 1e6) : NaN,
      'p99 ns': result?.latency ? Math.round(result.latency.p99 * 1e6) : NaN,
      'ops/s': result?.throughput ? Math.round(result.throughput.mean) : NaN,
    };
  }),
);
