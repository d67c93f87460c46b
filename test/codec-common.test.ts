// The common-subset decoder against the library: whatever it decodes must be exactly what
// @msgpack/msgpack decodes from the same bytes, and whatever it leaves (UNCOMMON) still decodes
// through the codec as before.
import { Decoder, Encoder } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';

import { CommonDecoder, UNCOMMON } from '../src/codec/common-decoder.js';
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
/** shmring's encoder (it keeps -0 a float); the library's for values the codec would not accept. */
const codec = createMsgpackCodec();
const encoder = { encode: (value: unknown) => codec.encode(value).slice() };
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

describe('the msgpack codec with the common decoder', () => {
  it('round-trips the tricky values, common or not, as before', () => {
    for (const value of trickyValues())
      expect(codec.decode(codec.encode(value).slice())).toEqual(value);
  });
});
