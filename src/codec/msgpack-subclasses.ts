// Encoder and Decoder subclasses that fix what @msgpack/msgpack 3.1 gets wrong for values
// decoded straight from shared memory and for a few JavaScript values. They override methods
// the library declares private (there is no public hook for any of this), so the overrides are
// kept here, checked at load, and pinned by test/codec-values.test.ts.
import { DecodeError, Decoder, Encoder, type ExtData } from '@msgpack/msgpack';

import { ShmringError, unencodable } from '../errors.js';
import {
  ShmringExtensions,
  undefinedExtension,
  type DecodeState,
  type NestedCodec,
} from './extensions.js';

/** The Encoder members used here, private in the library's typings. */
interface EncoderInternals {
  encodeSharedRef(object: unknown): Uint8Array<ArrayBuffer>;
  doEncode(object: unknown, depth: number): void;
  encodeExtension(ext: ExtData): void;
  encodeNumberAsFloat(value: number): void;
}

/** The Decoder members used here, private in the library's typings. */
interface DecoderInternals {
  decode(buffer: Uint8Array): unknown;
  readonly bytes: Uint8Array;
  pos: number;
  readonly maxStrLength: number;
  decodeUtf8String(byteLength: number, headerOffset: number): string;
  decodeBinary(byteLength: number, headOffset: number): Uint8Array;
  decodeExtension(size: number, headOffset: number): unknown;
}

function checkInternals(cls: { prototype: object }, names: readonly string[]): void {
  for (const name of names) {
    if (typeof (cls.prototype as Record<string, unknown>)[name] !== 'function') {
      throw new ShmringError(
        'ERR_SHMRING_MSGPACK_VERSION',
        `@msgpack/msgpack has no ${name}(): shmring's codec needs the 3.1 internals (see src/codec/msgpack-subclasses.ts)`,
      );
    }
  }
}
checkInternals(Encoder, ['encodeSharedRef', 'doEncode', 'encodeExtension', 'encodeNumberAsFloat']);
checkInternals(Decoder, ['decodeUtf8String', 'decodeBinary', 'decodeExtension']);

const EncoderBase = Encoder as unknown as new (options: object) => EncoderInternals;
const DecoderBase = Decoder as unknown as new (options: object) => DecoderInternals;

/** Strings up to this many UTF-8 bytes keep the library's own (JavaScript) decoder. */
const SHORT_STRING_BYTES = 200;

/**
 * An Encoder whose output round-trips `undefined` (as an extension, not nil) and -0 (as a
 * float, not the integer 0). Everything else is the library's encoding.
 */
export class ShmringEncoder extends EncoderBase {
  constructor(extensions: ShmringExtensions, state: DecodeState) {
    super({ extensionCodec: extensions, context: state });
  }

  override doEncode(object: unknown, depth: number): void {
    if (object === undefined) {
      this.encodeExtension(undefinedExtension());
    } else if (object === 0 && 1 / object < 0) {
      this.encodeNumberAsFloat(-0);
    } else {
      super.doEncode(object, depth);
    }
  }
}

/**
 * A Decoder that can decode straight from a view of shared memory and keep nothing that points
 * into it when the input is borrowed (see DecodeState.owned).
 *
 * Long strings: the library decodes strings over 200 bytes with TextDecoder, which some Node
 * versions refuse over a SharedArrayBuffer and which drops a leading U+FEFF (BOM). Buffer's
 * UTF-8 decoding takes shared memory, keeps the BOM, and replaces bad bytes with U+FFFD as
 * TextDecoder does.
 *
 * Binaries: the library returns bin values as subarrays of the input; from a borrowed input
 * they are copied out, since the ring reuses the bytes after the read.
 */
export class ShmringDecoder extends DecoderBase {
  readonly #state: DecodeState;
  #inExtension = false;

  constructor(extensions: ShmringExtensions, state: DecodeState) {
    super({ extensionCodec: extensions, context: state });
    this.#state = state;
  }

  override decodeUtf8String(byteLength: number, headerOffset: number): string {
    const start = this.pos + headerOffset;
    // Short strings, and the error cases (too long, truncated), stay the library's.
    if (
      byteLength <= SHORT_STRING_BYTES ||
      byteLength > this.maxStrLength ||
      start + byteLength > this.bytes.byteLength
    ) {
      return super.decodeUtf8String(byteLength, headerOffset);
    }
    const bytes = this.bytes;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, byteLength).toString('utf8');
    this.pos = start + byteLength;
    return text;
  }

  override decodeBinary(byteLength: number, headOffset: number): Uint8Array {
    const view = super.decodeBinary(byteLength, headOffset);
    // Extension data goes to ShmringExtensions, which copies what it keeps.
    return this.#state.owned || this.#inExtension ? view : view.slice();
  }

  override decodeExtension(size: number, headOffset: number): unknown {
    this.#inExtension = true;
    try {
      return super.decodeExtension(size, headOffset);
    } finally {
      this.#inExtension = false;
    }
  }
}

/** Container extensions (Map, Set, RegExp, Error) nest at most this deep inside each other. */
export const MAX_CONTAINER_NESTING = 100;

/**
 * The encoders and decoders of container extensions' contents, one pair per nesting level,
 * kept for reuse. An encoder's output is read by the level above before this level encodes
 * again (the library writes an extension as soon as it gets it), so no copy is needed.
 */
export class NestedCoders implements NestedCodec {
  readonly #extensions: ShmringExtensions;
  readonly #state: DecodeState;
  readonly #encoders: ShmringEncoder[] = [];
  readonly #decoders: ShmringDecoder[] = [];
  #encodeLevel = 0;
  #decodeLevel = 0;

  constructor(extensions: ShmringExtensions, state: DecodeState) {
    this.#extensions = extensions;
    this.#state = state;
  }

  encode(contents: unknown): Uint8Array {
    const level = this.#encodeLevel;
    if (level >= MAX_CONTAINER_NESTING)
      throw unencodable(
        `it is circular or nests Maps, Sets or Errors more than ${MAX_CONTAINER_NESTING} deep`,
      );
    const encoder = (this.#encoders[level] ??= new ShmringEncoder(this.#extensions, this.#state));
    this.#encodeLevel = level + 1;
    try {
      return encoder.encodeSharedRef(contents);
    } finally {
      this.#encodeLevel = level;
    }
  }

  decode(bytes: Uint8Array): unknown {
    const level = this.#decodeLevel;
    if (level >= MAX_CONTAINER_NESTING)
      throw new DecodeError(`extensions nested more than ${MAX_CONTAINER_NESTING} deep`);
    const decoder = (this.#decoders[level] ??= new ShmringDecoder(this.#extensions, this.#state));
    this.#decodeLevel = level + 1;
    try {
      return decoder.decode(bytes);
    } finally {
      this.#decodeLevel = level;
    }
  }
}
