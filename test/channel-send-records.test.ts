// Zero-copy runs of records (Sender.trySendRecords / sendRecords, RingBuffer.writeRecords): each
// payload written in place, a run published at once, in order, with back-pressure, across
// processes, SPSC and MPSC; a write() that throws leaves nothing of its run visible.
import { describe, expect, it } from 'vitest';

import { createRing, ringSegmentSize, type RecordWriter, type RingKind } from '../src/index.js';
import { openChannel } from '../src/channel/index.js';
import { channelsPerTest } from './helpers/channels.js';
import { finished, spawnChild } from './helpers/child.js';

const channel = channelsPerTest('srec');

const newRing = (kind: RingKind, capacity: number) =>
  createRing(new SharedArrayBuffer(ringSegmentSize(capacity)), { kind, capacity });

function recordsSender(plan: Record<string, unknown>) {
  return finished(spawnChild('records-sender.ts', [JSON.stringify(plan)]), 120_000);
}

/** Reads a record the way records-sender.ts writes it: [id, seq]. */
const recordOf = (bytes: Uint8Array, offset: number): [number, number] => [
  bytes[offset]!,
  new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset + 4, true),
];

/** Fills record i with the byte `base + i` (and says where each one went). */
const filler =
  (base: number, offsets: number[] = []): RecordWriter =>
  (bytes, offset, i) => {
    offsets.push(offset);
    bytes.fill(base + i, offset, offset + 8);
  };

describe('sending records in place across processes', () => {
  for (const producers of ['single', 'multi'] as const) {
    for (const style of ['try', 'async'] as const) {
      it(`${producers}, ${style}: records arrive in order, each once, through a small ring`, async () => {
        // 16 KiB ring: runs of at most 4 KiB, so a call of 300 records of 24 bytes takes several.
        const receiver = channel<Uint8Array>({ codec: 'raw', producers, capacity: 16 * 1024 });
        const count = 20_000;
        const child = recordsSender({
          name: receiver.name,
          style,
          count,
          batch: 300,
          length: 24,
          id: 5,
          producers,
          abortFirst: false,
        });
        const got: number[] = [];
        for (;;) {
          try {
            await receiver.receiveRecords((bytes, offset, length) => {
              expect(length).toBe(24);
              const [id, seq] = recordOf(bytes, offset);
              expect(id).toBe(5);
              got.push(seq);
            });
          } catch (error) {
            expect((error as { code?: string }).code).toBe('ERR_SHMRING_END_OF_STREAM');
            break;
          }
        }
        const result = await child;
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(got).toEqual(Array.from({ length: count }, (_, i) => i));
      });
    }
  }

  it('a run whose write() throws is not seen by a receiver in another process', async () => {
    const receiver = channel<Uint8Array>({ codec: 'raw' });
    const child = recordsSender({
      name: receiver.name,
      style: 'try',
      count: 2,
      batch: 2,
      length: 8,
      id: 9,
      producers: 'single',
      abortFirst: true,
    });
    const got: Uint8Array[] = [];
    for await (const value of receiver) got.push(value);
    const result = await child;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The three records of the failed call (0xee bytes) were dropped; the two after it came.
    expect(got.map((value) => recordOf(value, 0))).toEqual([
      [9, 0],
      [9, 1],
    ]);
  });

  it('records wake a receiver parked in another process', async () => {
    const receiver = channel<Uint8Array>({ codec: 'raw', wait: 'park' });
    const child = recordsSender({
      name: receiver.name,
      style: 'async',
      count: 3,
      batch: 3,
      length: 8,
      id: 2,
      producers: 'single',
      abortFirst: false,
    });
    // Parked before the child is even up: only the futex wake-up can bring these.
    const got: [number, number][] = [];
    while (got.length < 3)
      await receiver.receiveRecords((bytes, offset) => got.push(recordOf(bytes, offset)), 3, {
        timeoutMs: 30_000,
      });
    expect(got).toEqual([
      [2, 0],
      [2, 1],
      [2, 2],
    ]);
    expect((await child).code).toBe(0);
  });
});

