// The encoding side of common-decoder.ts: plain objects and arrays of strings, numbers,
// booleans and null, written in one pass of plain recursive JavaScript, byte for byte what the
// library (with shmring's subclasses) writes for them, about 1.6x as fast on small objects.
//
// Anything else gives up at once with UNCOMMON and the library encodes the value from the
// start: undefined, bigints, every class instance (Date, Map, typed arrays, ...: shmring's
// extensions), objects whose prototype is not Object.prototype or Array.prototype, strings
// with lone surrogates (the library writes them differently by length), integers past 32 bits,
// nesting deeper than MAX_DEPTH (so the library's depth check and errors hold).
import { writeFloat64 } from './big-endian-floats.js';
import { UNCOMMON } from './common-decoder.js';

/** Deeper values are left to the library, which also reports circular ones. */
const MAX_DEPTH = 64;
const INITIAL_BYTES = 2048;

/** A reusable encoder of MessagePack's common subset (its output buffer is reused). */
export class CommonEncoder {
  #bytes = new Uint8Array(INITIAL_BYTES);
  #pos = 0;
  /** Outputs larger than this are not kept for reuse (see ENCODER_RETAIN_LIMIT). */
  readonly #retainLimit: number;

  constructor(retainLimit: number) {
    this.#retainLimit = retainLimit;
  }

  /**
   * `value` encoded, in this encoder's buffer (valid until the next call, unless larger than
   * the retain limit), or UNCOMMON.
   */
  encode(value: unknown): Uint8Array | typeof UNCOMMON {
    this.#pos = 0;
    if (!this.#value(value, 0)) return UNCOMMON;
    const bytes = this.#bytes.subarray(0, this.#pos);
    if (this.#pos > this.#retainLimit) this.#bytes = new Uint8Array(INITIAL_BYTES);
    return bytes;
  }

  /** Makes room for `count` more bytes; returns where they start. */
  #room(count: number): number {
    const at = this.#pos;
    if (at + count > this.#bytes.length) {
      const grown = new Uint8Array((at + count) * 2);
      grown.set(this.#bytes.subarray(0, at));
      this.#bytes = grown;
    }
    this.#pos = at + count;
    return at;
  }

  /** Appends one byte. (Not `this.#bytes[this.#room(1)] = ...`: that would index the buffer #room may replace.) */
  #byte(value: number): void {
    const at = this.#room(1);
    this.#bytes[at] = value;
  }

  // Each writer returns false when the value leaves the common subset (then encode() gives
  // up; a return value, not an exception, which would cost more than the library's encode).
  #value(value: unknown, depth: number): boolean {
    switch (typeof value) {
      case 'string':
        return this.#string(value);
      case 'number':
        return this.#number(value);
      case 'boolean':
        this.#byte(value ? 0xc3 : 0xc2);
        return true;
      case 'object':
        if (value === null) {
          this.#byte(0xc0);
          return true;
        }
        if (depth === MAX_DEPTH) return false;
        switch (Object.getPrototypeOf(value)) {
          case Array.prototype:
            return this.#array(value as unknown[], depth);
          case Object.prototype:
            return this.#map(value as Record<string, unknown>, depth);
        }
    }
    return false;
  }

