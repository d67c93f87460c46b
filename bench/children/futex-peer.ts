// Peer of transports/futex-pingpong.ts: sleeps on the parent's word, copies the payload from
// the parent's slot into its own, publishes the same value on its word and wakes the parent.
import { wake } from '../../src/futex/index.js';
import { Segment } from '../../src/segment/index.js';
import { processEndpoint } from '../lib/control.js';
import { copyPayload, wordsOf } from '../lib/shmring-records.js';
import { parentGone, serveSyncPeer } from '../lib/sync-peer-session.js';
import { awaitChange, FUTEX_LAYOUT } from '../transports/futex-pingpong.js';

// Kept referenced: a collected Segment releases its mapping (see shmring-peer.ts).
let segment: Segment | null = null;
/** The parent's word as last answered: the parent may bump it before an echo loop starts. */
let seen = 0;

serveSyncPeer(
  processEndpoint(),
  {
    consume: () => {
      throw new Error('the futex ping-pong measures latency only');
    },
    echo(count, size) {
      if (segment === null) throw new Error('the segment is not open');
      const bytes = new Uint8Array(segment.buffer);
      const words = wordsOf(segment.buffer);
      for (let i = 0; i < count; i++) {
        seen = awaitChange(segment, words, FUTEX_LAYOUT.ping, seen, parentGone);
        copyPayload(bytes, words, FUTEX_LAYOUT.pingSlot, bytes, words, FUTEX_LAYOUT.pongSlot, size);
        Atomics.store(words, FUTEX_LAYOUT.pong >>> 2, seen);
        wake(segment.buffer, FUTEX_LAYOUT.pong, 1);
      }
    },
  },
  {
    open: ({ name }: { name: string }) => {
      segment = Segment.open(name);
      seen = Atomics.load(wordsOf(segment.buffer), FUTEX_LAYOUT.ping >>> 2);
    },
  },
);
process.on('disconnect', () => process.exit(0));