describe('trySendRecords', () => {
  it('writes the prefix that fits, in place at 8-aligned offsets, and nothing more', () => {
    const receiver = channel<Uint8Array>({ codec: 'raw', capacity: 1024 });
    using sender = openChannel<Uint8Array>(receiver.name, { codec: 'raw' });
    const offsets: number[] = [];
    // 8-byte payloads take 16 bytes each; an SPSC claim keeps 8 bytes free after it.
    expect(sender.trySendRecords(100, 8, filler(1, offsets))).toBe(Math.floor((1024 - 8) / 16));
    expect(offsets.every((offset) => offset % 8 === 0)).toBe(true);
    expect(sender.trySendRecords(1, 8, filler(0))).toBe(0);
    const got: number[] = [];
    while (receiver.tryReceiveRecords((bytes, offset) => got.push(bytes[offset]!)) > 0);
    expect(got).toEqual(Array.from({ length: 63 }, (_, i) => 1 + i));
  });

  it('a write() that throws drops its run, keeps the runs before it, and propagates', () => {
    // 16 KiB: runs of at most 4 KiB, 256 records of 8 bytes.
    const receiver = channel<Uint8Array>({ codec: 'raw', capacity: 16 * 1024 });
    using sender = openChannel<Uint8Array>(receiver.name, { codec: 'raw' });
    const failure = new Error('no payload');
    const write: RecordWriter = (bytes, offset, i) => {
      if (i === 300) throw failure;
      bytes[offset] = i & 0xff;
    };
    expect(() => sender.trySendRecords(400, 8, write)).toThrow(failure);
    const got: number[] = [];
    while (receiver.tryReceiveRecords((bytes, offset) => got.push(bytes[offset]!)) > 0);
    expect(got).toEqual(Array.from({ length: 256 }, (_, i) => i & 0xff));
    // The ring goes on from there.
    expect(sender.trySendRecords(1, 8, filler(42))).toBe(1);
    expect(receiver.tryReceive()?.[0]).toBe(42);
  });

  it('checks its arguments, and says EPIPE once the receiver closed', () => {
    const receiver = channel<Uint8Array>({ codec: 'raw', capacity: 1024 });
    const sender = openChannel<Uint8Array>(receiver.name, { codec: 'raw' });
    for (const count of [-1, 1.5, NaN, '3'])
      expect(() => sender.trySendRecords(count as number, 8, filler(0))).toThrow(
        expect.objectContaining({
          code: count === '3' ? 'ERR_INVALID_ARG_TYPE' : 'ERR_OUT_OF_RANGE',
        }),
      );
    // 1024 / 8: the largest payload.
    expect(() => sender.trySendRecords(1, 129, filler(0))).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => sender.trySendRecords(1, 8, 'write' as unknown as RecordWriter)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(sender.trySendRecords(0, 8, filler(0))).toBe(0);
    expect(receiver.tryReceive()).toBeUndefined();
    receiver.close();
    expect(() => sender.trySendRecords(1, 8, filler(0))).toThrow(
      expect.objectContaining({ code: 'EPIPE' }),
    );
    sender.close();
  });
});

describe('sendRecords', () => {
  it('waits for room and writes every record, in order behind a pending send', async () => {
    const receiver = channel<Uint8Array>({ codec: 'raw', capacity: 1024 });
    using sender = openChannel<Uint8Array>(receiver.name, { codec: 'raw' });
    // Fill the ring, so that the send below waits, and sendRecords queues behind it.
    while (sender.trySend(new Uint8Array(8).fill(7)));
    const first = sender.send(new Uint8Array(8).fill(8));
    expect(sender.trySendRecords(1, 8, filler(0))).toBe(0); // sends are pending ahead
    const records = sender.sendRecords(200, 8, filler(10));
    const got: number[] = [];
    const done = Promise.all([first, records]);
    while (got.length < 63 + 1 + 200)
      await receiver.receiveRecords((bytes, offset) => got.push(bytes[offset]!));
    await done;
    expect(got.slice(0, 63)).toEqual(Array(63).fill(7));
    expect(got.slice(63)).toEqual([8, ...Array.from({ length: 200 }, (_, i) => (10 + i) & 0xff)]);
  });

  it('times out with ETIMEDOUT when nobody reads', async () => {
    const receiver = channel<Uint8Array>({ codec: 'raw', capacity: 1024 });
    using sender = openChannel<Uint8Array>(receiver.name, { codec: 'raw' });
    await expect(sender.sendRecords(100, 8, filler(0), { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'ETIMEDOUT',
    });
  });
});

describe('RingBuffer.writeRecords', () => {
  for (const kind of ['spsc', 'mpsc'] as const) {
    it(`${kind}: a run is read record by record, with its type and the indexes given`, () => {
      const ring = newRing(kind, 4096);
      expect(ring.writeRecords(7, 3, 4, filler(20), 10)).toBe(4);
      const got: [number, number, number][] = [];
      ring.read((typeId, bytes, offset, length) => got.push([typeId, length, bytes[offset]!]));
      expect(got).toEqual([
        [7, 3, 30],
        [7, 3, 31],
        [7, 3, 32],
        [7, 3, 33],
      ]);
    });

    it(`${kind}: a run goes whole past the end of the data area, or as much as fits`, () => {
      const ring = newRing(kind, 1024);
      // 60 records of 16 bytes: the tail 64 bytes before the end; 10 of them read.
      expect(ring.writeRecords(1, 8, 60, filler(0))).toBe(60);
      expect(ring.read(() => {}, 10)).toBe(10);
      // 13 records would fit in the free space, but not before the end (64 bytes), nor in the
      // 160 bytes the head left at the start: the claim is halved to 6, which go there.
      const offsets: number[] = [];
      expect(ring.writeRecords(1, 8, 13, filler(100, offsets))).toBe(6);
      expect(offsets[0]).toBe(offsets[1]! - 16);
      const got: number[] = [];
      ring.read((_typeId, bytes, offset) => got.push(bytes[offset]!));
      expect(got).toEqual([
        ...Array.from({ length: 50 }, (_, i) => 10 + i),
        ...Array.from({ length: 6 }, (_, i) => 100 + i),
      ]);
      // Now the ring is empty: a run of 20 wraps whole after a padding record.
      expect(ring.writeRecords(1, 8, 20, filler(50))).toBe(20);
      got.length = 0;
      ring.read((_typeId, bytes, offset) => got.push(bytes[offset]!));
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => 50 + i));
    });

    it(`${kind}: a run whose write() throws becomes padding`, () => {
      const ring = newRing(kind, 4096);
      expect(() =>
        ring.writeRecords(1, 8, 5, (_bytes, _offset, i) => {
          if (i === 4) throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(ring.writeRecords(1, 8, 1, filler(99))).toBe(1);
      const got: number[] = [];
      ring.read((_typeId, bytes, offset) => got.push(bytes[offset]!));
      expect(got).toEqual([99]);
      expect(ring.size()).toBe(0);
    });
  }
});
