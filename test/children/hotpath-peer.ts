// Peer process for test/channel-hotpath.test.ts. One JSON argument says what to do:
//   { role: 'take', name, style, count, then: 'close'|'exit' }: receives at least `count` values
//     with one receive style, prints them, then closes the receiver or exits without closing.
//   { role: 'parked', name, count }: a 'park' receiver; prints 'ready', then the `count` values.
//   { role: 'send-seq', name, count }: sends 0..count-1 with send(), one at a time, and closes.
//   { role: 'zero-copy-send', name, sizes, abortEvery }: writes records of `sizes` in place,
//     aborting every `abortEvery`-th claim; prints { committed }.
import { openChannel, openReceiver, type Receiver } from '../../src/channel/index.js';

const plan = JSON.parse(process.argv[2]) as {
  role: 'take' | 'parked' | 'send-seq' | 'zero-copy-send';
  name: string;
  style?: string;
  count?: number;
  then?: 'close' | 'exit';
  sizes?: number[];
  abortEvery?: number;
};
const out = (value: unknown): void => console.log(JSON.stringify(value));

/** Receives at least `count` values with `style`. */
async function take(receiver: Receiver<number>, style: string, count: number): Promise<number[]> {
  const got: number[] = [];
  switch (style) {
    case 'receive':
      while (got.length < count) got.push(await receiver.receive());
      break;
    case 'receiveSync':
      while (got.length < count) got.push(receiver.receiveSync({ timeoutMs: 20_000 }));
      break;
    case 'iterate':
      for await (const value of receiver) if (got.push(value) >= count) break;
      break;
    case 'receiveBatch':
      while (got.length < count) got.push(...(await receiver.receiveBatch(5)));
      break;
    case 'receiveBatchSync':
      while (got.length < count) got.push(...receiver.receiveBatchSync(5, { timeoutMs: 20_000 }));
      break;
    case 'tryReceiveBatch':
      while (got.length < count) got.push(...receiver.tryReceiveBatch(5));
      break;
    case 'batches':
      for await (const batch of receiver.batches(5)) if (got.push(...batch) >= count) break;
      break;
    case 'message':
      await new Promise<void>((resolve) => {
        const listener = (value: number): void => {
          // Closing inside the listener: no later value is handed out.
          if (got.push(value) >= count) {
            receiver.off('message', listener);
            resolve();
          }
        };
        receiver.on('message', listener);
      });
      break;
    case 'stream': {
      // A stream buffers values ahead of its reader: those were handed out too, so they
      // count as taken (the receiver closes before the stream can ask for more).
      const stream = receiver.createReadStream();
      await new Promise<void>((resolve) => {
        stream.on('data', (value: number) => {
          if (got.push(value) < count) return;
          stream.pause();
          receiver.close();
          for (let more = stream.read(); more !== null; more = stream.read()) got.push(more);
          resolve();
        });
      });
      stream.destroy();
      break;
    }
    default:
      throw new Error(`unknown style ${style}`);
  }
  return got;
}

if (plan.role === 'take') {
  const receiver = openReceiver<number>(plan.name);
  const got = await take(receiver, plan.style!, plan.count!);
  out({ got });
  if (plan.then === 'exit') process.exit(0); // no close: what was handed out is gone anyway
  receiver.close();
} else if (plan.role === 'parked') {
  const receiver = openReceiver<number>(plan.name, { wait: 'park' });
  out('ready');
  const got: number[] = [];
  for await (const value of receiver) if (got.push(value) >= plan.count!) break;
  receiver.close();
  out({ got });
} else if (plan.role === 'send-seq') {
  const sender = openChannel<number>(plan.name);
  for (let i = 0; i < plan.count!; i++) await sender.send(i);
  sender.close();
  out({ sent: plan.count });
} else {
  const sender = openChannel<Uint8Array>(plan.name, { codec: 'raw' });
  let committed = 0;
  for (const [i, size] of plan.sizes!.entries()) {
    const at = await sender.claim(size);
    for (let j = 0; j < size; j++) sender.bytes[at + j] = (i + j) & 0xff;
    if (plan.abortEvery !== undefined && i % plan.abortEvery === 0) sender.abort(at);
    else {
      sender.commit(at);
      committed++;
    }
  }
  sender.close();
  out({ committed });
}
