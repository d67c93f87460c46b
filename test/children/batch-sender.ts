// Peer process for test/channel-send-batch.test.ts: opens the channel `name` and sends the
// values 0..count-1 with one of the batch calls, in batches of `batch`; every `bigEvery`-th
// value is a string of `bigLength` characters (fragments in a small ring) instead of a number.
// Several of these may send to one MPSC channel: each value is prefixed with the sender `id`.
//   argv[2]: JSON { name, style: 'try'|'sync'|'async', count, batch, bigEvery, bigLength, id, producers }
import { openChannel } from '../../src/channel/index.js';

const plan = JSON.parse(process.argv[2]!) as {
  name: string;
  style: 'try' | 'sync' | 'async';
  count: number;
  batch: number;
  bigEvery: number;
  bigLength: number;
  id: number;
  producers: 'single' | 'multi';
};

type Value = [id: number, seq: number, text?: string];

const valueOf = (seq: number): Value =>
  plan.bigEvery > 0 && seq % plan.bigEvery === plan.bigEvery - 1
    ? [plan.id, seq, String(seq % 10).repeat(plan.bigLength)]
    : [plan.id, seq];

const sender = openChannel<Value>(plan.name, { producers: plan.producers });
let tries = 0;
for (let from = 0; from < plan.count; from += plan.batch) {
  const values: Value[] = [];
  for (let seq = from; seq < Math.min(plan.count, from + plan.batch); seq++)
    values.push(valueOf(seq));
  if (plan.style === 'sync') sender.sendBatchSync(values, { timeoutMs: 30_000 });
  else if (plan.style === 'async') await sender.sendBatch(values, { timeoutMs: 30_000 });
  else {
    // What did not go in is tried again: each value whole, in order, none twice.
    for (let sent = 0; sent < values.length; tries++) {
      sent += sender.trySendBatch(values.slice(sent));
      if (sent < values.length) await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
sender.close();
console.log(JSON.stringify({ tries }));
