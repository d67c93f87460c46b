// The common-subset encoder and decoder against the library: whatever they encode or decode
// must be byte for byte, value for value, what @msgpack/msgpack (with shmring's subclasses)
// makes of the same input, and whatever they leave (UNCOMMON) still goes through the codec.
import { Decoder, Encoder } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';

import { CommonDecoder, UNCOMMON } from '../src/codec/common-decoder.js';
import { CommonEncoder } from '../src/codec/common-encoder.js';
import { ShmringExtensions } from '../src/codec/extensions.js';
import { ShmringEncoder } from '../src/codec/msgpack-subclasses.js';
import { createMsgpackCodec } from '../src/index.js';
import { trickyValues } from './helpers/values.js';

/** A small deterministic PRNG (mulberry32), so a failure names its seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const TEXTS = ['', 'a', 'id', 'name', 'x'.repeat(31), 'y'.repeat(33), 'z'.repeat(300)];
const UNICODE = ['é', 'naïve café', '日本語テキスト', '😀 emoji', '\u{10ffff}', 'ü'.repeat(150)];

/** A value of the common subset: what the fast path must decode by itself. */
function commonValue(next: () => number, depth = 0): unknown {
  const pick = Math.floor(next() * (depth > 4 ? 9 : 12));
  const int = (bits: number) =>
    Math.floor(next() * 2 ** bits) - (next() < 0.5 ? 2 ** (bits - 1) : 0);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return int(8);
    case 3:
      return int(16);
    case 4: // 32 bits: uint 32 or int 32
      return next() < 0.5 ? Math.floor(next() * 2 ** 32) : -Math.floor(next() * 2 ** 31);
    case 5:
      return [1.5, -0, NaN, Infinity, -Infinity, 0.1, 1e300, -2.5e-300][Math.floor(next() * 8)];
    case 6:
      return TEXTS[Math.floor(next() * TEXTS.length)];
    case 7:
      return UNICODE[Math.floor(next() * UNICODE.length)];
    case 8:
      return 'k' + String(int(20));
    case 9:
    case 10: {
      const object: Record<string, unknown> = {};
      const size = Math.floor(next() * (next() < 0.1 ? 40 : 6));
      for (let i = 0; i < size; i++)
        object[next() < 0.8 ? `f${Math.floor(next() * 50)}` : UNICODE[i % UNICODE.length]] =
          commonValue(next, depth + 1);
      return object;
    }
    default:
      return Array.from({ length: Math.floor(next() * (next() < 0.1 ? 40 : 6)) }, () =>
        commonValue(next, depth + 1),
      );
  }
}

const library = new Decoder();
/** The library's encoder as shmring's codec runs it (it keeps -0 a float). */
const shmringEncoder = new ShmringEncoder(new ShmringExtensions(), { owned: false });
const encoder = { encode: (value: unknown) => shmringEncoder.encodeSharedRef(value).slice() };
const libraryEncoder = new Encoder();

/** The library's verdict on `bytes`: its value, or that it throws. */
function libraryDecode(bytes: Uint8Array): { value?: unknown; threw?: true } {
  try {
    return { value: library.decode(bytes) };
  } catch {
    return { threw: true };
  }
}

