// Messages larger than a record: fragmented by FrameWriter as far as the ring has room,
// resumed after reads, and reassembled by FrameReader, per producer slot on an MPSC ring.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  FIRST_FRAGMENT_HEADER_LENGTH,
  FrameReader,
  FrameWriter,
  NEXT_FRAGMENT_HEADER_LENGTH,
  RECORD_FRAGMENT_FIRST,
  RECORD_FRAGMENT_LAST,
  type CodecOption,
  type FrameError,
} from '../src/codec/index.js';
import { attachRing, createRing, ringSegmentSize, type RingKind } from '../src/ring/index.js';

const MiB = 1 << 20;

function newRing(capacity: number, kind: RingKind = 'spsc') {
  return createRing(new SharedArrayBuffer(ringSegmentSize(capacity)), { kind, capacity });
}

/** `length` bytes of a xorshift sequence: cheap to make, and any misplaced chunk shows. */
function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  const words = new Uint32Array(bytes.buffer, 0, length >>> 2);
  let x = seed | 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  for (let i = words.length * 4; i < length; i++) bytes[i] = i * 7 + seed;
  return bytes;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

/** A reader over `ring` collecting messages and errors, the record types, and the fragments' producer slots. */
function collect<T>(ring: ReturnType<typeof newRing>, codec: CodecOption<T> = 'msgpack') {
  const messages: T[] = [];
  const errors: FrameError[] = [];
  const records: number[] = [];
  const fragmentSlots: number[] = [];
  const headers = new DataView(ring.buffer);
  const reader = new FrameReader<T>(
    ring,
    { message: (value) => messages.push(value), error: (error) => errors.push(error) },
    { codec },
  );
  const read = (limit?: number) =>
    ring.read((typeId, bytes, offset, length) => {
      records.push(typeId);
      if (typeId >= RECORD_FRAGMENT_FIRST && typeId <= RECORD_FRAGMENT_LAST)
        fragmentSlots.push(headers.getUint32(offset, true));
      reader.handler(typeId, bytes, offset, length);
    }, limit);
  return { reader, messages, errors, records, fragmentSlots, read };
}

/** Writes `value`, reading whenever the ring is full; returns how many times the writer had to wait. */
function send<T>(writer: FrameWriter<T>, value: T, read: () => number): number {
  let waits = 0;
  if (writer.write(value)) return waits;
  do {
    waits++;
    read();
  } while (!writer.resume());
  return waits;
}

describe('large messages through a 1 MiB ring', () => {
  it.each([10, 100])(
    'carries a %i MiB bin value byte for byte, interleaving writes and reads',
    (mib) => {
      const ring = newRing(MiB);
      const { reader, messages, errors, records, read } = collect<{ id: number; blob: Uint8Array }>(
        ring,
      );
      const writer = new FrameWriter<{ id: number; blob: Uint8Array }>(ring);
      const blob = pattern(mib * MiB, mib);
      let peak = 0;
      const waits = send(writer, { id: mib, blob }, () => {
        const count = read();
        peak = Math.max(peak, reader.reassemblyBytes);
        return count;
      });
      read();
      expect(errors).toEqual([]);
      expect(messages).toHaveLength(1);
      expect(messages[0]!.id).toBe(mib);
      expect(sameBytes(messages[0]!.blob, blob)).toBe(true);
      // It really went in pieces: the writer waited for room, records never exceeded the ring's max.
      expect(waits).toBeGreaterThan(mib);
      expect(records[0]).toBe(RECORD_FRAGMENT_FIRST);
      expect(records.at(-1)).toBe(RECORD_FRAGMENT_LAST);
      const chunk = (ring.maxMessageLength - NEXT_FRAGMENT_HEADER_LENGTH) & ~7;
      expect(records.length).toBe(
        1 +
          Math.ceil(
            (mib * MiB + 10 - ((ring.maxMessageLength - FIRST_FRAGMENT_HEADER_LENGTH) & ~7)) /
              chunk,
          ),
      );
      // One buffer of the message's size while it was being gathered, none after.
      expect(peak).toBeGreaterThanOrEqual(mib * MiB);
      expect(peak).toBeLessThan(mib * MiB + 16);
      expect(reader.reassembling).toBe(0);
    },
  );

  it('carries a 100 MiB raw message byte for byte', () => {
    const ring = newRing(MiB);
    const { messages, errors, read } = collect<Uint8Array>(ring, 'raw');
    const writer = new FrameWriter<Uint8Array>(ring, { codec: 'raw' });
    const bytes = pattern(100 * MiB + 3, 7);
    send(writer, bytes, read);
    read();
    expect(errors).toEqual([]);
    expect(messages).toHaveLength(1);
    expect(sameBytes(messages[0]!, bytes)).toBe(true);
  });

  it('carries a 10 MiB string and a structure of typed arrays', () => {
    const ring = newRing(MiB);
    const { messages, errors, read } = collect<unknown>(ring);
    const writer = new FrameWriter(ring);
    const text = 'ünï'.repeat(2 * MiB);
    const floats = new Float64Array(pattern(4 * MiB, 3).buffer);
    send(writer, { text, floats, ints: new Int32Array(floats.buffer, 8, 1000) }, read);
    read();
    expect(errors).toEqual([]);
    const value = messages[0] as { text: string; floats: Float64Array; ints: Int32Array };
    expect(value.text).toBe(text);
    expect(value.floats).toBeInstanceOf(Float64Array);
    expect(
      sameBytes(
        new Uint8Array(value.floats.buffer, value.floats.byteOffset, value.floats.byteLength),
        new Uint8Array(floats.buffer),
      ),
    ).toBe(true);
    expect([...value.ints]).toEqual([...new Int32Array(floats.buffer, 8, 1000)]);
  });
});

