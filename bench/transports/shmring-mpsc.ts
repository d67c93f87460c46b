// shmring MPSC: `producers` peer processes (bench/children/shmring-producer.ts) write into one
// many-to-one ring, the bench process consumes. Raw records at the zero-copy level, as in
// shmring-spsc.ts: each producer claims records and writes its payloads straight into the ring
// (a CAS on the tail per claim), the consumer hashes them in place.
//
// A measurement splits its messages into one contiguous run of sequence numbers per producer;
// each producer's records carry its own type id, and the consumer keeps one order-sensitive
// checksum per producer (the order between producers is not defined, within one it is).
import { attachConsumer } from '../../src/channel/endpoints.js';
import type { WaitMode } from '../../src/wait/index.js';
import { emptyTally, mix, type Tally } from '../lib/checksum.js';
import { forkPeer, type PeerProcess } from '../lib/peer-process.js';
import { expectedRaw } from '../lib/payload.js';
import { Cleanup, createRingSegment, segmentName, unlinkSegment } from '../lib/shmring-segments.js';
import { hashRawRecord, RAW_RECORD, readSome, wordsOf } from '../lib/shmring-records.js';
import { processExited } from '../lib/sync-peer-session.js';
import { HEARTBEAT_TIMEOUT_MS } from './shmring-spsc.js';
import type { OpenContext, Session, ThroughputRequest, Transport } from './transport.js';

/** Ring data bytes: the largest record is capacity / 8. */
export const MPSC_CAPACITY = 1 << 20;

/** What a producer peer is told to open. */
export interface ProducerParams {
  name: string;
  wait: WaitMode;
  /** Type id of this producer's records. */
  typeId: number;
}

/** One producer's share of a measurement. */
export interface ProduceRequest {
  size: number;
  firstSeq: number;
  count: number;
}

/** Producer `p`'s share of `count` messages from `firstSeq`: contiguous runs, as even as can be. */
function shares(producers: number, { size, count, firstSeq }: ThroughputRequest): ProduceRequest[] {
  const base = Math.floor(count / producers);
  const requests: ProduceRequest[] = [];
  for (let p = 0, next = firstSeq; p < producers; p++) {
    const n = base + (p < count % producers ? 1 : 0);
    requests.push({ size, firstSeq: next, count: n });
    next += n;
  }
  return requests;
}

/** One tally for per-producer tallies: the count summed, the checksums folded in producer order. */
function combined(tallies: readonly Tally[]): Tally {
  let checksum = emptyTally().checksum;
  let count = 0;
  for (const tally of tallies) {
    checksum = mix(checksum, tally.checksum);
    count += tally.count;
  }
  return { count, checksum };
}

export function shmringMpscTransport(
  producers: number,
  wait: WaitMode,
  sizes: readonly number[],
): Transport {
  return {
    name: `shmring-mpsc-${producers}`,
    codec: 'raw',
    description:
      `shmring MPSC ring, ${producers} producer process${producers > 1 ? 'es' : ''} -> 1 consumer process, wait '${wait}'; ` +
      `zero-copy records (tryClaim/commit) as in shmring-spsc, consumer hashes in place; ${MPSC_CAPACITY >> 20} MiB ring`,
    sizes: { throughput: sizes, latency: [] },
    open: (context) => openMpscSession(producers, wait, context),
  };
}

async function openMpscSession(
  producers: number,
  wait: WaitMode,
  context: OpenContext,
): Promise<Session> {
  const cleanup = new Cleanup();
  try {
    const name = segmentName(context.runId, `mpsc-${producers}`);
    const segment = createRingSegment(name, 'mpsc', MPSC_CAPACITY);
    cleanup.add(() => (segment.close(), unlinkSegment(name)));
    const consumer = attachConsumer(segment.buffer, {
      wait,
      heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
    });
    cleanup.add(() => consumer.close());
    const peers: PeerProcess[] = [];
    for (let p = 0; p < producers; p++) {
      const peer = forkPeer('shmring-producer');
      cleanup.add(() => peer.stop());
      peers.push(peer);
    }
    await Promise.all(
      peers.map((peer, p) =>
        peer.control.call('open', {
          name,
          wait,
          typeId: RAW_RECORD + 1 + p,
        } satisfies ProducerParams),
      ),
    );
    unlinkSegment(name);
    const producersGone = (): boolean => peers.some((peer) => processExited(peer.child.pid));

    const words = wordsOf(segment.buffer);
    const checksums = new Array<number>(producers).fill(0);
    let strays = 0;
    const onRecord = (typeId: number, bytes: Uint8Array, offset: number, length: number): void => {
      const p = typeId - RAW_RECORD - 1;
      if (p >= 0 && p < producers)
        checksums[p] = hashRawRecord(checksums[p]!, bytes, words, offset, length);
      else strays++;
    };
    return {
      async throughput(request) {
        const requests = shares(producers, request);
        const expected = combined(requests.map((r) => expectedRaw(r.size, r.firstSeq, r.count)));
        checksums.fill(emptyTally().checksum);
        strays = 0;
        const start = process.hrtime.bigint();
        const produced = Promise.all(
          peers.map((peer, p) => peer.control.call<number>('produce', requests[p])),
        );
        // The calls go out once their microtasks have run: let them, then consume without returning to the loop.
        await new Promise((resolve) => setImmediate(resolve));
        for (let left = request.count; left > 0;)
          left -= readSome(consumer, onRecord, left, 'consuming', producersGone);
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        const counts = await produced;
        const actual = combined(
          requests.map((_, p) => ({ count: counts[p]!, checksum: checksums[p]! })),
        );
        actual.count += strays;
        return {
          messages: request.count,
          payloadBytes: request.count * request.size,
          seconds,
          verification: { expected, actual },
        };
      },
      latency: () => Promise.reject(new Error('the MPSC rows measure throughput only')),
      close: () => cleanup.run(),
    };
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}