describe('CommonDecoder', () => {
  it('decodes values of the common subset by itself, exactly as they were encoded', () => {
    const decoder = new CommonDecoder();
    for (let seed = 1; seed <= 3000; seed++) {
      const value = commonValue(random(seed));
      const decoded = decoder.decode(encoder.encode(value));
      expect(decoded, `seed ${seed}`).not.toBe(UNCOMMON);
      expect(decoded, `seed ${seed}`).toEqual(value);
    }
  });

  it('agrees with the library on damaged input: any value it returns is the library’s', () => {
    const decoder = new CommonDecoder();
    let decodedDamaged = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const next = random(seed);
      const bytes = encoder.encode(commonValue(next));
      const damaged = [
        bytes.subarray(0, Math.floor(next() * bytes.length)), // truncated
        Uint8Array.from([...bytes, Math.floor(next() * 256)]), // an extra byte
        bytes.map((byte, i) => (i === Math.floor(next() * bytes.length) ? next() * 256 : byte)),
        Uint8Array.from({ length: 1 + Math.floor(next() * 12) }, () => next() * 256),
      ];
      for (const input of damaged) {
        const mine = decoder.decode(input);
        if (mine === UNCOMMON) continue;
        decodedDamaged++;
        expect(libraryDecode(input), `seed ${seed}, ${Buffer.from(input).toString('hex')}`).toEqual(
          { value: mine },
        );
      }
    }
    expect(decodedDamaged).toBeGreaterThan(1000); // the check above ran on plenty of them
  });

  it('leaves to the library what is outside the subset, or malformed', () => {
    const decoder = new CommonDecoder();
    const uncommon = [
      2 ** 40, // uint 64
      -(2 ** 40), // int 64
      new Uint8Array([1, 2]), // bin
    ].map((value) => libraryEncoder.encode(value));
    uncommon.push(
      Uint8Array.from([0x81, 0x01, 0x02]), // a map with a numeric key
      Uint8Array.from([0x81, 0xa9, ...Buffer.from('__proto__'), 0x01]), // the library refuses it
      Uint8Array.from([0xa3, 0xed, 0xa0, 0x80]), // a lone surrogate, which the library keeps
      Uint8Array.from([0xa2, 0xc0, 0x80]), // an overlong form
      Uint8Array.from([0xd4, 0x01, 0x02]), // fixext 1
      Uint8Array.from([0xc1]), // never used
      Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff]), // array 32 with more elements than bytes
      Uint8Array.from([0x92, 0x01]), // cut short
      Uint8Array.from([0x01, 0x02]), // extra bytes
      encoder.encode(JSON.parse('['.repeat(100) + ']'.repeat(100))), // nested past MAX_DEPTH
    );
    for (const bytes of uncommon) expect(decoder.decode(bytes)).toBe(UNCOMMON);
  });

  it('keeps no view into the input, and caches keys without mixing them up', () => {
    const decoder = new CommonDecoder();
    const shared = new Uint8Array(new SharedArrayBuffer(64 * 1024));
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 200; i++) {
        // 200 distinct keys of one length, more than the cache keeps
        const value = { [`key${String(i).padStart(3, '0')}`]: i, [`x${i % 7}`]: 'v'.repeat(40) };
        const bytes = encoder.encode(value);
        shared.set(bytes, 8);
        const decoded = decoder.decode(shared.subarray(8, 8 + bytes.length));
        shared.fill(0xff, 8, 8 + bytes.length); // the ring reuses the bytes
        expect(decoded).toEqual(value);
      }
    }
  });
});

describe('CommonEncoder', () => {
  it('writes values of the common subset byte for byte as the library does', () => {
    const common = new CommonEncoder(1 << 20);
    for (let seed = 1; seed <= 3000; seed++) {
      const value = commonValue(random(seed));
      const bytes = common.encode(value);
      expect(bytes, `seed ${seed}`).not.toBe(UNCOMMON);
      expect(Buffer.from(bytes as Uint8Array).toString('hex'), `seed ${seed}`).toBe(
        Buffer.from(encoder.encode(value)).toString('hex'),
      );
    }
  });

  it('grows its buffer mid-value, and does not reuse one it handed out past the retain limit', () => {
    const common = new CommonEncoder(64 * 1024);
    const next = random(7);
    const many = Array.from({ length: 5000 }, () => commonValue(next, 5)); // crosses every growth
    expect(Buffer.from(common.encode(many) as Uint8Array)).toEqual(
      Buffer.from(encoder.encode(many)),
    );
    for (const filler of [1, -1, true, null, 'x']) {
      const ones = Array(3000).fill(filler) as unknown[]; // grows on a one-byte write
      expect(Buffer.from(new CommonEncoder(1 << 20).encode(ones) as Uint8Array)).toEqual(
        Buffer.from(encoder.encode(ones)),
      );
    }
    const big = common.encode('b'.repeat(100_000)) as Uint8Array;
    const copy = big.slice();
    common.encode('s'.repeat(100_000));
    expect(big).toEqual(copy); // a new buffer took over: the big output stays as it was
  });

  it('leaves to the library what is outside the subset', () => {
    const common = new CommonEncoder(1 << 20);
    const circular: unknown[] = [];
    circular.push(circular);
    const uncommon = [
      undefined,
      { a: undefined },
      // eslint-disable-next-line no-sparse-arrays -- a hole reads as undefined
      [1, , 3],
      10n,
      2 ** 40,
      -(2 ** 40),
      new Date(0),
      new Map(),
      new Uint8Array(1),
      Object.create(null) as object,
      new (class Point {
        x = 1;
      })(),
      'lone \ud800 surrogate',
      '\udc00',
      JSON.parse('['.repeat(100) + ']'.repeat(100)) as unknown,
      circular,
      () => 1,
      Symbol('s'),
    ];
    for (const value of uncommon) expect(common.encode(value)).toBe(UNCOMMON);
  });
});

describe('the msgpack codec with the common encoder and decoder', () => {
  it('round-trips the tricky values, common or not, as before', () => {
    const codec = createMsgpackCodec();
    for (const value of trickyValues())
      expect(codec.decode(codec.encode(value).slice())).toEqual(value);
  });
});
