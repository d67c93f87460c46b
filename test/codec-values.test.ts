// Values through a real ring: the MessagePack codec's round-trips (long and non-ASCII strings,
// Date, BigInt, typed arrays, undefined, -0...), the raw codec, and user codecs.
import { Decoder, ExtData, encode } from '@msgpack/msgpack';
import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  FrameReader,
  FrameWriter,
  RECORD_CUSTOM,
  RECORD_MSGPACK,
  RECORD_RAW,
  createMsgpackCodec,
  rawCodec,
  recordTypeOf,
  type Codec,
  type CodecOption,
  type FrameError,
} from '../src/codec/index.js';
import { createRing, ringSegmentSize, type RingKind } from '../src/ring/index.js';

const MiB = 1 << 20;

function newRing(capacity = MiB, kind: RingKind = 'spsc') {
  return createRing(new SharedArrayBuffer(ringSegmentSize(capacity)), { kind, capacity });
}

/** Sends `values` through a fresh ring (reading whenever it fills) and returns what arrived. */
function roundTrip<T>(
  values: readonly T[],
  codec: CodecOption<T> = 'msgpack',
  capacity = MiB,
  kind: RingKind = 'spsc',
): T[] {
  const ring = newRing(capacity, kind);
  const received: T[] = [];
  const errors: FrameError[] = [];
  const reader = new FrameReader<T>(
    ring,
    { message: (value) => received.push(value), error: (error) => errors.push(error) },
    { codec },
  );
  const writer = new FrameWriter<T>(ring, { codec });
  for (const value of values) {
    if (!writer.write(value)) {
      do reader.read();
      while (!writer.resume());
    }
  }
  reader.read();
  expect(errors).toEqual([]);
  expect(received).toHaveLength(values.length);
  return received;
}

function roundTripOne<T>(value: T, codec: CodecOption<T> = 'msgpack'): T {
  return roundTrip([value], codec)[0]!;
}

