import { existsSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';

import { createChannel, createSender, openChannel, openReceiver } from '../src/channel/index.js';
import { ChannelControl } from '../src/channel/control.js';
import { attachRing, RECORD_MSGPACK } from '../src/index.js';
import { Segment } from '../src/segment/index.js';
import { channelsPerTest } from './helpers/channels.js';
import { finished, spawnChild } from './helpers/child.js';
import { uniqueFilePath, uniqueShmName } from './helpers/names.js';
import { isPattern, trickyValues } from './helpers/values.js';
import { tsWorker } from './helpers/worker.js';

const channel = channelsPerTest('chan');

async function peer(
  plan: Record<string, unknown>,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  const result = await finished(spawnChild('channel-peer.ts', [JSON.stringify(plan)]), timeoutMs);
  if (result.code !== 0)
    throw new Error(`peer ${JSON.stringify(plan)} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!);
}

type Seq = { seq: number; pid: number; pad: string };

function checkOrdered(values: Seq[], senders: number, perSender: number): void {
  const next = new Map<number, number>();
  for (const { seq, pid, pad } of values) {
    expect(seq).toBe(next.get(pid) ?? 0);
    expect(pad).toBe('p'.repeat(seq % 50));
    next.set(pid, seq + 1);
  }
  expect(next.size).toBe(senders);
  for (const count of next.values()) expect(count).toBe(perSender);
}

describe('a sender process and a receiving parent', () => {
  for (const producers of ['single', 'multi'] as const) {
    for (const how of ['try', 'sync', 'async', 'stream']) {
      it(`${producers} producer, ${how} sends, every value arrives in order`, async () => {
        const receiver = channel<Seq>({ producers, capacity: 4096 });
        const sending = peer({ role: 'send', name: receiver.name, how, what: 'seq', count: 5000 });
        const got: Seq[] = [];
        for await (const value of receiver) got.push(value);
        expect(await sending).toMatchObject({ sent: 5000 });
        checkOrdered(got, 1, 5000);
        expect(receiver.ended).toBe(true);
      });
    }
  }

  it('MPSC: four sender processes, per-sender order, exact totals; receiveSync/tryReceive/events', async () => {
    const receiver = channel<Seq>({ producers: 'multi', capacity: 8192 });
    // The stream ends when every sender has closed: hold one open until all four are done,
    // or a fast one could end it before a slow one starts.
    const guard = openChannel(receiver.name, { producers: 'multi' });
    const senders = ['try', 'sync', 'async', 'stream'].map((how) =>
      peer({ role: 'send', name: receiver.name, how, what: 'seq', count: 3000 }),
    );
    void Promise.all(senders).finally(() => guard.close());
    const got: Seq[] = [];
    // A mix of the pull calls, then events for the rest.
    for (let i = 0; i < 500; i++) got.push(receiver.receiveSync({ timeoutMs: 20_000 }));
    for (
      let value = receiver.tryReceive();
      value !== undefined && got.length < 1000;
      value = receiver.tryReceive()
    )
      got.push(value);
    await new Promise<void>((resolve, reject) => {
      receiver.on('message', (value: Seq) => got.push(value));
      receiver.on('end', resolve);
      receiver.on('error', reject);
    });
    for (const sender of await Promise.all(senders)) expect(sender.sent).toBe(3000);
    checkOrdered(got, 4, 3000);
  });

  it('values that are hard to carry round-trip between processes', async () => {
    const receiver = channel();
    const sending = peer({ role: 'send', name: receiver.name, how: 'async', what: 'tricky' });
    const got: unknown[] = [];
    for await (const value of receiver) got.push(value);
    await sending;
    expect(got).toEqual(trickyValues());
  });

  it('10 MiB and 100 MiB messages go through a 1 MiB ring, byte for byte', async () => {
    const receiver = channel<Uint8Array>({ capacity: 1 << 20, codec: 'raw' });
    const sizes = [10 * 2 ** 20, 100 * 2 ** 20, 123];
    const sending = peer(
      {
        role: 'send',
        name: receiver.name,
        how: 'async',
        what: 'big',
        sizes,
        options: { codec: 'raw' },
      },
      120_000,
    );
    let seed = 0;
    for await (const bytes of receiver) {
      expect(bytes.length).toBe(sizes[seed]);
      expect(isPattern(bytes, seed)).toBe(true);
      seed++;
    }
    expect(seed).toBe(3);
    await sending;
  }, 120_000);
});

describe('a sending parent and a receiver process', () => {
  for (const how of ['sync', 'iterate']) {
    it(`receives with ${how}; the parent's close ends the stream`, async () => {
      const name = uniqueShmName('rev');
      const sender = createSender(name, { unlink: 'never' });
      try {
        const receiving = peer({ role: 'receive', name, how });
        for (let seq = 0; seq < 2000; seq++)
          await sender.send({ seq, pid: 1, pad: 'p'.repeat(seq % 50) });
        sender.close();
        const { got } = (await receiving) as { got: Seq[] };
        checkOrdered(got, 1, 2000);
      } finally {
        Segment.unlink(name);
      }
    });
  }
});

