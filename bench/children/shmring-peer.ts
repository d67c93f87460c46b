// Peer of transports/shmring-spsc.ts: maps the two rings it is told to (control op `open`),
// then consumes and hashes what the parent streams, or echoes it back, in blocking loops
// (lib/sync-peer-session.ts).
import { attachConsumer, attachProducer } from '../../src/channel/endpoints.js';
import { openChannel, openReceiver } from '../../src/channel/index.js';
import { Segment } from '../../src/segment/index.js';
import { emptyTally, type Tally } from '../lib/checksum.js';
import { processEndpoint } from '../lib/control.js';
import { hashObject } from '../lib/payload.js';
import {
  hashRawRecord,
  RawRecordWriter,
  readSome,
  receiveNext,
  wordsOf,
} from '../lib/shmring-records.js';
import { parentGone, serveSyncPeer, STALL_MS, type SyncPeer } from '../lib/sync-peer-session.js';
import {
  HEARTBEAT_TIMEOUT_MS,
  OBJECT_CAPACITY,
  type ShmringPeerParams,
} from '../transports/shmring-spsc.js';

let peer: SyncPeer | null = null;
/**
 * The segments stay referenced for the life of the process: a Segment that is garbage-collected
 * releases its mapping (native Mapping destructor), and the ring's SharedArrayBuffer, still in
 * use, then reads as zeros: the rings would silently stall.
 */
const segments: Segment[] = [];

function rawPeer({ ping, pong, wait }: ShmringPeerParams): SyncPeer {
  const options = { wait, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS };
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

function objectPeer({ ping, pong, wait }: ShmringPeerParams): SyncPeer {
  const options = {
    codec: 'msgpack',
    wait,
    heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
    capacity: OBJECT_CAPACITY,
  } as const;
  const receiver = openReceiver<unknown>(ping, options);
  const sender = openChannel<unknown>(pong, options);
  return {
    consume(count): Tally {
      let checksum = emptyTally().checksum;
      for (let i = 0; i < count; i++)
        checksum = hashObject(
          checksum,
          receiveNext(receiver, wait !== 'park', 'consuming', parentGone),
        );
      return { count, checksum };
    },
    echo(count) {
      for (let i = 0; i < count; i++)
        sender.sendSync(receiveNext(receiver, wait !== 'park', 'echoing', parentGone), {
          timeoutMs: STALL_MS,
        });
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
    open: (params: ShmringPeerParams) => {
      peer = params.codec === 'raw' ? rawPeer(params) : objectPeer(params);
    },
  },
);
process.on('disconnect', () => process.exit(0));
