// Peer process for test/receive-wait.test.ts. One JSON argument says what to do:
//   { role: 'idle', name, style }: waits with one async receive style ('iterate', 'receive',
//     'message'); prints { waiting: true } once it waits, then, when the first value arrives,
//     { value, cpuMs } (the CPU time used while it waited) and exits.
//   { role: 'echo', name, back, wait }: echoes every value of `name` into `back` with
//     `for await` and `await send`, until the end of the stream.
//   { role: 'fill', name, count, size }: a 'park' sender of `count` values of `size` bytes
//     (codec 'raw', value i filled with i & 0xff); prints { sent } after each value.
import { openChannel, openReceiver, type Receiver } from '../../src/channel/index.js';

const plan = JSON.parse(process.argv[2]) as {
  role: 'idle' | 'echo' | 'fill';
  name: string;
  style?: 'iterate' | 'receive' | 'message';
  back?: string;
  wait?: 'adaptive' | 'park';
  count?: number;
  size?: number;
};
const out = (value: unknown): void => console.log(JSON.stringify(value));

function first(receiver: Receiver<number>, style: string): Promise<number> {
  switch (style) {
    case 'receive':
      return receiver.receive();
    case 'iterate':
      return receiver[Symbol.asyncIterator]()
        .next()
        .then((result) => result.value as number);
    default:
      return new Promise((resolve) => receiver.once('message', resolve));
  }
}

if (plan.role === 'idle') {
  const receiver = openReceiver<number>(plan.name);
  const before = process.cpuUsage();
  const value = first(receiver, plan.style!);
  out({ waiting: true });
  const got = await value;
  const used = process.cpuUsage(before);
  out({ value: got, cpuMs: (used.user + used.system) / 1000 });
  receiver.close();
} else if (plan.role === 'echo') {
  const receiver = openReceiver<number>(plan.name, { wait: plan.wait });
  const sender = openChannel<number>(plan.back!, { wait: plan.wait });
  for await (const value of receiver) await sender.send(value);
  sender.close();
  receiver.close();
} else {
  const sender = openChannel<Uint8Array>(plan.name, { codec: 'raw', wait: 'park' });
  for (let i = 0; i < plan.count!; i++) {
    await sender.send(new Uint8Array(plan.size!).fill(i & 0xff));
    out({ sent: i + 1 });
  }
  sender.close();
}