describe('bad frames', () => {
  it('garbage records among good ones: the good all arrive, each bad one is reported', async () => {
    const receiver = channel<number>({ producers: 'multi' });
    const sender = openChannel<number>(receiver.name, { producers: 'multi' });
    const ring = attachRing(receiver.buffer);
    const garbage = [
      [RECORD_MSGPACK, Uint8Array.of(0xc1)], // never-used msgpack byte
      [RECORD_MSGPACK, Uint8Array.of(0x92, 0x01)], // array of 2, truncated
      [77, Uint8Array.of(1, 2, 3)], // unknown type id
      [5, new Uint8Array(16)], // last fragment with no first
    ] as const;
    for (let i = 0; i < 20; i++) {
      sender.trySend(i);
      const [type, bytes] = garbage[i % garbage.length];
      if (i % 3 === 0) ring.write(type, bytes);
    }
    sender.close();
    const errors: Array<{ code: string; position?: number }> = [];
    receiver.on('error', (error) => errors.push(error));
    const got: number[] = [];
    for await (const value of receiver) got.push(value);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(errors.length).toBe(7);
    for (const error of errors) {
      expect(error.code).toBe('ERR_SHMRING_BAD_FRAME');
      expect(typeof error.position).toBe('number');
    }
  });
});

describe('cancellation, timeouts, close', () => {
  it('an AbortSignal cancels a pending receive and a pending send', async () => {
    const receiver = channel<Uint8Array>({ capacity: 4096, codec: 'raw', wait: 'park' });
    const controller = new AbortController();
    const pending = receiver.receive({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: 'ABORT_ERR' });

    const sender = openChannel<Uint8Array>(receiver.name, { codec: 'raw' });
    while (sender.trySend(new Uint8Array(256)));
    const send = sender.send(new Uint8Array(256), { signal: AbortSignal.timeout(30) });
    await expect(send).rejects.toMatchObject({ code: 'ABORT_ERR' });
    await expect(sender.send(new Uint8Array(256), { timeoutMs: 20 })).rejects.toMatchObject({
      code: 'ETIMEDOUT',
    });
    expect(() => sender.sendSync(new Uint8Array(256), { timeoutMs: 20 })).toThrow(
      expect.objectContaining({ code: 'ETIMEDOUT' }),
    );
    expect(() => receiver.receiveSync({ timeoutMs: -1 })).toThrow(RangeError);
    sender.close();
  });

  it('a queued send that finds room at once wakes a receiver parked in another process', async () => {
    // The queued send goes straight in with nobody left to publish after it: it must wake the
    // receiver itself (it used to write without a wake-up, and fork() hung on it).
    const name = uniqueShmName('chan');
    const sender = createSender<number>(name, { capacity: 1024, wait: 'park' });
    const child = peer({ role: 'receive', name, how: 'async', options: { wait: 'park' } });
    try {
      let n = 0;
      while (sender.trySend(n)) n++;
      const controller = new AbortController();
      const waiting = sender.send(-1, { signal: controller.signal }).catch((error) => error);
      const queued = sender.send(n);
      await new Promise(setImmediate); // the first send parks for room
      // This thread blocks (so the first send's wake-up for room waits) until the receiver has
      // taken all n values and parked on the empty ring.
      const ring = attachRing(sender.buffer);
      const control = new ChannelControl(sender.buffer);
      const until = Date.now() + 50_000;
      while (
        ring.consumerPosition() !== ring.producerPosition() ||
        control.dataAvailable.sleepers !== 1
      )
        if (Date.now() > until) throw new Error('the receiver did not drain the ring and park');
      controller.abort(); // the waiting send gives up unwritten; the queued one goes in at once
      expect(await waiting).toMatchObject({ code: 'ABORT_ERR' });
      await queued;
      const woken = Date.now() + 3000;
      while (ring.consumerPosition() !== ring.producerPosition() && Date.now() < woken)
        await new Promise((resolve) => setTimeout(resolve, 5));
      expect(ring.consumerPosition()).toBe(ring.producerPosition()); // taken before any close
      sender.close();
      expect((await child).got).toEqual(Array.from({ length: n + 1 }, (_, i) => i));
    } finally {
      sender.close();
      await child.catch(() => {});
      Segment.unlink(name);
    }
  });

  it('sends queued behind one waiting for space arrive intact and in order', async () => {
    const receiver = channel<{ n: number; text: string }>({ capacity: 1024 });
    const sender = openChannel<{ n: number; text: string }>(receiver.name);
    const value = (n: number) => ({ n, text: String(n).repeat(20 + n) });
    let n = 0;
    while (sender.trySend(value(n))) n++;
    // The ring is full: this one waits, and the next ones queue behind it.
    const sends = [n, n + 1, n + 2, n + 3].map((i) => sender.send(value(i)));
    const got: Array<{ n: number; text: string }> = [];
    while (got.length < n + 4) got.push(await receiver.receive({ timeoutMs: 5000 }));
    await Promise.all(sends);
    expect(got).toEqual(Array.from({ length: n + 4 }, (_, i) => value(i)));
    sender.close();
  });

  it('a receive pending while the receiver closes rejects; senders then get EPIPE', async () => {
    const receiver = createChannel(uniqueShmName('close'));
    const sender = openChannel(receiver.name);
    const pending = receiver.receive();
    setTimeout(() => receiver.close(), 20);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_SHMRING_CLOSED' });
    expect(() => sender.trySend(1)).toThrow(expect.objectContaining({ code: 'EPIPE' }));
    await expect(sender.send(1)).rejects.toMatchObject({ code: 'EPIPE' });
    expect(existsSync(`/dev/shm${receiver.name}`)).toBe(false); // 'on-close' removed the name
    sender.close();
  });

  it("unlink 'after-attach' removes the name once a sender has mapped it", () => {
    const receiver = channel({ unlink: 'after-attach' });
    expect(existsSync(`/dev/shm${receiver.name}`)).toBe(true);
    const sender = openChannel(receiver.name);
    sender.trySend('hello');
    expect(receiver.tryReceive()).toBe('hello');
    expect(existsSync(`/dev/shm${receiver.name}`)).toBe(false);
    sender.close();
  });

  it('bad options and arguments get clear errors', () => {
    expect(() => createChannel(uniqueShmName('bad'), { capacity: 1000 })).toThrow(RangeError);
    expect(() => createChannel(uniqueShmName('bad'), { producers: 'many' as never })).toThrow(
      RangeError,
    );
    expect(() => createChannel(uniqueShmName('bad'), { wait: 'sleep' as never })).toThrow(
      RangeError,
    );
    expect(() => createChannel(42 as never)).toThrow(TypeError);
    expect(() => openChannel(uniqueShmName('missing'))).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
    // A bad codec leaves no sender behind: the stream still ends when the real one closes.
    const receiver = channel<number>();
    expect(() => openChannel(receiver.name, { codec: 'json' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
    const sender = openChannel<number>(receiver.name);
    sender.trySend(1);
    sender.close();
    expect(receiver.tryReceive()).toBe(1);
    expect(receiver.tryReceive()).toBeUndefined();
    expect(receiver.ended).toBe(true);
  });

  it('closing with an async wait pending leaves no sleeper counted in shared memory', async () => {
    const receiver = channel<Uint8Array>({ capacity: 1024, codec: 'raw', wait: 'park' });
    const sender = openChannel<Uint8Array>(receiver.name, { codec: 'raw', wait: 'park' });
    while (sender.trySend(new Uint8Array(64)));
    const pending = sender.send(new Uint8Array(64));
    await new Promise((r) => setTimeout(r, 20));
    const control = new ChannelControl(receiver.buffer);
    expect(control.spaceAvailable.sleepers).toBe(1);
    sender.close();
    expect(control.spaceAvailable.sleepers).toBe(0);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_SHMRING_CLOSED' });
  });
});

describe('streams, workers, persistence', () => {
  it('object streams carry values with back-pressure', async () => {
    const receiver = channel<number>({ capacity: 1024 });
    const sender = openChannel<number>(receiver.name);
    const got: number[] = [];
    await Promise.all([
      pipeline(
        Readable.from(Array.from({ length: 3000 }, (_, i) => i)),
        sender.createWriteStream(),
      ),
      pipeline(
        receiver.createReadStream(),
        new Writable({
          objectMode: true,
          write: (value: number, _e, callback) => {
            got.push(value);
            callback();
          },
        }),
      ),
    ]);
    expect(got).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });

  it('a channel handed to a worker thread by its SharedArrayBuffer', async () => {
    const receiver = channel<string>();
    const worker = tsWorker(new URL('./children/channel-worker.ts', import.meta.url), {
      workerData: receiver.buffer,
    });
    const got: string[] = [];
    for await (const value of receiver) got.push(value);
    await worker.terminate();
    expect(got).toEqual(['from worker 0', 'from worker 1', 'from worker 2']);
  });

  it("messages wait in an 'unlink: never' channel for a receiver that attaches later", async () => {
    const name = uniqueShmName('persist');
    const sender = createSender<string>(name, { unlink: 'never' });
    sender.sendSync('sent before any receiver');
    sender.close();
    const later = openReceiver<string>(name);
    try {
      expect(later.receiveSync({ timeoutMs: 1000 })).toBe('sent before any receiver');
      expect(() => later.receiveSync({ timeoutMs: 1000 })).toThrow(
        expect.objectContaining({ code: 'ERR_SHMRING_END_OF_STREAM' }),
      );
      expect(() => openReceiver(name)).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    } finally {
      later.close({ unlink: true });
    }
    expect(existsSync(`/dev/shm${name}`)).toBe(false);
  });

  it('a receiver that takes one value and closes leaves the rest for the next one (file-backed)', () => {
    const path = uniqueFilePath('queue');
    const writer = createSender<number>(path, { backing: 'file', keepOpen: true });
    for (let i = 1; i <= 10; i++) writer.sendSync(i);
    writer.close();
    for (let expected = 1; expected <= 10; expected++) {
      const reader = openReceiver<number>(path, { backing: 'file' });
      expect(reader.tryReceive()).toBe(expected);
      reader.close({ unlink: expected === 10 });
    }
    expect(existsSync(path)).toBe(false);
  });

  it('keepOpen: senders come and go, and the stream does not end with them', () => {
    const receiver = channel<string>({ keepOpen: true, producers: 'multi' });
    for (const who of ['first', 'second', 'third']) {
      const sender = openChannel<string>(receiver.name, { producers: 'multi' });
      sender.sendSync(who);
      sender.close();
    }
    expect([receiver.tryReceive(), receiver.tryReceive(), receiver.tryReceive()]).toEqual([
      'first',
      'second',
      'third',
    ]);
    expect(receiver.tryReceive()).toBeUndefined();
    expect(receiver.ended).toBe(false);
    expect(() => receiver.receiveSync({ timeoutMs: 10 })).toThrow(
      expect.objectContaining({ code: 'ETIMEDOUT' }),
    );
  });
});
