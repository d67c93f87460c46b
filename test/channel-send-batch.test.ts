// The batch send calls (trySendBatch, sendBatchSync, sendBatch): many values per claim, in order,
// each whole, with back-pressure, across processes, SPSC and MPSC; and the ring's writeBlock.
import { describe, expect, it } from 'vitest';

import { createRing, RecordBlock, ringSegmentSize, type RingKind } from '../src/index.js';
import { openChannel } from '../src/channel/index.js';
import { channelsPerTest } from './helpers/channels.js';
import { finished, spawnChild } from './helpers/child.js';

const channel = channelsPerTest('sbatch');

type Value = [id: number, seq: number, text?: string];

const newRing = (kind: RingKind, capacity: number) =>
  createRing(new SharedArrayBuffer(ringSegmentSize(capacity)), { kind, capacity });

function batchSender(plan: Record<string, unknown>) {
  return finished(spawnChild('batch-sender.ts', [JSON.stringify(plan)]), 120_000);
}

describe('sending in batches across processes', () => {
  for (const producers of ['single', 'multi'] as const) {
    for (const style of ['try', 'sync', 'async'] as const) {
      it(`${producers}, ${style}: small and fragmented values arrive in order, each once, through a small ring`, async () => {
        // 16 KiB ring: runs are at most 4 KiB, and a 5000-character value goes in fragments.
        const receiver = channel<Value>({ producers, capacity: 16 * 1024 });
        const count = 5000;
        const plan = {
          name: receiver.name,
          style,
          count,
          batch: 97,
          bigEvery: 250,
          bigLength: 5000,
          id: 1,
          producers,
        };
        const child = batchSender(plan);
        const got: Value[] = [];
        for await (const batch of receiver.batches()) got.push(...batch);
        const result = await child;
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(got.map(([, seq]) => seq)).toEqual(Array.from({ length: count }, (_, i) => i));
        for (const [id, seq, text] of got) {
          expect(id).toBe(1);
          if (seq % 250 === 249) expect(text).toBe(String(seq % 10).repeat(5000));
          else expect(text).toBeUndefined();
        }
      });
    }
  }

  it('multi: three sender processes batching at once keep each one order', async () => {
    const receiver = channel<Value>({ producers: 'multi', capacity: 64 * 1024 });
    const count = 20_000;
    // Held open until every value is in: a sender that finishes before another one opens
    // would otherwise end the stream.
    const holder = openChannel<Value>(receiver.name, { producers: 'multi' });
    const children = ['try', 'sync', 'async'].map((style, id) =>
      batchSender({
        name: receiver.name,
        style,
        count,
        batch: 64,
        bigEvery: 1000,
        bigLength: 20_000,
        id,
        producers: 'multi',
      }),
    );
    // A child that fails ends the loop (its stderr is checked below).
    const all = Promise.all(children).then((results) => {
      if (results.some((result) => result.code !== 0)) receiver.close();
      return results;
    });
    const next = [0, 0, 0];
    for await (const [id, seq, text] of receiver) {
      expect(seq).toBe(next[id]);
      next[id]++;
      if (seq % 1000 === 999) expect(text).toHaveLength(20_000);
      if (next.every((n) => n === count)) break;
    }
    holder.close();
    for (const result of await all) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    expect(next).toEqual([count, count, count]);
  });

  it('a batch wakes a parked receiver in another process', async () => {
    const receiver = channel<Value>({ wait: 'park' });
    const child = batchSender({
      name: receiver.name,
      style: 'async',
      count: 3,
      batch: 3,
      bigEvery: 0,
      bigLength: 0,
      id: 7,
      producers: 'single',
    });
    // Parked before the child is even up: only the futex wake-up can bring these.
    const got = await receiver.receiveBatch(Infinity, { timeoutMs: 30_000 });
    expect(got[0]).toEqual([7, 0]);
    while (got.length < 3)
      got.push(...(await receiver.receiveBatch(Infinity, { timeoutMs: 30_000 })));
    expect(got).toEqual([
      [7, 0],
      [7, 1],
      [7, 2],
    ]);
    expect((await child).code).toBe(0);
  });
});

