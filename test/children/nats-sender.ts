// Sender process for test/nats-*.test.ts. One JSON argument says what to do:
//   { url, name, id, count, bigBytes?, pauseMs?, close?: boolean, options? }
// Opens the channel, prints "opened", sends `count` values { id, i } (or one bigBytes-long
// pattern), printing "sent <i>" after each, then closes unless close is false (then it waits
// to be killed).
import { openChannel } from '../../src/nats/index.js';
import { patternBytes } from '../helpers/values.js';

const plan = JSON.parse(process.argv[2]) as {
  url: string;
  name: string;
  id: string;
  count: number;
  bigBytes?: number;
  pauseMs?: number;
  close?: boolean;
  options?: Record<string, unknown>;
};

const sender = await openChannel(plan.name, { servers: plan.url, ...plan.options });
console.log('opened');
if (plan.bigBytes !== undefined) {
  await sender.send(patternBytes(plan.bigBytes, 7));
  console.log('sent big');
}
for (let i = 0; i < plan.count; i++) {
  await sender.send({ id: plan.id, i });
  console.log(`sent ${i}`);
  if (plan.pauseMs) await new Promise((resolve) => setTimeout(resolve, plan.pauseMs));
}
if (plan.close === false) setInterval(() => {}, 1 << 30);
else await sender.close();
