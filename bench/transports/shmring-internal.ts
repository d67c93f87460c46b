// The ceiling the public calls are measured against: shmring's internal ring, NOT public API
// (user code cannot import it). Between the bench process and a peer process
// (bench/children/shmring-internal-peer.ts), one ring each way (ping: parent -> peer, pong:
// peer -> parent), in POSIX shm segments named with the run id and unlinked as soon as the peer
// has mapped them. The parent claims a record (ring.tryClaim/commit, under the channel API in
// src/channel/endpoints.ts) and writes the payload straight into the ring, the peer hashes it
// where it lies (the read handler's view into the shared memory, no copy out); echoes are copied
// ring to ring. Both sides 'spin'.
import { attachConsumer, attachProducer } from '../../src/channel/endpoints.js';
import { forkPeer } from '../lib/peer-process.js';
import { Cleanup, createRingSegment, segmentName, unlinkSegment } from '../lib/shmring-segments.js';
import {
  hashRawRecord,
  POLLS_BEFORE_WAIT,
  produceRaw,
  PUBLISH_EVERY,
  RawRecordWriter,
  readSome,
  wordsOf,
} from '../lib/shmring-records.js';
import {
  processExited,
  SyncPeerSession,
  type PeerCheck,
  type SyncLink,
} from '../lib/sync-peer-session.js';
import { HEARTBEAT_TIMEOUT_MS } from './shmring-sync.js';
import type { OpenContext, Pattern, Session, Transport } from './transport.js';

/** Ring data bytes: the largest record is capacity / 8, and the rows go up to 1 MiB. */
export const RAW_CAPACITY = 8 << 20;

/** What the peer is told to open. */
export interface InternalPeerParams {
  ping: string;
  pong: string;
}

export function shmringInternalTransport(sizes: Record<Pattern, readonly number[]>): Transport {
  return {
    name: 'shmring-internal-ring',
    codec: 'raw',
    description: `internal ring (not public API; the ceiling of the public calls): records claimed with ring.tryClaim/commit and the payload written straight into the ring, published every ${PUBLISH_EVERY}, the peer hashes each payload in place (Consumer.poll, ${POLLS_BEFORE_WAIT} polls before each wait); wait 'spin', ${RAW_CAPACITY >> 20} MiB rings`,
    sizes,
    open: (context) => openInternalSession(context),
  };
}

async function openInternalSession(context: OpenContext): Promise<Session> {
  const cleanup = new Cleanup();
  try {
    const ping = segmentName(context.runId, 'internal-ping');
    const pong = segmentName(context.runId, 'internal-pong');
    const peer = forkPeer('shmring-internal-peer');
    cleanup.add(() => peer.stop()); // undone last: the rings close first, ending a loop the peer may be in
    const peerGone = (): boolean => processExited(peer.child.pid);
    const link = rawLink(ping, pong, cleanup, peerGone);
    await peer.control.call('open', { ping, pong } satisfies InternalPeerParams);
    // Both sides have mapped the rings: the names can go.
    unlinkSegment(ping);
    unlinkSegment(pong);
    return new SyncPeerSession({
      ...link,
      control: peer.control,
      codec: 'raw',
      close: () => cleanup.run(),
    });
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}

type Moves = Pick<SyncLink, 'produce' | 'roundTrip'>;

function rawLink(ping: string, pong: string, cleanup: Cleanup, peerGone: PeerCheck): Moves {
  const waitOptions = { wait: 'spin', heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS } as const;
  const pingSegment = createRingSegment(ping, 'spsc', RAW_CAPACITY);
  cleanup.add(() => (pingSegment.close(), unlinkSegment(ping)));
  const pongSegment = createRingSegment(pong, 'spsc', RAW_CAPACITY);
  cleanup.add(() => (pongSegment.close(), unlinkSegment(pong)));
  const producer = attachProducer(pingSegment.buffer, waitOptions);
  cleanup.add(() => producer.close());
  const consumer = attachConsumer(pongSegment.buffer, waitOptions);
  cleanup.add(() => consumer.close());
  const writer = new RawRecordWriter(producer.ring);
  const pongWords = wordsOf(pongSegment.buffer);
  let hash = 0;
  const onEcho = (_typeId: number, bytes: Uint8Array, offset: number, length: number): void => {
    hash = hashRawRecord(hash, bytes, pongWords, offset, length);
  };
  return {
    produce: (size, firstSeq, count) => produceRaw(producer, writer, size, firstSeq, count) * size,
    roundTrip(size, seq, start) {
      produceRaw(producer, writer, size, seq, 1);
      hash = start;
      readSome(consumer, onEcho, 1, 'waiting for the echo', peerGone);
      return hash;
    },
  };
}
