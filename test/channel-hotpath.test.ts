// The public fast paths: batched receives that lose nothing on close, the batch and zero-copy
// calls, sends in one tick, concurrent waiters, trySend's never-block contract, dispose.
import { describe, expect, it } from 'vitest';

import {
  createChannel,
  createSender,
  openChannel,
  openReceiver,
  type Receiver,
} from '../src/channel/index.js';
import { channelsPerTest } from './helpers/channels.js';
import { finished, lineFrom, spawnChild } from './helpers/child.js';
import { uniqueShmName } from './helpers/names.js';

const channel = channelsPerTest('hot');

function hotpathPeer(plan: Record<string, unknown>) {
  return spawnChild('hotpath-peer.ts', [JSON.stringify(plan)]);
}

async function peerResult(plan: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await finished(hotpathPeer(plan), 60_000);
  if (result.code !== 0)
    throw new Error(`peer ${JSON.stringify(plan)} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!);
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i);

const STYLES = [
  'receive',
  'receiveSync',
  'iterate',
  'receiveBatch',
  'receiveBatchSync',
  'tryReceiveBatch',
  'batches',
  'message',
  'stream',
];

describe('read ahead, nothing lost', () => {
  for (const producers of ['single', 'multi'] as const) {
    for (const style of STYLES) {
      for (const then of ['receive', 'iterate', 'batches'].includes(style)
        ? ['close', 'exit']
        : ['close']) {
        it(`${producers}: a receiver process takes 7 of 200 with ${style} and ${then}s; the next receiver gets exactly the rest`, async () => {
          const name = uniqueShmName('ahead');
          const sender = createSender<number>(name, { producers, unlink: 'never' });
          try {
            for (let i = 0; i < 200; i++) sender.sendSync(i);
            sender.close();
            const { got } = (await peerResult({ role: 'take', name, style, count: 7, then })) as {
              got: number[];
            };
            expect(got.length).toBeGreaterThanOrEqual(7);
            expect(got).toEqual(range(0, got.length));
            const next = openReceiver<number>(name);
            const rest: number[] = [];
            for await (const batch of next.batches()) rest.push(...batch);
            next.close({ unlink: true });
            expect(rest).toEqual(range(got.length, 200));
          } finally {
            sender.close();
          }
        });
      }
    }
  }

  for (const producers of ['single', 'multi'] as const) {
    it(`${producers}: a full ring read ahead a whole lap, refilled as values go out, keeps order`, () => {
      const receiver = channel<{ seq: number; pad: string }>({ producers, capacity: 1024 });
      const sender = openChannel<{ seq: number; pad: string }>(receiver.name, { producers });
      let sent = 0;
      let got = 0;
      for (let round = 0; round < 3000; round++) {
        while (sender.trySend({ seq: sent, pad: 'p'.repeat(sent % 40) })) sent++;
        for (let i = 0; i < round % 7; i++) {
          const value = receiver.tryReceive();
          if (value === undefined) break;
          expect(value.seq).toBe(got++);
        }
      }
      expect(got).toBeGreaterThan(1000);
      sender.close();
    });
  }

  it('values bigger than the records (fragments) read ahead survive a close too', async () => {
    const name = uniqueShmName('ahead-big');
    const sender = createSender<Uint8Array>(name, {
      codec: 'raw',
      capacity: 1 << 20,
      unlink: 'never',
    });
    // Records carry at most 128 KiB here: these go in fragments, all six fit the ring.
    const value = (i: number): Uint8Array => new Uint8Array(100_000 + i * 10_000).fill(i);
    for (let i = 0; i < 6; i++) sender.sendSync(value(i));
    sender.close();
    const first = openReceiver<Uint8Array>(name, { codec: 'raw' });
    // (Compared as Buffers: deep equality of 100 KB arrays is slow.)
    const same = (a: Uint8Array | undefined, b: Uint8Array): boolean =>
      a !== undefined && Buffer.from(a).equals(b);
    expect(same(first.tryReceive(), value(0))).toBe(true);
    expect(same(first.tryReceive(), value(1))).toBe(true);
    first.close();
    const second = openReceiver<Uint8Array>(name, { codec: 'raw' });
    const rest: Uint8Array[] = [];
    for await (const v of second) rest.push(v);
    second.close({ unlink: true });
    expect(rest.length).toBe(4);
    rest.forEach((v, i) => expect(same(v, value(i + 2))).toBe(true));
  });
});

describe('batch calls', () => {
  it('receiveBatch, tryReceiveBatch, receiveBatchSync and batches() hand out arrays in order', async () => {
    const receiver = channel<number>({ capacity: 1 << 16 });
    const sender = openChannel<number>(receiver.name);
    for (let i = 0; i < 100; i++) sender.sendSync(i);
    expect(receiver.tryReceiveBatch(10)).toEqual(range(0, 10));
    expect(await receiver.receiveBatch(15)).toEqual(range(10, 25));
    expect(receiver.receiveBatchSync(5)).toEqual(range(25, 30));
    const later = receiver.receiveBatch(1000);
    expect(await later).toEqual(range(30, 100));
    expect(receiver.tryReceiveBatch()).toEqual([]);
    const pending = receiver.receiveBatch(3, { timeoutMs: 20_000 });
    setTimeout(() => {
      sender.sendSync(100);
      sender.close();
    }, 30);
    expect(await pending).toEqual([100]);
    const rest: number[][] = [];
    for await (const batch of receiver.batches(4)) rest.push(batch);
    expect(rest).toEqual([]);
    expect(receiver.ended).toBe(true);
    await expect(receiver.receiveBatch()).rejects.toMatchObject({
      code: 'ERR_SHMRING_END_OF_STREAM',
    });
    expect(() => receiver.tryReceiveBatch(0)).toThrow(RangeError);
  });
});

describe('zero-copy records', () => {
  it('claim, write in place, commit or abort across processes: aborted records are never seen', async () => {
    const receiver = channel<Uint8Array>({ codec: 'raw', capacity: 4096 });
    const sizes = Array.from({ length: 300 }, (_, i) => (i * 37) % 500);
    const sending = peerResult({
      role: 'zero-copy-send',
      name: receiver.name,
      sizes,
      abortEvery: 3,
    });
    const seen: number[][] = [];
    for (;;) {
      try {
        await receiver.receiveRecords((bytes, offset, length) => {
          seen.push(Array.from(bytes.subarray(offset, offset + length)));
        });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_SHMRING_END_OF_STREAM') break;
        throw error;
      }
    }
    expect(await sending).toEqual({ committed: 200 });
    const expected = sizes
      .map((size, i) => ({ size, i }))
      .filter(({ i }) => i % 3 !== 0)
      .map(({ size, i }) => Array.from({ length: size }, (_, j) => (i + j) & 0xff));
    expect(seen).toEqual(expected);
  });

  it('claims are 8-byte aligned, wait for room, and arrive as values of the codec', async () => {
    const receiver = channel<Uint8Array>({ codec: 'raw', capacity: 1024 });
    const sender = openChannel<Uint8Array>(receiver.name, { codec: 'raw' });
    const at = sender.tryClaim(5);
    expect(at % 8).toBe(0);
    sender.bytes.set([1, 2, 3, 4, 5], at);
    sender.commit(at);
    expect(() => sender.commit(at)).toThrow(
      expect.objectContaining({ code: 'ERR_SHMRING_NOT_CLAIMED' }),
    );
    expect(receiver.tryReceive()).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
    while (sender.tryClaim(100) >= 0); // aborted below: the ring fills with claims
    expect(sender.tryClaim(100)).toBe(-1);
    expect(() => sender.tryClaim(129)).toThrow(RangeError); // over capacity / 8
    receiver.close();
    sender.close();
  });

  it('a record read is a view valid during the call; large messages arrive reassembled', async () => {
    const receiver = channel<Uint8Array>({ codec: 'raw', capacity: 4096 });
    const sender = openChannel<Uint8Array>(receiver.name, { codec: 'raw' });
    sender.sendSync(new Uint8Array([7, 8, 9]));
    const big = new Uint8Array(3000).map((_, i) => i & 0xff);
    const sending = sender.send(big);
    const got: Uint8Array[] = [];
    while (got.length < 2)
      await receiver.receiveRecords(
        (bytes, offset, length) => got.push(bytes.slice(offset, offset + length)),
        10,
        { timeoutMs: 20_000 },
      );
    await sending;
    expect(got).toEqual([new Uint8Array([7, 8, 9]), big]);
    sender.sendSync(new Uint8Array([1]));
    expect(receiver.tryReceive()).toEqual(new Uint8Array([1]));
    sender.sendSync(new Uint8Array([2]));
    sender.sendSync(new Uint8Array([3]));
    expect(receiver.tryReceive()).toEqual(new Uint8Array([2])); // [3] is read ahead now
    expect(() => receiver.tryReceiveRecords(() => {})).toThrow(
      expect.objectContaining({ code: 'ERR_SHMRING_BUSY' }),
    );
    sender.close();
  });
});

describe('sends and waiters', () => {
  it('several sends in one tick arrive in order and wake a parked receiver process', async () => {
    const name = uniqueShmName('tick');
    const sender = createSender<number>(name, { wait: 'park' });
    const child = hotpathPeer({ role: 'parked', name, count: 10 });
    const done = finished(child, 60_000);
    try {
      await lineFrom(child, /ready/);
      await new Promise((resolve) => setTimeout(resolve, 200)); // let it park
      await Promise.all(range(0, 10).map((i) => sender.send(i)));
      const result = await done;
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toEqual({ got: range(0, 10) });
    } finally {
      sender.close();
      child.kill();
      openReceiver(name).close({ unlink: true });
    }
  });

  it('concurrent waiters are served in the order they waited, each value to one of them', async () => {
    const receiver = channel<number>({ wait: 'park' });
    const first = receiver.receive();
    const second = receiver.receive({ timeoutMs: 30_000 });
    const iterator = receiver[Symbol.asyncIterator]();
    const third = iterator.next();
    const batch = receiver.receiveBatch(3);
    const heard: number[] = [];
    receiver.on('message', (value) => heard.push(value));
    const stream = receiver.createReadStream();
    const streamed: number[] = [];
    stream.on('data', (value: number) => streamed.push(value));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sending = peerResult({ role: 'send-seq', name: receiver.name, count: 20 });
    expect(await first).toBe(0);
    expect(await second).toBe(1);
    expect(await third).toEqual({ value: 2, done: false });
    const taken = await batch;
    expect(taken[0]).toBe(3);
    expect(taken).toEqual(range(3, 3 + taken.length));
    await sending;
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Then the stream's read (it waited before the listener came), then whoever asks.
    const next = 3 + taken.length;
    expect(streamed[0]).toBe(next);
    expect([...streamed, ...heard].sort((a, b) => a - b)).toEqual(range(next, 20));
    stream.destroy();
  });

  it("'message' listeners on a busy channel leave the event loop running between rounds", async () => {
    const receiver = channel<number>({ capacity: 1 << 22 });
    const sender = openChannel<number>(receiver.name);
    for (let i = 0; i < 50_000; i++) sender.sendSync(i);
    sender.close();
    const heard: number[] = [];
    receiver.on('message', (value) => heard.push(value));
    const atTimer = await new Promise<number>((resolve) => setTimeout(() => resolve(heard.length)));
    await new Promise<void>((resolve) => receiver.once('end', () => resolve()));
    expect(atTimer).toBeLessThan(50_000);
    expect(heard).toEqual(range(0, 50_000));
  });

  it('values a synchronous call read ahead reach a pending receive() without new traffic', async () => {
    const receiver = channel<number>({ wait: 'park' });
    const sender = openChannel<number>(receiver.name, { wait: 'park' });
    const pending = receiver.receive();
    pending.catch(() => {}); // (if this test fails, close() rejects it)
    await new Promise((resolve) => setTimeout(resolve, 50)); // parked
    sender.sendSync(1);
    sender.sendSync(2);
    expect(receiver.tryReceive()).toBe(1); // reads both, hands out one
    const late = new Promise((resolve) => setTimeout(() => resolve('still pending'), 5000));
    expect(await Promise.race([pending, late])).toBe(2);
    sender.close();
  });

  it('a send waiting for room wakes as soon as the receiver in its thread makes room', async () => {
    const receiver = channel<Uint8Array>({ codec: 'raw', capacity: 4096, wait: 'park' });
    const sender = openChannel<Uint8Array>(receiver.name, { codec: 'raw', wait: 'park' });
    while (sender.trySend(new Uint8Array(100)));
    const pending = sender.send(new Uint8Array(100));
    await new Promise((resolve) => setTimeout(resolve, 50)); // parked
    // Reads the ring ahead, hands out two: room for one more (with the wrap, at most two).
    await receiver.receive();
    await receiver.receive();
    const late = new Promise((resolve) => setTimeout(() => resolve('still waiting'), 500));
    expect(await Promise.race([pending.then(() => 'sent'), late])).toBe('sent');
    sender.close();
  });

  it('receive() and a message listener together: no ERR_SHMRING_BUSY, no crash', async () => {
    const receiver = channel<number>({ wait: 'park' });
    const sender = openChannel<number>(receiver.name);
    const heard: number[] = [];
    receiver.on('message', (value) => heard.push(value));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const pending = [receiver.receive(), receiver.receive()];
    for (let i = 0; i < 5; i++) sender.sendSync(i);
    expect(await Promise.all(pending)).toEqual([0, 1]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heard).toEqual([2, 3, 4]);
    sender.close();
  });

  it('trySend of a value too large for the room left returns false at once and writes nothing', async () => {
    const receiver = channel<Uint8Array>({ codec: 'raw', capacity: 4096 });
    const sender = openChannel<Uint8Array>(receiver.name, { codec: 'raw' });
    // Larger than the ring: it can never go in one piece. The receiver is in this thread, so a
    // trySend that waited for it would hang for ever.
    expect(sender.trySend(new Uint8Array(10_000))).toBe(false);
    expect(sender.trySend(new Uint8Array([1]))).toBe(true);
    // Fragments that fit the free space go in whole.
    expect(sender.trySend(new Uint8Array(2000).fill(2))).toBe(true);
    expect(sender.trySend(new Uint8Array(2000).fill(3))).toBe(false);
    expect(receiver.tryReceive()).toEqual(new Uint8Array([1]));
    expect(receiver.tryReceive()).toEqual(new Uint8Array(2000).fill(2));
    expect(receiver.tryReceive()).toBeUndefined(); // nothing of the refused ones
    expect(sender.trySend(new Uint8Array(2000).fill(4))).toBe(true);
    expect(receiver.tryReceive()).toEqual(new Uint8Array(2000).fill(4));
    sender.close();
  });
});

describe('closing', () => {
  it('close() ends a pending for await loop (and a batches() loop); receive() rejects in user words', async () => {
    const receiver = channel<number>({ wait: 'park' });
    const loop = (async () => {
      const got: number[] = [];
      for await (const value of receiver) got.push(value);
      return got;
    })();
    const batches = (async () => {
      let count = 0;
      for await (const batch of receiver.batches()) count += batch.length;
      return count;
    })();
    const pending = receiver.receive();
    await new Promise((resolve) => setTimeout(resolve, 50));
    receiver.close();
    expect(await loop).toEqual([]);
    expect(await batches).toBe(0);
    await expect(pending).rejects.toMatchObject({
      code: 'ERR_SHMRING_CLOSED',
      message: 'the receiver is closed',
    });
    // And a loop started after close ends at once.
    for await (const value of receiver) expect.unreachable(String(value));
  });

  it('a send waiting for space when its sender closes fails in user words', async () => {
    const receiver = channel<Uint8Array>({ codec: 'raw', capacity: 1024, wait: 'park' });
    const sender = openChannel<Uint8Array>(receiver.name, { codec: 'raw', wait: 'park' });
    while (sender.trySend(new Uint8Array(100)));
    const pending = sender.send(new Uint8Array(100));
    await new Promise((resolve) => setTimeout(resolve, 50));
    sender.close();
    await expect(pending).rejects.toMatchObject({
      code: 'ERR_SHMRING_CLOSED',
      message: 'the sender was closed while it waited',
    });
  });

  it('Symbol.dispose and Symbol.asyncDispose close both ends', async () => {
    const name = uniqueShmName('dispose');
    let outer: Receiver<number> | undefined;
    {
      using receiver = createChannel<number>(name);
      outer = receiver;
      {
        await using sender = openChannel<number>(name);
        void sender.send(1);
      }
      expect(receiver.tryReceive()).toBe(1);
      expect(receiver.tryReceive()).toBeUndefined();
      expect(receiver.ended).toBe(true); // the disposed sender closed
    }
    expect(outer.closed).toBe(true);
  });

  it('ref() and unref() on both ends chain', async () => {
    const receiver = channel<number>();
    expect(receiver.unref()).toBe(receiver);
    expect(receiver.ref()).toBe(receiver);
    const sender = openChannel<number>(receiver.name);
    expect(sender.unref()).toBe(sender);
    expect(sender.ref()).toBe(sender);
    sender.close();
  });
});
