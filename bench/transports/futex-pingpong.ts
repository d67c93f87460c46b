// The bare futex ping-pong, the floor of shmring's 'park' wait: two processes, one shared int32
// each way, no ring. A round trip: the parent writes the payload into its slot, bumps its word
// and FUTEX_WAKEs; the peer (bench/children/futex-peer.ts), asleep in FUTEX_WAIT on that word,
// copies the payload into its own slot, bumps its word and wakes the parent, asleep on it.
// Always a syscall to wake, and always to sleep (no spinning first). Latency only.
import { wait, wake } from '../../src/futex/index.js';
import type { Segment } from '../../src/segment/index.js';
import { forkPeer } from '../lib/peer-process.js';
import { Cleanup, createSegment, segmentName, unlinkSegment } from '../lib/shmring-segments.js';
import { hashRawRecord, putRawPayload, rawTemplateOf, wordsOf } from '../lib/shmring-records.js';
import {
  processExited,
  SyncPeerSession,
  waitFor,
  type PeerCheck,
} from '../lib/sync-peer-session.js';
import { LATENCY_SIZES, type OpenContext, type Session, type Transport } from './transport.js';

/** Byte offsets in the segment: the two words on cache lines of their own, then the two payload slots. */
export const FUTEX_LAYOUT = {
  ping: 0,
  pong: 128,
  pingSlot: 4096,
  pongSlot: 8192,
  bytes: 12288,
} as const;
/** Largest payload of a slot. */
export const FUTEX_SLOT_BYTES = FUTEX_LAYOUT.pongSlot - FUTEX_LAYOUT.pingSlot;

/** Blocks in FUTEX_WAIT until the word at `offset` differs from `seen`; returns its new value. */
export function awaitChange(
  segment: Segment,
  words: Int32Array,
  offset: number,
  seen: number,
  peerGone: PeerCheck,
): number {
  const index = offset >>> 2;
  let value = Atomics.load(words, index);
  if (value !== seen) return value;
  const changed = (timeoutMs: number): number => {
    // A wake-up, a spurious one, or the word changed before the futex call ('not-equal').
    if (wait(segment.buffer, offset, seen, timeoutMs) === 'timed-out') return 0;
    value = Atomics.load(words, index);
    return value !== seen ? 1 : 0;
  };
  waitFor(changed, 'futex ping-pong', peerGone);
  return value;
}

export function futexPingPongTransport(): Transport {
  return {
    name: 'futex-pingpong',
    codec: 'raw',
    description:
      "bare futex ping-pong between two processes: one shared word each way, FUTEX_WAKE then FUTEX_WAIT every hop, payload copied through a shared slot (no ring); the floor of shmring's wait 'park'",
    sizes: { throughput: [], latency: LATENCY_SIZES.filter((size) => size <= FUTEX_SLOT_BYTES) },
    open: (context) => openFutexSession(context),
  };
}

async function openFutexSession(context: OpenContext): Promise<Session> {
  const cleanup = new Cleanup();
  try {
    const name = segmentName(context.runId, 'futex');
    const segment = createSegment(name, FUTEX_LAYOUT.bytes);
    cleanup.add(() => (segment.close(), unlinkSegment(name)));
    const peer = forkPeer('futex-peer');
    cleanup.add(() => peer.stop());
    await peer.control.call('open', { name });
    unlinkSegment(name);
    const bytes = new Uint8Array(segment.buffer);
    const words = wordsOf(segment.buffer);
    let sent = Atomics.load(words, FUTEX_LAYOUT.ping >>> 2);
    const peerGone = (): boolean => processExited(peer.child.pid);
    return new SyncPeerSession({
      control: peer.control,
      codec: 'raw',
      produce: () => {
        throw new Error('the futex ping-pong measures latency only');
      },
      roundTrip(size, seq, hash) {
        putRawPayload(rawTemplateOf(size), bytes, words, FUTEX_LAYOUT.pingSlot, seq);
        Atomics.store(words, FUTEX_LAYOUT.ping >>> 2, ++sent);
        wake(segment.buffer, FUTEX_LAYOUT.ping, 1);
        let echoed = Atomics.load(words, FUTEX_LAYOUT.pong >>> 2);
        while (echoed !== sent)
          echoed = awaitChange(segment, words, FUTEX_LAYOUT.pong, echoed, peerGone);
        return hashRawRecord(hash, bytes, words, FUTEX_LAYOUT.pongSlot, size);
      },
      close: () => cleanup.run(),
    });
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}
