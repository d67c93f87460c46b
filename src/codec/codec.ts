// Codecs turn a message value into bytes and back. The built-ins are MessagePack (with the
// extensions in extensions.ts) and raw bytes; users may bring their own { encode, decode }.
import { invalidArgType, invalidArgValue } from '../errors.js';
import { ShmringExtensions, type DecodeState } from './extensions.js';
import { ShmringDecoder, ShmringEncoder } from './msgpack-subclasses.js';
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
 * MessagePack with one reusable Encoder and Decoder. Round-trips what MessagePack does plus
 * BigInt (any size), undefined, -0, Date (timestamp ext -1, invalid Dates too), and every typed
 * array class and DataView (Uint8Array as bin; Buffer arrives as Uint8Array). Not for sharing
 * between channels: encode returns the encoder's own buffer (valid until the next encode).
 */
export class MsgpackCodec<T = unknown> implements Codec<T> {
  readonly #extensions = new ShmringExtensions();
  readonly #state: DecodeState = { owned: false };
  #encoder = new ShmringEncoder(this.#extensions, this.#state);
  readonly #decoder = new ShmringDecoder(this.#extensions, this.#state);

  /** Encodes `value` into the encoder's buffer: one encode, no copy. */
  encode(value: T): Uint8Array {
    const bytes = this.#encoder.encodeSharedRef(value);
    if (bytes.byteLength > ENCODER_RETAIN_LIMIT)
      this.#encoder = new ShmringEncoder(this.#extensions, this.#state);
    return bytes;
  }

  /** Decodes one value that fills `bytes` exactly; throws the library's DecodeError / RangeError. */
  decode(bytes: Uint8Array, owned = false): T {
    this.#state.owned = owned;
    return this.#decoder.decode(bytes) as T;
  }
}

/** Creates a MessagePack codec (one per channel end: each has its own encoder buffer). */
export function createMsgpackCodec<T = unknown>(): MsgpackCodec<T> {
  return new MsgpackCodec<T>();
}

/** Raw bytes: encode hands the Uint8Array over as is, decode hands out a copy the receiver owns. */
export const rawCodec: Codec<Uint8Array> = Object.freeze({
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

/** The record type id a codec's messages travel under. */
export function recordTypeOf(codec: Codec<unknown>): number {
  if (codec instanceof MsgpackCodec) return RECORD_MSGPACK;
  return codec === (rawCodec as Codec<unknown>) ? RECORD_RAW : RECORD_CUSTOM;
}