describe('trySendBatch', () => {
  it('sends the prefix that fits, each value whole, and nothing more', () => {
    const receiver = channel<Uint8Array>({ codec: 'raw', capacity: 1024 });
    const sender = openChannel<Uint8Array>(receiver.name, { codec: 'raw' });
    const values = Array.from({ length: 100 }, (_, i) => new Uint8Array(30).fill(i));
    const sent = sender.trySendBatch(values);
    // 40-byte records in 1024 bytes: some but not all.
    expect(sent).toBeGreaterThan(10);
    expect(sent).toBeLessThan(100);
    const got = receiver.tryReceiveBatch();
    expect(got).toEqual(values.slice(0, sent));
    expect(receiver.tryReceiveBatch()).toEqual([]);
    expect(sender.trySendBatch(values.slice(sent, sent + 5))).toBe(5);
    expect(receiver.tryReceiveBatch()).toEqual(values.slice(sent, sent + 5));
    sender.close();
  });

  it('copies the values: a buffer reused right after the call does not change what arrives', () => {
    const receiver = channel<Uint8Array>({ codec: 'raw' });
    const sender = openChannel<Uint8Array>(receiver.name, { codec: 'raw' });
    const buffer = new Uint8Array(16);
    const values = [buffer, buffer.slice().fill(9)];
    buffer.fill(1);
    expect(sender.trySendBatch(values)).toBe(2);
    buffer.fill(2);
    expect(receiver.tryReceiveBatch()).toEqual([
      new Uint8Array(16).fill(1),
      new Uint8Array(16).fill(9),
    ]);
    sender.close();
  });

  it('never blocks: a value larger than the free space is not started', () => {
    const receiver = channel<string>({ capacity: 1024 });
    const sender = openChannel<string>(receiver.name);
    // 1000 characters do not fit in one 128-byte record: fragments, all or none.
    expect(sender.trySendBatch(['a', 'b'.repeat(2000), 'c'])).toBe(1);
    expect(receiver.tryReceiveBatch()).toEqual(['a']);
    sender.close();
  });

  it('rejects what is not an array, and says EPIPE once the receiver closed', () => {
    const receiver = channel<number>();
    const sender = openChannel<number>(receiver.name);
    expect(() => sender.trySendBatch(1 as unknown as number[])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    receiver.close();
    expect(() => sender.trySendBatch([1])).toThrow(expect.objectContaining({ code: 'EPIPE' }));
    sender.close();
  });
});

describe('sendBatch', () => {
  it('encodes what waits at the call: values changed afterwards arrive as they were', async () => {
    const receiver = channel<{ n: number }>({ capacity: 1024 });
    const sender = openChannel<{ n: number }>(receiver.name);
    const values = Array.from({ length: 200 }, (_, n) => ({ n }));
    const sending = sender.sendBatch(values);
    for (const value of values) value.n = -1;
    const got: number[] = [];
    while (got.length < 200) got.push(...(await receiver.receiveBatch()).map(({ n }) => n));
    await sending;
    expect(got).toEqual(Array.from({ length: 200 }, (_, n) => n));
    sender.close();
  });

  it('queues behind a pending send and keeps the order of the calls', async () => {
    const receiver = channel<number>({ capacity: 1024 });
    const sender = openChannel<number>(receiver.name);
    const calls = [sender.sendBatch(Array.from({ length: 300 }, (_, i) => i)), sender.send(300)];
    calls.push(sender.sendBatch([301, 302]));
    expect(sender.trySendBatch([999])).toBe(0); // never ahead of pending sends
    const got: number[] = [];
    while (got.length < 303) got.push(...(await receiver.receiveBatch()));
    await Promise.all(calls);
    expect(got).toEqual(Array.from({ length: 303 }, (_, i) => i));
    sender.close();
  });

  it('times out with ETIMEDOUT when nobody reads', async () => {
    const receiver = channel<number>({ capacity: 1024 });
    const sender = openChannel<number>(receiver.name);
    await expect(
      sender.sendBatch(
        Array.from({ length: 1000 }, (_, i) => i),
        { timeoutMs: 50 },
      ),
    ).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(() =>
      sender.sendBatchSync([1, 2, 3].map((i) => i * 1e6).concat(Array(1000).fill(0)), {
        timeoutMs: 50,
      }),
    ).toThrow(expect.objectContaining({ code: 'ETIMEDOUT' }));
    sender.close();
  });
});

describe('createWriteStream', () => {
  it('writes corked together go in as one batch, in order', async () => {
    const receiver = channel<number>({ capacity: 1024 });
    const sender = openChannel<number>(receiver.name);
    const stream = sender.createWriteStream();
    let batches = 0;
    const sendBatch = sender.sendBatch.bind(sender);
    sender.sendBatch = (values) => {
      batches++;
      return sendBatch(values);
    };
    stream.cork();
    for (let i = 0; i < 300; i++) stream.write(i);
    stream.uncork();
    stream.end();
    const got: number[] = [];
    for await (const batch of receiver.batches()) got.push(...batch);
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(batches).toBe(1);
  });
});

describe('RingBuffer.writeBlock', () => {
  it('publishes a run of records at once, read one by one with their own types', () => {
    const ring = newRing('spsc', 4096);
    const block = new RecordBlock(1024);
    const payloads = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(17).fill(5)];
    payloads.forEach((payload, i) =>
      expect(block.add(10 + i, payload, 0, payload.length)).toBe(true),
    );
    expect(ring.writeBlock(block, 2)).toBe(true);
    expect(ring.writeBlock(block, 3)).toBe(true);
    const got: [number, number[]][] = [];
    ring.read((typeId, bytes, offset, length) =>
      got.push([typeId, [...bytes.subarray(offset, offset + length)]]),
    );
    expect(got).toEqual([
      [10, [1, 2, 3]],
      [11, []],
      [10, [1, 2, 3]],
      [11, []],
      [12, Array(17).fill(5)],
    ]);
  });

  it('checks its arguments, and says false when the ring is full', () => {
    const ring = newRing('spsc', 1024);
    for (const capacity of [12, 0, 1.5, 2 ** 31])
      expect(() => new RecordBlock(capacity)).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
      );
    const block = new RecordBlock(512);
    expect(() => block.add(0, new Uint8Array(1), 0, 1)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(block.add(1, new Uint8Array(200), 0, 200)).toBe(true);
    // 200 bytes is more than a 1024-byte ring's max message length (128).
    expect(() => ring.writeBlock(block, 1)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    block.clear();
    expect(block.add(1, new Uint8Array(100), 0, 100)).toBe(true);
    expect(() => ring.writeBlock(block, 2)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => ring.writeBlock({} as RecordBlock, 1)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    let written = 0;
    while (ring.writeBlock(block, 1)) written++;
    expect(written).toBe(Math.floor((1024 - 8) / 112));
  });

  it('a run whose producer died before publishing it is padded whole by unblock()', () => {
    const ring = newRing('mpsc', 4096);
    const block = new RecordBlock(1024);
    for (let i = 0; i < 3; i++) block.add(1, new Uint8Array(8).fill(i), 0, 8);
    // What a producer leaves when it dies in the middle of writeBlock: the run claimed and
    // marked in progress as one record (negative length of the whole run), its copy begun.
    const head = ring.consumerPosition();
    ring.tryClaim(1, 3 * 16 - 8);
    expect(ring.headBlocked()).toBe(true);
    expect(ring.unblock()).toBe(true);
    expect(ring.writeBlock(block, 3)).toBe(true);
    const got: number[] = [];
    ring.read((_, bytes, offset) => got.push(bytes[offset]!));
    expect(got).toEqual([0, 1, 2]);
    expect(ring.consumerPosition() - head).toBe(2 * 3 * 16);
  });
});
