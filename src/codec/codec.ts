// Codecs turn a message value into bytes and back. The built-ins are MessagePack (with the
// extensions in extensions.ts) and raw bytes; users may bring their own { encode, decode }.
import { ShmringError, invalidArgType, invalidArgValue, unencodable } from '../errors.js';
import { CommonDecoder, UNCOMMON } from './common-decoder.js';
import { CommonEncoder } from './common-encoder.js';
import { ShmringExtensions, type DecodeState } from './extensions.js';
import { NestedCoders, ShmringDecoder, ShmringEncoder } from './msgpack-subclasses.js';
import { RECORD_CUSTOM, RECORD_MSGPACK, RECORD_RAW } from './record-types.js';

/**
 * Turns values into bytes and back.
 *
 * `encode`'s result must stay unchanged until the frame writer has written all of it (it may be
 * a buffer the codec reuses on its next encode: the writer finishes one message before it takes
 * the next).
 *
 * `decode` gets a view that is valid only during the call unless `owned` is true: then the bytes
 * are a reassembled message handed over whole, and the value may keep views into them.
 * `encode` may return a buffer it reuses on the next call, but only for outputs of at most
 * ENCODER_RETAIN_LIMIT bytes (the writer copies those when it has to keep them).
 */
export interface Codec<T> {
  /**
   * Recorded in the channel when it is created, and checked when it is opened: peers whose
   * codecs have different names are refused (ERR_SHMRING_CODEC_MISMATCH). 1 to 64 UTF-8
   * bytes; 'msgpack' and 'raw' belong to the built-ins.
   */
  readonly name: string;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array, owned?: boolean): T;
}

/** How a channel names its codec: a built-in by name, or a user codec. */
export type CodecOption<T> = 'msgpack' | 'raw' | Codec<T>;

/**
 * Encoder buffers grow to twice the largest message and never shrink; an output larger than
 * this gets the encoder replaced, so a one-off big message neither pins its buffer forever nor
 * is overwritten by the next encode while the writer is still fragmenting it.
 */
export const ENCODER_RETAIN_LIMIT = 1 << 20;

/**
 * MessagePack with one reusable Encoder and Decoder: plain objects and arrays of strings,
 * numbers, booleans and null go through shmring's own one-pass coders (common-encoder.ts,
 * common-decoder.ts: the library's bytes and values, 1.6x and 3.4x as fast), everything else
 * through @msgpack/msgpack. Round-trips what MessagePack does plus
 * what Node's 'advanced' IPC serialization keeps: BigInt (any size), undefined, -0, Date
 * (timestamp ext -1, invalid Dates too), Map, Set, RegExp, Error (name, message, stack, cause,
 * own properties such as code), ArrayBuffer, and every typed array class and DataView
 * (Uint8Array as bin; Buffer arrives as Uint8Array). Not for sharing
 * between channels: encode returns the encoder's own buffer (valid until the next encode).
 */
export class MsgpackCodec<T = unknown> implements Codec<T> {
  readonly name = 'msgpack';
  readonly #extensions = new ShmringExtensions();
  readonly #state: DecodeState = { owned: false };
  #encoder = new ShmringEncoder(this.#extensions, this.#state);
  readonly #decoder = new ShmringDecoder(this.#extensions, this.#state);
  /** Encode and decode most messages; what they leave (UNCOMMON) goes to the library's. */
  readonly #commonEncoder = new CommonEncoder(ENCODER_RETAIN_LIMIT);
  readonly #commonDecoder = new CommonDecoder();

  constructor() {
    this.#extensions.nested = new NestedCoders(this.#extensions, this.#state);
  }

  /**
   * Encodes `value` into the encoder's buffer: one encode, no copy. A value MessagePack cannot
   * carry (a function, a Symbol, a circular object) is a TypeError ERR_SHMRING_UNENCODABLE.
   */
  encode(value: T): Uint8Array {
    const common = this.#commonEncoder.encode(value);
    if (common !== UNCOMMON) return common;
    let bytes: Uint8Array;
    try {
      bytes = this.#encoder.encodeSharedRef(value);
    } catch (error) {
      throw unencodableError(error);
    }
    if (bytes.byteLength > ENCODER_RETAIN_LIMIT)
      this.#encoder = new ShmringEncoder(this.#extensions, this.#state);
    return bytes;
  }

  /** Decodes one value that fills `bytes` exactly; throws the library's DecodeError / RangeError. */
  decode(bytes: Uint8Array, owned = false): T {
    const value = this.#commonDecoder.decode(bytes);
    if (value !== UNCOMMON) return value as T;
    this.#state.owned = owned;
    return this.#decoder.decode(bytes) as T;
  }
}

