// shmring SPSC between the bench process and a peer process (bench/children/shmring-peer.ts):
// one ring each way (ping: parent -> peer, pong: peer -> parent), in POSIX shm segments named
// with the run id and unlinked as soon as the peer has mapped them.
//
// raw: the record level under the channel API (src/channel/endpoints.ts): the parent claims a
// record and writes the payload straight into the ring, the peer hashes it where it lies (the
// read handler's view into the shared memory, no copy out); echoes are copied ring to ring.
// msgpack: the channel API (Sender.sendSync / Receiver.receiveSync) with the sample objects.
import { attachConsumer, attachProducer } from '../../src/channel/endpoints.js';
import { createChannel, createSender } from '../../src/channel/index.js';
import type { WaitMode } from '../../src/wait/index.js';
import { forkPeer } from '../lib/peer-process.js';
import { hashObject, sampleObject, type SampleObject } from '../lib/payload.js';
import {
  Cleanup,
  createRingSegment,
  segmentName,
  trackSegment,
  unlinkSegment,
} from '../lib/shmring-segments.js';
import {
  hashRawRecord,
  POLLS_BEFORE_WAIT,
  produceRaw,
  PUBLISH_EVERY,
  RawRecordWriter,
  readSome,
  receiveNext,
  sampleObjectBytes,
  wordsOf,
} from '../lib/shmring-records.js';
import {
  processExited,
  STALL_MS,
  SyncPeerSession,
  type PeerCheck,
  type SyncLink,
} from '../lib/sync-peer-session.js';
import type { Codec, OpenContext, Pattern, Session, Transport } from './transport.js';

/** Ring data bytes of the raw rows: the largest record is capacity / 8, and the rows go up to 1 MiB. */
export const RAW_CAPACITY = 8 << 20;
/** Ring data bytes of the object rows (the channel default). */
export const OBJECT_CAPACITY = 1 << 20;
/** Liveness checks every 250 ms while blocked: a dead peer fails a measurement quickly. */
export const HEARTBEAT_TIMEOUT_MS = 500;

/** What the peer is told to open. */
export interface ShmringPeerParams {
  codec: Codec;
  ping: string;
  pong: string;
  wait: WaitMode;
}

export interface ShmringSpscOptions {
  wait: WaitMode;
  codec: Codec;
  sizes: Record<Pattern, readonly number[]>;
}

const WAITS: Record<WaitMode, string> = {
  spin: "wait 'spin' (both sides poll)",
  adaptive: "wait 'adaptive' (spin 50 µs, yield 50 µs, then futex)",
  park: "wait 'park' (futex sleep at once)",
};

export function shmringSpscTransport(options: ShmringSpscOptions): Transport {
  const what =
    options.codec === 'raw'
      ? `zero-copy records (Producer ring.tryClaim/commit, published() every ${PUBLISH_EVERY}): the payload is written straight into the ring, the peer hashes it in place (Consumer.poll); ${RAW_CAPACITY >> 20} MiB rings`
      : `channel API, Sender.sendSync -> Receiver.tryReceive/receiveSync, codec 'msgpack'; ${OBJECT_CAPACITY >> 20} MiB rings`;
  const polls =
    options.wait === 'park' ? '' : `; ${POLLS_BEFORE_WAIT} polls before each blocking wait`;
  return {
    name: `shmring-spsc-${options.wait}`,
    codec: options.codec,
    description: `shmring SPSC ring between two processes, ${WAITS[options.wait]}${polls}; ${what}`,
    sizes: options.sizes,
    open: (context) => openSpscSession(options, context),
  };
}

async function openSpscSession(
  options: ShmringSpscOptions,
  context: OpenContext,
): Promise<Session> {
  const cleanup = new Cleanup();
  try {
    const label = `spsc-${options.wait}-${options.codec}`;
    const ping = segmentName(context.runId, `${label}-ping`);
    const pong = segmentName(context.runId, `${label}-pong`);
    const peer = forkPeer('shmring-peer');
    cleanup.add(() => peer.stop()); // undone last: the rings close first, ending a loop the peer may be in
    const peerGone = (): boolean => processExited(peer.child.pid);
    const link =
      options.codec === 'raw'
        ? rawLink(ping, pong, options.wait, cleanup, peerGone)
        : objectLink(ping, pong, options.wait, cleanup, peerGone);
    await peer.control.call('open', {
      codec: options.codec,
      ping,
      pong,
      wait: options.wait,
    } satisfies ShmringPeerParams);
    // Both sides have mapped the rings: the names can go.
    unlinkSegment(ping);
    unlinkSegment(pong);
    return new SyncPeerSession({
      ...link,
      control: peer.control,
      codec: options.codec,
      close: () => cleanup.run(),
    });
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}

type Moves = Pick<SyncLink, 'produce' | 'roundTrip'>;

function rawLink(
  ping: string,
  pong: string,
  wait: WaitMode,
  cleanup: Cleanup,
  peerGone: PeerCheck,
): Moves {
  const waitOptions = { wait, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS };
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

function objectLink(
  ping: string,
  pong: string,
  wait: WaitMode,
  cleanup: Cleanup,
  peerGone: PeerCheck,
): Moves {
  const channelOptions = {
    codec: 'msgpack',
    wait,
    heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
    capacity: OBJECT_CAPACITY,
  } as const;
  // The parent creates both segments: the ping ring from its sending end, the pong ring from its receiving end.
  const sender = createSender<SampleObject>(trackSegment(ping), channelOptions);
  cleanup.add(() => (sender.close(), unlinkSegment(ping)));
  const receiver = createChannel<unknown>(trackSegment(pong), channelOptions);
  cleanup.add(() => (receiver.close(), unlinkSegment(pong)));
  return {
    produce(_size, firstSeq, count) {
      for (let seq = firstSeq; seq < firstSeq + count; seq++)
        sender.sendSync(sampleObject(seq), { timeoutMs: STALL_MS });
      return sampleObjectBytes(firstSeq, count);
    },
    roundTrip(_size, seq, hash) {
      sender.sendSync(sampleObject(seq), { timeoutMs: STALL_MS });
      return hashObject(
        hash,
        receiveNext(receiver, wait !== 'park', 'waiting for the echo', peerGone),
      );
    },
  };
}
