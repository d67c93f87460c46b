// The public calls' speed, as a user writes them: one-way streaming between two processes per
// receive style (for await, batches(), zero-copy records), and `await send` -> `await receive`
// round trips per wait mode. Run the built JS: `npm run build && node dist/bench/public-api.js`
// (`--quick` for a short run). Each row names the calls it times.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { createChannel, createSender, openChannel, openReceiver } from '../src/channel/index.js';
import { Segment } from '../src/segment/index.js';
import type { WaitMode } from '../src/wait/index.js';

type Send = 'send' | 'claim';
type Receive = 'iterate' | 'batches' | 'records';
interface Row {
  what: string;
  codec: 'raw' | 'msgpack';
  send: Send;
  receive: Receive;
}

const ROWS: Row[] = [
  { what: 'objects, await send -> for await', codec: 'msgpack', send: 'send', receive: 'iterate' },
  { what: 'objects, await send -> batches()', codec: 'msgpack', send: 'send', receive: 'batches' },
  { what: 'raw 16 B, await send -> for await', codec: 'raw', send: 'send', receive: 'iterate' },
  { what: 'raw 16 B, await send -> batches()', codec: 'raw', send: 'send', receive: 'batches' },
  {
    what: 'raw 16 B, tryClaim/commit -> receiveRecords',
    codec: 'raw',
    send: 'claim',
    receive: 'records',
  },
];

const SELF = fileURLToPath(import.meta.url);
const RAW = new Uint8Array(16);
const sample = (i: number) => ({
  id: i,
  ts: 1_700_000_000_000 + i,
  name: `user-${i % 100}`,
  tags: ['a', 'b'],
});

/** The sending process of a throughput row. */
async function sender(name: string, row: Row, count: number): Promise<void> {
  const channel = openChannel<unknown>(name, { codec: row.codec });
  if (row.send === 'claim') {
    for (let i = 0; i < count; i++) {
      let at = channel.tryClaim(16);
      if (at < 0) at = await channel.claim(16);
      channel.bytes[at] = i & 0xff;
      channel.commit(at);
    }
  } else {
    for (let i = 0; i < count; i++) await channel.send(row.codec === 'raw' ? RAW : sample(i));
  }
  channel.close();
}

/** The echoing process of a round-trip row. */
async function echo(ping: string, pong: string, wait: WaitMode): Promise<void> {
  const from = openReceiver<Uint8Array>(ping, { codec: 'raw', wait });
  const to = openChannel<Uint8Array>(pong, { codec: 'raw', wait });
  for await (const value of from) await to.send(value);
  to.close();
  from.close();
}

const exited = (child: ReturnType<typeof fork>): Promise<void> =>
  new Promise((resolve) => child.once('exit', () => resolve()));

async function throughput(row: Row, count: number, index: number): Promise<number> {
  const name = `/shmring-public-api-${process.pid}-${index}`;
  const receiver = createChannel<unknown>(name, { codec: row.codec });
  const child = fork(SELF, ['send', name, String(index), String(count)]);
  // Timed from the first value: the child's start-up is not the channel's speed.
  let received = 0;
  let start = 0;
  const got = (n: number): void => {
    if (received === 0) start = performance.now();
    received += n;
  };
  if (row.receive === 'iterate') for await (const _ of receiver) got(1);
  else if (row.receive === 'batches')
    for await (const batch of receiver.batches()) got(batch.length);
  else {
    const view = (): void => got(1);
    for (;;) {
      try {
        await receiver.receiveRecords(view);
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_SHMRING_END_OF_STREAM') break;
        throw error;
      }
    }
  }
  const seconds = (performance.now() - start) / 1000;
  receiver.close();
  await exited(child);
  if (received !== count) throw new Error(`${row.what}: ${received} of ${count} arrived`);
  return (count - 1) / seconds;
}

async function roundTrips(wait: WaitMode, count: number): Promise<{ p50: number; p99: number }> {
  const ping = `/shmring-public-api-${process.pid}-ping-${wait}`;
  const pong = `/shmring-public-api-${process.pid}-pong-${wait}`;
  const to = createSender<Uint8Array>(ping, { codec: 'raw', wait });
  const from = createChannel<Uint8Array>(pong, { codec: 'raw', wait });
  const child = fork(SELF, ['echo', ping, pong, wait]);
  try {
    const times = new Float64Array(count);
    for (let i = -100; i < count; i++) {
      const start = performance.now();
      await to.send(RAW);
      await from.receive();
      if (i >= 0) times[i] = (performance.now() - start) * 1000;
    }
    times.sort();
    return { p50: times[count >> 1], p99: times[Math.floor(count * 0.99)] };
  } finally {
    to.close();
    from.close();
    await exited(child);
    Segment.unlink(ping);
  }
}

const [role, ...args] = process.argv.slice(2);
if (role === 'send') {
  await sender(args[0], ROWS[Number(args[1])], Number(args[2]));
} else if (role === 'echo') {
  await echo(args[0], args[1], args[2] as WaitMode);
} else {
  const quick = role === '--quick';
  const count = quick ? 200_000 : 2_000_000;
  for (const [index, row] of ROWS.entries()) {
    const n = row.codec === 'raw' ? count : count >> 2;
    const rate = await throughput(row, n, index);
    console.log(`${row.what.padEnd(48)} ${(rate / 1e6).toFixed(2).padStart(6)} M msgs/s`);
  }
  for (const wait of ['adaptive', 'park'] as const) {
    const { p50, p99 } = await roundTrips(wait, quick ? 2_000 : 20_000);
    console.log(
      `round trip 16 B '${wait}', await send -> await receive`.padEnd(48) +
        ` p50 ${p50.toFixed(1)} us, p99 ${p99.toFixed(1)} us`,
    );
  }
}