/** Creates a MessagePack codec (one per channel end: each has its own encoder buffer). */
export function createMsgpackCodec<T = unknown>(): MsgpackCodec<T> {
  return new MsgpackCodec<T>();
}

// The library throws plain Errors; the user gets a TypeError with a code, in user words.
function unencodableError(error: unknown): unknown {
  if ((error as { code?: unknown }).code !== undefined) return error; // ours already
  const message = (error as Error).message ?? '';
  if (message.startsWith('Too deep objects'))
    return unencodable('it is circular or nested more than 100 levels deep', { cause: error });
  const what = /^Unrecognized object: \[object (\w+)\]/.exec(message)?.[1];
  if (what !== undefined)
    return unencodable(`a ${what} cannot be encoded with MessagePack`, { cause: error });
  return unencodable(message, { cause: error });
}

/** Raw bytes: encode hands the Uint8Array over as is, decode hands out a copy the receiver owns. */
export const rawCodec: Codec<Uint8Array> = Object.freeze({
  name: 'raw',
  encode(value: Uint8Array): Uint8Array {
    if (!(value instanceof Uint8Array))
      throw invalidArgType('value', 'an instance of Uint8Array', value);
    return value;
  },
  decode(bytes: Uint8Array, owned = false): Uint8Array {
    return owned ? bytes : bytes.slice();
  },
});

/** Turns a channel's codec option into a codec ('msgpack' makes a new MsgpackCodec each time). */
export function resolveCodec<T = unknown>(option: CodecOption<T> | undefined): Codec<T> {
  if (option === undefined || option === 'msgpack') return new MsgpackCodec<T>();
  if (option === 'raw') return rawCodec as unknown as Codec<T>;
  if (
    option !== null &&
    typeof option === 'object' &&
    typeof option.encode === 'function' &&
    typeof option.decode === 'function'
  ) {
    return option;
  }
  if (typeof option === 'string')
    throw invalidArgValue('codec', "must be 'msgpack', 'raw' or a codec", option);
  throw invalidArgType(
    'codec',
    "'msgpack', 'raw' or an object with encode and decode methods",
    option,
  );
}

/** The names of the built-in codecs, which a user codec may not take. */
const BUILT_IN_NAMES: ReadonlySet<string> = new Set(['msgpack', 'raw']);

/** The name a codec option records in a channel: 'msgpack' by default. */
export function codecNameOf(option: CodecOption<unknown> | undefined): string {
  if (option === undefined) return 'msgpack';
  return typeof option === 'string' ? option : option.name;
}

/**
 * Checks a user codec's name (called once, when options are checked): a string of 1 to
 * CODEC_NAME_MAX_LENGTH UTF-8 bytes, not a built-in's unless it is that built-in.
 */
export function checkCodecName(codec: Codec<unknown>, maxLength: number): void {
  const name: unknown = codec.name;
  if (typeof name !== 'string')
    throw invalidArgType('codec.name', 'a string naming the codec (recorded in the channel)', name);
  const length = Buffer.byteLength(name, 'utf8');
  if (length === 0 || length > maxLength)
    throw invalidArgValue('codec.name', `must be 1 to ${maxLength} UTF-8 bytes`, name);
  const builtIn = codec instanceof MsgpackCodec || codec === (rawCodec as Codec<unknown>);
  if (!builtIn && BUILT_IN_NAMES.has(name))
    throw invalidArgValue('codec.name', `'${name}' is the built-in codec's name`, name);
}

/**
 * The codec an opener uses on a channel whose creator recorded `recorded` (undefined for a
 * channel that predates the field, where the opener's own choice stands). Without a codec
 * of its own the opener adopts a built-in one; a different name is refused.
 */
export function agreeCodec<T>(
  recorded: string | undefined,
  option: CodecOption<T> | undefined,
  channel: string,
): CodecOption<T> | undefined {
  if (recorded === undefined) return option;
  if (option === undefined && BUILT_IN_NAMES.has(recorded)) return recorded as CodecOption<T>;
  const mine = codecNameOf(option as CodecOption<unknown> | undefined);
  if (option !== undefined && mine === recorded) return option;
  throw new ShmringError(
    'ERR_SHMRING_CODEC_MISMATCH',
    option === undefined
      ? `channel ${channel} uses the codec '${recorded}'; pass that codec (codec option) to open it`
      : `channel ${channel} uses the codec '${recorded}', this side asked for '${mine}'`,
  );
}

/** The record type id a codec's messages travel under. */
export function recordTypeOf(codec: Codec<unknown>): number {
  if (codec instanceof MsgpackCodec) return RECORD_MSGPACK;
  return codec === (rawCodec as Codec<unknown>) ? RECORD_RAW : RECORD_CUSTOM;
}