/** A string of exactly `bytes` UTF-8 bytes built from `unit` (padded with ASCII). */
function stringOfBytes(bytes: number, unit = 'a'): string {
  const unitBytes = Buffer.byteLength(unit);
  const text = unit.repeat(Math.floor(bytes / unitBytes));
  return text + 'z'.repeat(bytes - Buffer.byteLength(text));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('msgpack strings', () => {
  const sizes = [0, 31, 32, 199, 200, 201, 255, 256, 10_000, 65_535, 65_536, 64 * 1024 + 1];

  it.each(sizes)('round-trips an ASCII string of %i bytes', (size) => {
    const text = stringOfBytes(size);
    expect(Buffer.byteLength(text)).toBe(size);
    expect(roundTripOne(text)).toBe(text);
  });

  it.each(['é', '€', '😀', 'aé€😀'])(
    'round-trips non-ASCII text of 199/200/201/10k bytes built from %s',
    (unit) => {
      const texts = [199, 200, 201, 10_000].map((size) => stringOfBytes(size, unit));
      expect(roundTrip(texts)).toEqual(texts);
    },
  );

  it('keeps a leading U+FEFF (BOM) on long strings, which TextDecoder would drop', () => {
    const texts = ['\ufeff' + 'x'.repeat(300), '\ufeff' + 'y'.repeat(10), 'a\ufeff'.repeat(200)];
    expect(roundTrip(texts)).toEqual(texts);
  });

  it('round-trips long and non-ASCII map keys', () => {
    const value = { ['k'.repeat(300)]: 1, ['ключ'.repeat(60)]: 2, ключ: 3, '😀': 4 };
    expect(roundTripOne(value)).toEqual(value);
  });

  it('decodes long strings from shared memory even where TextDecoder refuses shared views', () => {
    // Newer Node versions throw on SharedArrayBuffer views; make this one do so as well.
    const original = TextDecoder.prototype.decode;
    vi.spyOn(TextDecoder.prototype, 'decode').mockImplementation(function (
      this: InstanceType<typeof TextDecoder>,
      input?: Parameters<InstanceType<typeof TextDecoder>['decode']>[0],
    ) {
      const buffer = input && 'buffer' in input ? input.buffer : input;
      if (buffer instanceof SharedArrayBuffer)
        throw new TypeError('The "input" argument must not be shared');
      return original.call(this, input);
    });
    const text = stringOfBytes(10_000, 'é');
    const shared = new Uint8Array(new SharedArrayBuffer(20_016));
    shared.set(encode(text), 16);
    const view = shared.subarray(16, 16 + encode(text).length);
    // The stub bites the library's own decoder...
    expect(() => new Decoder().decode(view)).toThrow(/must not be shared/);
    // ...but not the codec's, nor the path through the ring.
    expect(createMsgpackCodec().decode(view)).toBe(text);
    expect(roundTrip([text, { s: stringOfBytes(201) }])).toEqual([text, { s: stringOfBytes(201) }]);
  });
});

describe('msgpack scalars and structures', () => {
  it('round-trips null, undefined, booleans and numbers', () => {
    const values = [
      null,
      undefined,
      true,
      false,
      0,
      -0,
      1.5,
      -1.5,
      NaN,
      Infinity,
      -Infinity,
      Number.MIN_VALUE,
      Number.MAX_VALUE,
      Number.EPSILON,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      2 ** 53 + 2,
      2 ** 32 + 1,
      -(2 ** 31) - 1,
      127,
      -33,
    ];
    const received = roundTrip(values);
    values.forEach((value, i) =>
      expect(Object.is(received[i], value), `value ${String(value)}`).toBe(true),
    );
  });

  it('keeps undefined in objects and arrays (not null, not dropped)', () => {
    const value = { a: undefined, b: [undefined, null, 1], c: { d: undefined } };
    const received = roundTripOne(value);
    expect(received).toStrictEqual(value);
    expect('a' in received).toBe(true);
    expect(received.b[0]).toBeUndefined();
    expect(received.b[1]).toBeNull();
  });

  it('round-trips nested objects and arrays', () => {
    const value = {
      id: 42,
      name: 'ünïcødé',
      tags: ['x', 'y', ''],
      nested: { deep: { deeper: { list: [1, [2, [3, [4]]]], flag: true } } },
      empty: {},
      none: [],
      mixed: [1, 'two', { three: 3 }, null, 4.5, -0, 10n],
    };
    expect(roundTripOne(value)).toStrictEqual(value);
  });
});

describe('msgpack Date and BigInt', () => {
  it('round-trips Dates, including before 1970, the extremes, and an invalid Date', () => {
    const dates = [
      new Date(),
      new Date(0),
      new Date(-1),
      new Date('1969-07-20T20:17:40.123Z'),
      new Date('2106-02-07T06:28:16.000Z'),
      new Date(8.64e15),
      new Date(-8.64e15),
    ];
    const received = roundTrip(dates);
    received.forEach((date, i) => {
      expect(date).toBeInstanceOf(Date);
      expect(date.getTime()).toBe(dates[i]!.getTime());
    });
    const invalid = roundTripOne(new Date(NaN));
    expect(invalid).toBeInstanceOf(Date);
    expect(invalid.getTime()).toBeNaN();
  });

  it('round-trips BigInts of any size and sign', () => {
    const values = [
      0n,
      1n,
      -1n,
      255n,
      256n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      2n ** 64n - 1n,
      2n ** 64n,
      -(2n ** 64n) - 1n,
      10n ** 100n,
      -(2n ** 1000n) + 12345n,
    ];
    expect(roundTrip(values)).toEqual(values);
    expect(roundTripOne({ big: 2n ** 70n, list: [-5n] })).toEqual({ big: 2n ** 70n, list: [-5n] });
  });

  it('keeps numbers numbers and BigInts BigInts', () => {
    const [number, big] = roundTrip<unknown>([2 ** 40, 2n ** 40n]);
    expect(typeof number).toBe('number');
    expect(typeof big).toBe('bigint');
  });
});

describe('msgpack typed arrays', () => {
  const arrays: ArrayBufferView[] = [
    new Int8Array([-128, -1, 0, 1, 127]),
    new Uint8ClampedArray([0, 128, 255]),
    new Int16Array([-32768, -1, 0, 32767]),
    new Uint16Array([0, 1, 65535]),
    new Int32Array([-(2 ** 31), -1, 0, 2 ** 31 - 1]),
    new Uint32Array([0, 1, 2 ** 32 - 1]),
    new Float32Array([1.5, -0, NaN, Infinity, 3.4e38]),
    new Float64Array([Math.PI, -0, NaN, -Infinity, Number.MIN_VALUE]),
    new BigInt64Array([-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n]),
    new BigUint64Array([0n, 2n ** 64n - 1n]),
    new DataView(new Uint8Array([1, 2, 3, 4, 5]).buffer, 1, 3),
    new Uint8Array([0, 1, 254, 255]),
  ];

  it.each(arrays.map((array) => [array.constructor.name, array] as const))(
    'round-trips a %s with its class',
    (_name, array) => {
      const received = roundTripOne(array);
      expect(received.constructor).toBe(array.constructor);
      expect(Buffer.from(received.buffer, received.byteOffset, received.byteLength)).toEqual(
        Buffer.from(array.buffer, array.byteOffset, array.byteLength),
      );
      // Nothing decoded from a record may point into the ring, whose bytes are reused.
      expect(received.buffer).toBeInstanceOf(ArrayBuffer);
    },
  );

  it('round-trips empty typed arrays, views at odd offsets, and many in one message', () => {
    const backing = new ArrayBuffer(64);
    const value = {
      empty: new Float64Array(0),
      offset: new Float64Array(backing, 8, 3).fill(2.5),
      odd: new Int16Array(backing, 2, 5).fill(-7),
      list: [
        new Uint32Array([1]),
        new Int8Array([2]),
        new Float32Array([3]),
        new BigInt64Array([4n]),
      ],
      bytes: new Uint8Array(backing, 3, 7),
    };
    expect(roundTripOne(value)).toStrictEqual({ ...value, bytes: new Uint8Array(value.bytes) });
  });

  it('turns a Buffer into a Uint8Array with the same bytes', () => {
    const received = roundTripOne(Buffer.from('buffer bytes'));
    expect(received.constructor).toBe(Uint8Array);
    expect(Buffer.from(received).toString()).toBe('buffer bytes');
  });

  it('hands out copies that later ring traffic does not change', () => {
    const ring = newRing(64 * 1024);
    const received: unknown[] = [];
    const reader = new FrameReader(ring, {
      message: (value) => received.push(value),
      error: (error) => received.push(error),
    });
    const writer = new FrameWriter(ring);
    for (let round = 0; round < 40; round++) {
      expect(
        writer.write({
          round,
          bin: new Uint8Array(1000).fill(round),
          f: new Float64Array(100).fill(round),
        }),
      ).toBe(true);
      reader.read();
    }
    received.forEach((value, round) => {
      const { bin, f } = value as { bin: Uint8Array; f: Float64Array };
      expect(bin.every((byte) => byte === round)).toBe(true);
      expect(f.every((x) => x === round)).toBe(true);
    });
  });
});

describe('other extensions', () => {
  it('hands unknown extension types out as ExtData, copied out of the ring', () => {
    const ring = newRing(64 * 1024);
    const received: unknown[] = [];
    const reader = new FrameReader(ring, {
      message: (value) => received.push(value),
      error: (error) => received.push(error),
    });
    ring.write(RECORD_MSGPACK, encode([new ExtData(0x60, new Uint8Array([9, 8, 7]))]));
    reader.read();
    const [ext] = received[0] as [ExtData];
    expect(ext).toBeInstanceOf(ExtData);
    expect(ext.type).toBe(0x60);
    expect([...(ext.data as Uint8Array)]).toEqual([9, 8, 7]);
    expect((ext.data as Uint8Array).buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('reports values MessagePack cannot carry to the writer, writing nothing', () => {
    const ring = newRing(64 * 1024);
    const writer = new FrameWriter(ring);
    expect(() => writer.write(Symbol('no') as unknown)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_SHMRING_UNENCODABLE' }),
    );
    expect(writer.busy).toBe(false);
    expect(ring.size()).toBe(0);
  });
});

describe('raw and user codecs', () => {
  it('raw hands out copies of the bytes under record type 2', () => {
    const ring = newRing(64 * 1024);
    const received: Uint8Array[] = [];
    const reader = new FrameReader<Uint8Array>(
      ring,
      { message: (bytes) => received.push(bytes), error: (error) => expect.fail(error.message) },
      { codec: 'raw' },
    );
    const writer = new FrameWriter(ring, { codec: 'raw' });
    const typeIds: number[] = [];
    const original = ring.write.bind(ring);
    vi.spyOn(ring, 'write').mockImplementation(
      (typeId, bytes, offset, length) => (
        typeIds.push(typeId),
        original(typeId, bytes, offset, length)
      ),
    );
    for (const bytes of [
      new Uint8Array(0),
      new Uint8Array([1, 2, 3]),
      new Uint8Array(5000).fill(9),
    ])
      expect(writer.write(bytes)).toBe(true);
    reader.read();
    expect(typeIds).toEqual([RECORD_RAW, RECORD_RAW, RECORD_RAW]);
    expect(received.map((bytes) => bytes.length)).toEqual([0, 3, 5000]);
    expect([...received[1]!]).toEqual([1, 2, 3]);
    expect(received.every((bytes) => bytes.buffer instanceof ArrayBuffer)).toBe(true);
    expect(() => writer.write('text' as unknown as Uint8Array)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });

  it('a user codec gets a borrowed view of the ring for one record and owned bytes for a reassembled message', () => {
    const seen: { shared: boolean; owned: boolean | undefined }[] = [];
    const json: Codec<unknown> = {
      name: 'json',
      encode: (value) => Buffer.from(JSON.stringify(value)),
      decode: (bytes, owned) => {
        seen.push({ shared: bytes.buffer instanceof SharedArrayBuffer, owned });
        return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString());
      },
    };
    expect(recordTypeOf(json)).toBe(RECORD_CUSTOM);
    const big = { text: 'x'.repeat(20_000) };
    expect(roundTrip([{ a: 1 }, big], json, 64 * 1024)).toEqual([{ a: 1 }, big]);
    expect(seen).toEqual([
      { shared: true, owned: false },
      { shared: false, owned: true },
    ]);
  });

  it('refuses codec options that are not codecs', () => {
    const ring = newRing(64 * 1024);
    expect(() => new FrameWriter(ring, { codec: 'json' as 'raw' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
    expect(
      () =>
        new FrameWriter(ring, {
          codec: { encode: () => new Uint8Array() } as unknown as Codec<unknown>,
        }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(recordTypeOf(rawCodec as Codec<unknown>)).toBe(RECORD_RAW);
    expect(recordTypeOf(createMsgpackCodec())).toBe(RECORD_MSGPACK);
  });

  it('round-trips the same values through an MPSC ring', () => {
    const values = [
      { a: 'é'.repeat(150) },
      2n ** 80n,
      new Float32Array([1, 2]),
      undefined,
      'x'.repeat(70_000),
    ];
    expect(roundTrip<unknown>(values, 'msgpack', 64 * 1024, 'mpsc')).toStrictEqual(values);
  });
});
