// The part of MessagePack most messages are made of, decoded in one pass of plain recursive
// JavaScript: maps with string keys, arrays, strings, integers up to 32 bits, floats, booleans
// and nil. That is three to four times the library's speed on small objects (its general decoder
// runs a state machine with an explicit stack and makes a DataView per input), and the
// receiving side of a channel of objects is its decoder.
//
// Anything else gives up at once with UNCOMMON, and the library (with shmring's subclasses)
// decodes the message from the start: 64-bit integers, binaries, extensions, map keys that are
// not strings, nesting deeper than MAX_DEPTH, strings that are not strictly valid UTF-8, and
// input that is malformed, truncated or followed by extra bytes. So a value decoded here is
// exactly what the library would have returned, and every error is still the library's.

import { readFloat32, readFloat64 } from './big-endian-floats.js';

/** What decode() returns when the input leaves the common subset: let the library decode it. */
export const UNCOMMON: unique symbol = Symbol('uncommon');

/** Deeper nesting is left to the library, whose explicit stack cannot overflow the call stack. */
const MAX_DEPTH = 64;
/** Strings up to this many bytes are built byte by byte; longer ones in one call to Buffer. */
const SHORT_STRING_BYTES = 32;
/** Map keys up to this many bytes are kept for reuse: the same keys come in every message. */
const CACHED_KEY_BYTES = 16;
/** Keys kept per key length; later new keys are decoded each time. */
const CACHED_KEYS_PER_LENGTH = 32;

const NO_BYTES: Uint8Array = new Uint8Array(0);

/** A reusable decoder of MessagePack's common subset (one per codec: it keeps a key cache). */
export class CommonDecoder {
  #bytes = NO_BYTES;
  #pos = 0;
  #end = 0;
  /** Per key length: the bytes and the strings of the keys seen. */
  readonly #keyBytes: Uint8Array[][] = Array.from({ length: CACHED_KEY_BYTES + 1 }, () => []);
  readonly #keyStrings: string[][] = Array.from({ length: CACHED_KEY_BYTES + 1 }, () => []);

  /** The value that fills `bytes` exactly, or UNCOMMON. Keeps nothing that points into `bytes`. */
  decode(bytes: Uint8Array): unknown {
    this.#bytes = bytes;
    this.#pos = 0;
    this.#end = bytes.length;
    try {
      const value = this.#value(0);
      return this.#pos === this.#end ? value : UNCOMMON;
    } catch (error) {
      if (error === UNCOMMON) return UNCOMMON;
      throw error;
    } finally {
      this.#bytes = NO_BYTES; // the input may be shared memory that is reused next
    }
  }

  /** Moves past `count` bytes; gives up if the input ends first. Returns where they start. */
  #take(count: number): number {
    const at = this.#pos;
    if (at + count > this.#end) throw UNCOMMON;
    this.#pos = at + count;
    return at;
  }

