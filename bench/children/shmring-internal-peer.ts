// Peer of transports/shmring-internal.ts (internal ring, not public API): maps the two rings it
// is told to (control op `open`), then consumes and hashes what the parent streams, or echoes it
// back, in blocking loops (lib/sync-peer-session.ts).
import { attachConsumer, attachProducer } from '../../src/channel/endpoints.js';
import { Segment } from '../../src/segment/index.js';
import { emptyTally, type Tally } from '../lib/checksum.js';
import { processEndpoint } from '../lib/control.js';
import { hashRawRecord, RawRecordWriter, readSome, wordsOf } from '../lib/shmring-records.js';
import { parentGone, serveSyncPeer, STALL_MS, type SyncPeer } from '../lib/sync-peer-session.js';
import type { InternalPeerParams } from '../transports/shmring-internal.js';
import { HEARTBEAT_TIMEOUT_MS } from '../transports/shmring-sync.js';

let peer: SyncPeer | null = null;
/**
 * The segments stay referenced for the life of the process: a Segment that is garbage-collected
 * releases its mapping (native Mapping destructor), and the ring's SharedArrayBuffer, still in
 * use, then reads as zeros: the rings would silently stall.
 */
const segments: Segment[] = [];

function rawPeer({ ping, pong }: InternalPeerParams): SyncPeer {
  const options = { wait: 'spin', heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS } as const;
  const pingSegment = Segment.open(ping);
  const pongSegment = Segment.open(pong);
  segments.push(pingSegment, pongSegment);
  const consumer = attachConsumer(pingSegment.buffer, options);
  const producer = attachProducer(pongSegment.buffer, options);
  const words = wordsOf(pingSegment.buffer);
  const writer = new RawRecordWriter(producer.ring);
  let checksum = 0;
  const onRecord = (_typeId: number, bytes: Uint8Array, offset: number, length: number): void => {
    checksum = hashRawRecord(checksum, bytes, words, offset, length);
  };
  const onPing = (_typeId: number, bytes: Uint8Array, offset: number, length: number): void => {
    if (!writer.tryCopy(bytes, words, offset, length))
      producer.offerSync(() => writer.tryCopy(bytes, words, offset, length), {
        timeoutMs: STALL_MS,
      });
    producer.published();
  };
  return {
    consume(count): Tally {
      checksum = emptyTally().checksum;
      for (let left = count; left > 0;)
        left -= readSome(consumer, onRecord, left, 'consuming', parentGone);
      return { count, checksum };
    },
    echo(count) {
      for (let left = count; left > 0;)
        left -= readSome(consumer, onPing, left, 'echoing', parentGone);
    },
  };
}

const notOpen = (): never => {
  throw new Error('the rings are not open');
};

serveSyncPeer(
  processEndpoint(),
  {
    consume: (count, size) => (peer ?? notOpen()).consume(count, size),
    echo: (count, size) => (peer ?? notOpen()).echo(count, size),
  },
  {
    open: (params: InternalPeerParams) => {
      peer = rawPeer(params);
    },
  },
);
process.on('disconnect', () => process.exit(0));