describe('fragment boundaries', () => {
  it('carries every size around the record and chunk boundaries, in order', () => {
    const ring = newRing(64 * 1024);
    const { messages, errors, read } = collect<Uint8Array>(ring, 'raw');
    const writer = new FrameWriter<Uint8Array>(ring, { codec: 'raw' });
    const max = ring.maxMessageLength;
    const first = (max - FIRST_FRAGMENT_HEADER_LENGTH) & ~7;
    const next = (max - NEXT_FRAGMENT_HEADER_LENGTH) & ~7;
    const sizes = [
      0,
      1,
      max - 1,
      max,
      max + 1,
      first + 1,
      first + next,
      first + next + 1,
      first + 2 * next - 1,
      first + 2 * next,
      10 * max + 5,
    ];
    const sent = sizes.map((size, i) => pattern(size, i + 1));
    for (const bytes of sent) send(writer, bytes, read);
    read();
    expect(errors).toEqual([]);
    expect(messages.map((bytes) => bytes.length)).toEqual(sizes);
    messages.forEach((bytes, i) =>
      expect(sameBytes(bytes, sent[i]!), `size ${sizes[i]}`).toBe(true),
    );
  });

  it('keeps any mix of sizes intact whatever the read limits (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40_000 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 10 }),
        (sizes, limits) => {
          const ring = newRing(16 * 1024);
          const { messages, errors, read } = collect<Uint8Array>(ring, 'raw');
          const writer = new FrameWriter<Uint8Array>(ring, { codec: 'raw' });
          let turn = 0;
          const sent = sizes.map((size, i) => pattern(size, i + 11));
          for (const bytes of sent) send(writer, bytes, () => read(limits[turn++ % limits.length]));
          read();
          expect(errors).toEqual([]);
          expect(messages).toHaveLength(sent.length);
          messages.forEach((bytes, i) => expect(sameBytes(bytes, sent[i]!)).toBe(true));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('MPSC: interleaved fragments of two producers', () => {
  it('reassembles each producer slot apart', () => {
    const capacity = 64 * 1024;
    const buffer = new SharedArrayBuffer(ringSegmentSize(capacity));
    const ring = createRing(buffer, { kind: 'mpsc', capacity });
    const { reader, messages, errors, fragmentSlots, read } = collect<{
      from: number;
      blob: Uint8Array;
    }>(ring);
    // Two producers, each with its own attachment, as two processes would have.
    const writers = [0, 1].map(
      (slot) =>
        new FrameWriter<{ from: number; blob: Uint8Array }>(attachRing(buffer, 'mpsc'), {
          producerSlot: slot,
        }),
    );
    const blobs = [pattern(300_000, 1), pattern(250_003, 2)];
    const done = writers.map((writer, slot) => writer.write({ from: slot, blob: blobs[slot]! }));
    let bothInProgress = false;
    while (!done.every(Boolean)) {
      // Free one record at a time and let the producers take turns, so fragments alternate.
      for (const slot of [0, 1]) {
        read(1);
        bothInProgress ||= reader.reassembling === 2;
        if (!done[slot]) done[slot] = writers[slot]!.resume();
      }
    }
    read();
    expect(errors).toEqual([]);
    expect(messages.map((message) => message.from).sort()).toEqual([0, 1]);
    for (const message of messages)
      expect(sameBytes(message.blob, blobs[message.from]!)).toBe(true);
    // The fragments really did interleave: the slot changed many times along the ring.
    const switches = fragmentSlots.filter(
      (slot, i) => i > 0 && slot !== fragmentSlots[i - 1],
    ).length;
    expect(switches).toBeGreaterThan(10);
    expect(bothInProgress).toBe(true);
  });

  it('tells apart two producers whose messages both start before either ends', () => {
    const capacity = 64 * 1024;
    const ring = newRing(capacity, 'mpsc');
    const { messages, errors, read } = collect<Uint8Array>(ring, 'raw');
    const writers = [3, 63].map(
      (slot) => new FrameWriter<Uint8Array>(ring, { codec: 'raw', producerSlot: slot }),
    );
    const blobs = [pattern(20_000, 5), pattern(20_000, 6)];
    // Both fit at once: first of 3, first of 63, ..., in the order each claims.
    expect(writers[0]!.write(blobs[0]!)).toBe(true);
    expect(writers[1]!.write(blobs[1]!)).toBe(true);
    read();
    expect(errors).toEqual([]);
    expect(messages).toHaveLength(2);
    messages.forEach((bytes, i) => expect(sameBytes(bytes, blobs[i]!)).toBe(true));
  });
});

describe('writer contract', () => {
  it('refuses a second message while one is pending, and resume() finishes it', () => {
    const ring = newRing(64 * 1024);
    const { messages, read } = collect<Uint8Array>(ring, 'raw');
    const writer = new FrameWriter<Uint8Array>(ring, { codec: 'raw' });
    expect(writer.write(pattern(200_000, 1))).toBe(false);
    expect(writer.busy).toBe(true);
    expect(writer.pendingBytes).toBeGreaterThan(0);
    expect(() => writer.write(new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: 'ERR_SHMRING_WRITER_BUSY' }),
    );
    while (!writer.resume()) read();
    expect(writer.busy).toBe(false);
    expect(writer.resume()).toBe(true);
    read();
    expect(messages).toHaveLength(1);
  });

  it('keeps a small message that met a full ring and writes it on resume()', () => {
    const ring = newRing(64 * 1024);
    const { messages, read } = collect<number>(ring);
    const writer = new FrameWriter<number>(ring);
    let sent = 0;
    while (writer.write(sent)) sent++;
    expect(writer.busy).toBe(true);
    read();
    expect(writer.resume()).toBe(true);
    read();
    expect(messages).toEqual(Array.from({ length: sent + 1 }, (_, i) => i));
  });

  it('refuses to fragment into a ring whose records cannot hold a fragment', () => {
    const ring = newRing(128);
    const writer = new FrameWriter<Uint8Array>(ring, { codec: 'raw' });
    expect(() => writer.write(new Uint8Array(100))).toThrow(
      expect.objectContaining({ code: 'ERR_SHMRING_RING_TOO_SMALL' }),
    );
    expect(writer.busy).toBe(false);
    expect(writer.write(new Uint8Array(ring.maxMessageLength))).toBe(true);
  });

  it('gives back a claimed record when the copy into it throws', () => {
    const ring = newRing(64 * 1024);
    const { messages, errors, read } = collect<Uint8Array>(ring, 'raw');
    const writer = new FrameWriter<Uint8Array>(ring, { codec: 'raw' });
    const bytes = pattern(20_000, 9);
    const poisoned = new Proxy(bytes, {
      get(target, key) {
        if (key === 'subarray') throw new Error('poisoned');
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    expect(() => writer.writeEncoded(2, poisoned)).toThrow('poisoned');
    writer.abandon();
    expect(writer.write(pattern(100, 1))).toBe(true);
    read();
    // The aborted claim became padding: the consumer went past it to the next message.
    expect(errors).toEqual([]);
    expect(messages.map((message) => message.length)).toEqual([100]);
  });
});