  // Values outside the subset return UNCOMMON, which every container passes up (an exception
  // would cost more than the library's decode of a message that has one); only malformed input,
  // a bad frame, throws it from #take().
  #value(depth: number): unknown {
    const bytes = this.#bytes;
    const head = bytes[this.#take(1)];
    if (head < 0x80) return head; // positive fixint
    if (head >= 0xe0) return head - 0x100; // negative fixint
    if (head < 0x90) return this.#map(head & 0x0f, depth);
    if (head < 0xa0) return this.#array(head & 0x0f, depth);
    if (head < 0xc0) return this.#string(head & 0x1f);
    switch (head) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xca: // float 32
        return readFloat32(bytes, this.#take(4));
      case 0xcb: // float 64
        return readFloat64(bytes, this.#take(8));
      case 0xcc: // uint 8
        return bytes[this.#take(1)];
      case 0xcd: // uint 16
        return this.#uint16();
      case 0xce: // uint 32
        return this.#uint32();
      case 0xd0: // int 8
        return (bytes[this.#take(1)] << 24) >> 24;
      case 0xd1: // int 16
        return (this.#uint16() << 16) >> 16;
      case 0xd2: // int 32
        return this.#uint32() | 0;
      case 0xd9: // str 8
        return this.#string(bytes[this.#take(1)]);
      case 0xda: // str 16
        return this.#string(this.#uint16());
      case 0xdc: // array 16
        return this.#array(this.#uint16(), depth);
      case 0xde: // map 16
        return this.#map(this.#uint16(), depth);
      default:
        return UNCOMMON;
    }
  }

  #uint16(): number {
    const bytes = this.#bytes;
    const at = this.#take(2);
    return (bytes[at] << 8) | bytes[at + 1];
  }

  #uint32(): number {
    const bytes = this.#bytes;
    const at = this.#take(4);
    return bytes[at] * 2 ** 24 + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
  }

  #array(length: number, depth: number): unknown {
    // Each element takes a byte at least: a longer count is malformed (the library says so).
    if (depth === MAX_DEPTH || length > this.#end - this.#pos) return UNCOMMON;
    const array = new Array<unknown>(length);
    for (let i = 0; i < length; i++) {
      const value = this.#value(depth + 1);
      if (value === UNCOMMON) return UNCOMMON;
      array[i] = value;
    }
    return array;
  }

  #map(size: number, depth: number): unknown {
    if (depth === MAX_DEPTH || size * 2 > this.#end - this.#pos) return UNCOMMON;
    const bytes = this.#bytes;
    const map: Record<string, unknown> = {};
    for (let i = 0; i < size; i++) {
      const head = bytes[this.#take(1)];
      let key: string | typeof UNCOMMON;
      if (head >= 0xa0 && head < 0xc0) key = this.#key(head & 0x1f);
      else if (head === 0xd9) key = this.#key(bytes[this.#take(1)]);
      else if (head === 0xda) key = this.#key(this.#uint16());
      else return UNCOMMON; // numeric keys, and the errors of other types, are the library's
      if (key === UNCOMMON || key === '__proto__') return UNCOMMON; // the library refuses __proto__
      const value = this.#value(depth + 1);
      if (value === UNCOMMON) return UNCOMMON;
      map[key] = value;
    }
    return map;
  }

  #key(length: number): string | typeof UNCOMMON {
    if (length > CACHED_KEY_BYTES) return this.#string(length);
    const bytes = this.#bytes;
    const at = this.#take(length);
    const seen = this.#keyBytes[length];
    search: for (let k = 0; k < seen.length; k++) {
      const candidate = seen[k];
      for (let i = 0; i < length; i++) if (candidate[i] !== bytes[at + i]) continue search;
      return this.#keyStrings[length][k];
    }
    this.#pos = at; // a new key: decoded as a string
    const key = this.#string(length);
    if (key !== UNCOMMON && seen.length < CACHED_KEYS_PER_LENGTH) {
      seen.push(bytes.slice(at, at + length));
      this.#keyStrings[length].push(key);
    }
    return key;
  }

  #string(length: number): string | typeof UNCOMMON {
    const bytes = this.#bytes;
    const start = this.#take(length);
    const end = start + length;
    if (length <= SHORT_STRING_BYTES) {
      let text = '';
      for (let i = start; i < end; i++) {
        const byte = bytes[i];
        if (byte >= 0x80) return decodeUtf8(bytes, start, end);
        text += String.fromCharCode(byte);
      }
      return text;
    }
    return decodeUtf8(bytes, start, end);
  }
}

/**
 * bytes[start, end) as text, when they are strictly valid UTF-8 (then Buffer's decoding and
 * the library's agree); else UNCOMMON (the library keeps lone surrogates, Buffer does not).
 */
function decodeUtf8(bytes: Uint8Array, start: number, end: number): string | typeof UNCOMMON {
  if (!isStrictUtf8(bytes, start, end)) return UNCOMMON;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
}

/** Whether bytes[start, end) is UTF-8 with no overlong forms, surrogates or code points past U+10FFFF. */
function isStrictUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    let count: number; // continuation bytes
    let low = 0x80; // the range of the first continuation byte
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) count = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      count = 2;
      if (lead === 0xe0)
        low = 0xa0; // overlong
      else if (lead === 0xed) high = 0x9f; // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      count = 3;
      if (lead === 0xf0)
        low = 0x90; // overlong
      else if (lead === 0xf4) high = 0x8f; // past U+10FFFF
    } else return false;
    if (i + count >= end) return false; // cut short
    const first = bytes[i + 1];
    if (first < low || first > high) return false;
    for (let k = 2; k <= count; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return false;
    i += count + 1;
  }
  return true;
}
