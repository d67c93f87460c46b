// Peer process for test/channel.test.ts. One JSON argument says what to do:
//   { role: 'send', name, how: 'try'|'sync'|'async'|'stream', what: 'seq'|'tricky'|'big', count, sizes?, options? }
//   { role: 'receive', name, how: 'sync'|'async'|'iterate'|'events', options? }
// A sender prints {sent}; a receiver prints what it got (sequence check, or the values).
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

import { openChannel, openReceiver } from '../../src/channel/index.js';
import { patternBytes, trickyValues } from '../helpers/values.js';

const plan = JSON.parse(process.argv[2]) as {
  role: 'send' | 'receive';
  name: string;
  how: string;
  what?: 'seq' | 'tricky' | 'big';
  count?: number;
  sizes?: number[];
  options?: Record<string, unknown>;
};
const out = (value: unknown): void =>
  console.log(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));

if (plan.role === 'send') {
  const sender = openChannel(plan.name, plan.options);
  const values: unknown[] =
    plan.what === 'tricky'
      ? trickyValues()
      : plan.what === 'big'
        ? plan.sizes!.map((size, seed) => patternBytes(size, seed))
        : Array.from({ length: plan.count! }, (_, i) => ({
            seq: i,
            pid: process.pid,
            pad: 'p'.repeat(i % 50),
          }));
  let full = 0;
  if (plan.how === 'stream') {
    await pipeline(Readable.from(values, { objectMode: true }), sender.createWriteStream());
  } else {
    for (const value of values) {
      if (plan.how === 'try') {
        while (!sender.trySend(value)) full++;
      } else if (plan.how === 'sync') sender.sendSync(value);
      else await sender.send(value);
    }
    sender.close();
  }
  out({ sent: values.length, full });
} else {
  const receiver = openReceiver(plan.name, plan.options);
  const got: unknown[] = [];
  if (plan.how === 'sync') {
    for (;;) {
      try {
        got.push(receiver.receiveSync({ timeoutMs: 20_000 }));
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_SHMRING_END_OF_STREAM') break;
        throw error;
      }
    }
  } else {
    for await (const value of receiver) got.push(value);
  }
  receiver.close();
  out({ got });
}