  /** An array or map header: the fix form (up to 15 entries), else the 16- or 32-bit form. */
  #containerHeader(length: number, fix: number, form16: number, form32: number): void {
    if (length < 16) this.#byte(fix + length);
    else if (length < 0x10000) this.#tagged16(form16, length);
    else this.#tagged32(form32, length);
  }

  /** A type byte and an 8-bit value. */
  #tagged8(tag: number, value: number): void {
    const at = this.#room(2);
    this.#bytes[at] = tag;
    this.#bytes[at + 1] = value;
  }

  /** A type byte and a big-endian 16-bit value. */
  #tagged16(tag: number, value: number): void {
    const at = this.#room(3);
    const bytes = this.#bytes;
    bytes[at] = tag;
    bytes[at + 1] = value >>> 8;
    bytes[at + 2] = value;
  }

  /** A type byte and a big-endian 32-bit value. */
  #tagged32(tag: number, value: number): void {
    const at = this.#room(5);
    const bytes = this.#bytes;
    bytes[at] = tag;
    bytes[at + 1] = value >>> 24;
    bytes[at + 2] = value >>> 16;
    bytes[at + 3] = value >>> 8;
    bytes[at + 4] = value;
  }

  #array(array: unknown[], depth: number): boolean {
    const length = array.length;
    this.#containerHeader(length, 0x90, 0xdc, 0xdd);
    for (let i = 0; i < length; i++) if (!this.#value(array[i], depth + 1)) return false;
    return true;
  }

  #map(map: Record<string, unknown>, depth: number): boolean {
    const keys = Object.keys(map);
    this.#containerHeader(keys.length, 0x80, 0xde, 0xdf);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (!this.#string(key) || !this.#value(map[key], depth + 1)) return false;
    }
    return true;
  }

  #number(value: number): boolean {
    // The library's integer forms for safe integers up to 32 bits; -0 is a float (shmring's
    // encoder keeps it); larger integers take 64-bit forms, left to the library.
    if (Number.isSafeInteger(value) && !(value === 0 && 1 / value < 0)) {
      if (value >= 0) {
        if (value < 0x80) this.#byte(value);
        else if (value < 0x100) this.#tagged8(0xcc, value);
        else if (value < 0x10000) this.#tagged16(0xcd, value);
        else if (value < 0x100000000) this.#tagged32(0xce, value);
        else return false;
      } else if (value >= -0x20) this.#byte(0xe0 | (value + 0x20));
      else if (value >= -0x80) this.#tagged8(0xd0, value);
      else if (value >= -0x8000) this.#tagged16(0xd1, value);
      else if (value >= -0x80000000) this.#tagged32(0xd2, value);
      else return false;
      return true;
    }
    const at = this.#room(9);
    this.#bytes[at] = 0xcb;
    writeFloat64(this.#bytes, at + 1, value);
    return true;
  }

  /** The library's string header: the smallest of fixstr, str 8, str 16 and str 32. */
  #stringHeader(byteLength: number): void {
    if (byteLength < 32) this.#byte(0xa0 + byteLength);
    else if (byteLength < 0x100) this.#tagged8(0xd9, byteLength);
    else if (byteLength < 0x10000) this.#tagged16(0xda, byteLength);
    else this.#tagged32(0xdb, byteLength);
  }

  #string(text: string): boolean {
    const length = text.length;
    const start = this.#pos;
    // ASCII first, the common case: as many bytes as characters.
    this.#stringHeader(length);
    let at = this.#room(length);
    const bytes = this.#bytes;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        this.#pos = start;
        return this.#utf8String(text);
      }
      bytes[at++] = code;
    }
    return true;
  }

  /** A string with characters past ASCII: its UTF-8 length first, for the header. */
  #utf8String(text: string): boolean {
    const byteLength = utf8Length(text);
    if (byteLength < 0) return false;
    this.#stringHeader(byteLength);
    let at = this.#room(byteLength);
    const bytes = this.#bytes;
    for (let i = 0; i < text.length; i++) {
      let code = text.charCodeAt(i);
      if (code < 0x80) {
        bytes[at++] = code;
      } else if (code < 0x800) {
        bytes[at++] = 0xc0 | (code >> 6);
        bytes[at++] = 0x80 | (code & 0x3f);
      } else if (code < 0xd800 || code > 0xdfff) {
        bytes[at++] = 0xe0 | (code >> 12);
        bytes[at++] = 0x80 | ((code >> 6) & 0x3f);
        bytes[at++] = 0x80 | (code & 0x3f);
      } else {
        // A surrogate pair (utf8Length() gave up on lone surrogates).
        code = 0x10000 + ((code - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
        bytes[at++] = 0xf0 | (code >> 18);
        bytes[at++] = 0x80 | ((code >> 12) & 0x3f);
        bytes[at++] = 0x80 | ((code >> 6) & 0x3f);
        bytes[at++] = 0x80 | (code & 0x3f);
      }
    }
    return true;
  }
}

/** The UTF-8 length of `text`, or -1 if it has lone surrogates. */
function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code < 0xd800 || code > 0xdfff) length += 3;
    else {
      const low = text.charCodeAt(i + 1);
      if (code > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return -1;
      length += 4;
      i++;
    }
  }
  return length;
}
