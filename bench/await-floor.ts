// The floor of the awaited calls in this V8, against what the channel's calls cost, in one
// process (no peer): ns per value, CPU time, the best of several rounds.
//   node dist/bench/await-floor.js [count]
// - 'for await, resolved promises': a bare `for await` over an iterator whose next() returns
//   Promise.resolve({ value, done: false }), what any async iterator must do per value;
// - '... + a 16 B copy out of shared memory': the same, the value a new Uint8Array copied out
//   of a SharedArrayBuffer (what a raw 16 B receive must hand out);
// - 'await of a settled promise': a bare `await` per value (a sender's `await send(v)`);
// - the channel: `for await` / `receiveSync` over values sent before, and `await send` /
//   `sendSync` into a ring nobody reads, 16 B raw payloads.
import { createChannel, openChannel } from '../src/index.js';

const COUNT = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = 5;
const CAPACITY = 64 << 20; // room for every value of a run: senders never wait
let serial = 0;

function cpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

const shared = new Uint8Array(new SharedArrayBuffer(1 << 16));

function iterator<T>(value: (i: number) => T): AsyncIterable<T> {
  let i = 0;
  return {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        i < COUNT
          ? Promise.resolve({ value: value(i++), done: false })
          : Promise.resolve({ value: undefined, done: true }),
    }),
  };
}

/** A raw channel with COUNT values of 16 B in it (when `filled`), both ends open. */
function channel(filled: boolean) {
  const name = `/shmring-await-floor-${process.pid}-${serial++}`;
  const receiver = createChannel<Uint8Array>(name, { codec: 'raw', capacity: CAPACITY });
  const sender = openChannel<Uint8Array>(name, { codec: 'raw', capacity: CAPACITY });
  const payload = new Uint8Array(16);
  if (filled) for (let i = 0; i < COUNT; i++) sender.sendSync(payload);
  return { receiver, sender, payload };
}

const CASES: Record<string, () => Promise<() => Promise<void>>> = {
  'for await, resolved promises': async () => {
    const value = new Uint8Array(16);
    return async () => {
      for await (const v of iterator(() => value)) if (v.length !== 16) throw new Error();
    };
  },
  'for await, resolved promises + a 16 B copy out of shared memory': async () => async () => {
    const values = iterator((i) => shared.slice((i & 4095) << 4, ((i & 4095) << 4) + 16));
    for await (const v of values) if (v.length !== 16) throw new Error();
  },
  'await of a settled promise': async () => async () => {
    const settled = Promise.resolve();
    for (let i = 0; i < COUNT; i++) await settled;
  },
  'channel: for await (const v of receiver)': async () => {
    const { receiver, sender } = channel(true);
    sender.close();
    return async () => {
      for await (const v of receiver) if (v.length !== 16) throw new Error();
      receiver.close({ unlink: true });
    };
  },
  'channel: receiver.receiveSync()': async () => {
    const { receiver, sender } = channel(true);
    return async () => {
      for (let i = 0; i < COUNT; i++) receiver.receiveSync();
      sender.close();
      receiver.close({ unlink: true });
    };
  },
  'channel: await sender.send(v)': async () => {
    const { receiver, sender, payload } = channel(false);
    return async () => {
      for (let i = 0; i < COUNT; i++) await sender.send(payload);
      sender.close();
      receiver.close({ unlink: true });
    };
  },
  'channel: sender.sendSync(v)': async () => {
    const { receiver, sender, payload } = channel(false);
    return async () => {
      for (let i = 0; i < COUNT; i++) sender.sendSync(payload);
      sender.close();
      receiver.close({ unlink: true });
    };
  },
};

const best = new Map<string, number>();
for (let round = 0; round <= ROUNDS; round++) {
  for (const [name, prepare] of Object.entries(CASES)) {
    const run = await prepare();
    const start = cpuMs();
    await run();
    const ns = ((cpuMs() - start) * 1e6) / COUNT;
    if (round > 0) best.set(name, Math.min(best.get(name) ?? Infinity, ns)); // round 0 warms up
  }
}
for (const [name, ns] of best)
  process.stdout.write(
    `${name.padEnd(66)} ${ns.toFixed(0).padStart(4)} ns  ${(1e3 / ns).toFixed(1).padStart(5)} M/s\n`,
  );
