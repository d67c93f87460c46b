// Peer process for test/channel-send-records.test.ts: opens the raw channel `name` and sends
// `count` records of `length` bytes with sender.trySendRecords() (retried on the next turn of the
// event loop while the ring is full) or await sender.sendRecords(), `batch` records per call.
// Record `seq` holds `id` in its first byte and seq as a u32 LE from byte 4 on (length >= 8).
// With `abortFirst`, a call of three records whose write() throws at the last one comes first.
//   argv[2]: JSON { name, style: 'try'|'async', count, batch, length, id, producers, abortFirst }
import { openChannel, type RecordWriter } from '../../src/index.js';

const plan = JSON.parse(process.argv[2]!) as {
  name: string;
  style: 'try' | 'async';
  count: number;
  batch: number;
  length: number;
  id: number;
  producers: 'single' | 'multi';
  abortFirst: boolean;
};

const sender = openChannel<Uint8Array>(plan.name, { codec: 'raw', producers: plan.producers });
let first = 0;
const write: RecordWriter = (bytes, offset, i) => {
  const seq = first + i;
  bytes.fill(0, offset, offset + plan.length);
  bytes[offset] = plan.id;
  new DataView(bytes.buffer).setUint32(offset + 4, seq, true);
};

if (plan.abortFirst) {
  const failing: RecordWriter = (bytes, offset, i) => {
    bytes.fill(0xee, offset, offset + plan.length);
    if (i === 2) throw new Error('write failed');
  };
  try {
    sender.trySendRecords(3, plan.length, failing);
    throw new Error('trySendRecords did not throw');
  } catch (error) {
    if ((error as Error).message !== 'write failed') throw error;
  }
}

let tries = 0;
for (first = 0; first < plan.count;) {
  const count = Math.min(plan.batch, plan.count - first);
  if (plan.style === 'async') {
    await sender.sendRecords(count, plan.length, write, { timeoutMs: 30_000 });
    first += count;
  } else {
    tries++;
    const sent = sender.trySendRecords(count, plan.length, write);
    first += sent;
    if (sent < count) await new Promise((resolve) => setImmediate(resolve));
  }
}
sender.close();
console.log(JSON.stringify({ tries }));
