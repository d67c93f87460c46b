// shmring MPSC through the public calls: the bench process creates a channel with
// `producers: 'multi'` and takes the values with `receiver.receiveSync()`; `producers` peer
// processes (bench/children/shmring-producer.ts) each `openChannel()` it and `sender.sendSync(v)`
// their share, all at once.
//
// A measurement splits its messages into one contiguous run of sequence numbers per producer;
// the consumer tells the producers apart by the sequence number stamped in each payload and keeps
// one order-sensitive checksum per producer (the order between producers is not defined, within
// one it is).
import { createChannel, type ChannelOptions } from '../../src/index.js';
import { receiveBlocking } from '../lib/channel-calls.js';
import { emptyTally, mix, type Tally } from '../lib/checksum.js';
import { forkPeer, type PeerProcess } from '../lib/peer-process.js';
import { expectedRaw, hashRaw } from '../lib/payload.js';
import { Cleanup, segmentName, trackSegment, unlinkSegment } from '../lib/shmring-segments.js';
import { processExited } from '../lib/sync-peer-session.js';
import { CHANNEL_CAPACITY, channelOptions, WAIT_TEXT, type WaitMode } from './shmring-sync.js';
import type { OpenContext, Session, ThroughputRequest, Transport } from './transport.js';

/** What a producer peer is told to open. */
export interface ProducerParams {
  name: string;
  wait: WaitMode;
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

/**
 * The sequence number stamped (u32 LE) at the start of a raw payload. Read byte by byte: a
 * DataView over `value.buffer` would cost more than the message's trip through the ring (a
 * value of up to 64 bytes lives on V8's heap, and `.buffer` moves it out, about 1 us).
 */
function stampOf(value: Uint8Array): number {
  return (value[0]! | (value[1]! << 8) | (value[2]! << 16) | (value[3]! << 24)) >>> 0;
}

/** The index of the share that holds `seq`, or -1 (a loop: no closure per message). */
function producerOf(requests: readonly ProduceRequest[], seq: number): number {
  for (let p = 0; p < requests.length; p++) {
    const offset = seq - requests[p]!.firstSeq;
    if (offset >= 0 && offset < requests[p]!.count) return p;
  }
  return -1;
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

/** The options of both ends of the MPSC channel. */
export function mpscOptions(wait: WaitMode): ChannelOptions<Uint8Array> {
  return { ...channelOptions('raw', wait), codec: 'raw', producers: 'multi' };
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
      `shmring channel with producers: 'multi', codec 'raw', ${WAIT_TEXT[wait]}, ${CHANNEL_CAPACITY >> 20} MiB: ` +
      `${producers} producer process${producers > 1 ? 'es' : ''}, each openChannel() + sender.sendSync(v), -> one process receiver.receiveSync()`,
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
    const name = trackSegment(segmentName(context.runId, `mpsc-${producers}`));
    const receiver = createChannel<Uint8Array>(name, mpscOptions(wait));
    cleanup.add(() => (receiver.close(), unlinkSegment(name)));
    const peers: PeerProcess[] = [];
    for (let p = 0; p < producers; p++) {
      const peer = forkPeer('shmring-producer');
      cleanup.add(() => peer.stop());
      peers.push(peer);
    }
    await Promise.all(
      peers.map((peer) => peer.control.call('open', { name, wait } satisfies ProducerParams)),
    );
    unlinkSegment(name);
    const producersGone = (): boolean => peers.some((peer) => processExited(peer.child.pid));

    return {
      async throughput(request) {
        const requests = shares(producers, request);
        const expected = combined(requests.map((r) => expectedRaw(r.size, r.firstSeq, r.count)));
        const checksums = requests.map(() => emptyTally().checksum);
        let strays = 0;
        const start = process.hrtime.bigint();
        const produced = Promise.all(
          peers.map((peer, p) => peer.control.call<number>('produce', requests[p])),
        );
        // The calls go out once their microtasks have run: let them, then consume without returning to the loop.
        await new Promise((resolve) => setImmediate(resolve));
        for (let i = 0; i < request.count; i++) {
          const value = receiveBlocking(receiver, 'consuming', producersGone);
          const p = producerOf(requests, stampOf(value));
          if (p < 0) strays++;
          else checksums[p] = hashRaw(checksums[p]!, value, 0, value.length);
        }
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
