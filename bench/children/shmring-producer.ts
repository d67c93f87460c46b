// Producer peer of transports/shmring-mpsc.ts: maps the MPSC ring it is told to (`open`), then
// writes its share of each measurement (`produce`, answered once all of it is in the ring).
import { attachProducer } from '../../src/channel/endpoints.js';
import type { Producer } from '../../src/channel/producer.js';
import { Segment } from '../../src/segment/index.js';
import { processEndpoint, serveControl } from '../lib/control.js';
import { produceRaw, RawRecordWriter } from '../lib/shmring-records.js';
import { HEARTBEAT_TIMEOUT_MS } from '../transports/shmring-spsc.js';
import type { ProduceRequest, ProducerParams } from '../transports/shmring-mpsc.js';

// Kept referenced: a collected Segment releases its mapping (see shmring-peer.ts).
let segment: Segment | null = null;
let producer: Producer | null = null;
let writer: RawRecordWriter | null = null;

serveControl(processEndpoint(), {
  open: ({ name, wait, typeId }: ProducerParams) => {
    segment = Segment.open(name);
    producer = attachProducer(segment.buffer, { wait, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS });
    writer = new RawRecordWriter(producer.ring, typeId);
  },
  produce: ({ size, firstSeq, count }: ProduceRequest) => {
    if (producer === null || writer === null) throw new Error('the ring is not open');
    return produceRaw(producer, writer, size, firstSeq, count);
  },
});
process.on('disconnect', () => process.exit(0));
