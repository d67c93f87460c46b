// MessagePack extension types for the JavaScript values plain MessagePack loses: BigInt of any
// size, `undefined`, invalid Dates, Map, Set, RegExp, Error, ArrayBuffer, and typed arrays
// other than Uint8Array (MessagePack bin): what Node's 'advanced' IPC serialization keeps.
// Valid Dates use the standard timestamp extension (type -1), as the library does by default.
// Layouts: docs/FORMAT.md, "MessagePack extension types".
import { types } from 'node:util';

import {
  DecodeError,
  EXT_TIMESTAMP,
  ExtData,
  decodeTimestampExtension,
  encodeTimestampExtension,
  type ExtensionCodecType,
} from '@msgpack/msgpack';
import {
  EXT_ARRAY_BUFFER,
  EXT_BIGINT,
  EXT_ERROR,
  EXT_INVALID_DATE,
  EXT_MAP,
  EXT_REGEXP,
  EXT_SET,
  EXT_TYPED_ARRAY,
  EXT_UNDEFINED,
  TYPED_ARRAY_CLASSES,
  type TypedArrayClass,
} from './extension-types.js';

/**
 * What extension decoders need to know about the bytes being decoded. The codec keeps one
 * and updates it before each decode, so decoding allocates no state per message.
 */
export interface DecodeState {
  /**
   * True when decoded values may keep views into the input (a reassembled message handed
   * over whole); false when the input is borrowed (a view into the ring, reused once the read
   * handler returns), so anything kept must be copied out.
   */
  owned: boolean;
}

const typedArrayIndex = new Map<unknown, number>(
  TYPED_ARRAY_CLASSES.map((cls, index) => [cls, index]),
);
const NO_DATA = new Uint8Array(0);
const UNDEFINED_EXT = new ExtData(EXT_UNDEFINED, NO_DATA);

/** The extension record the encoder writes for `undefined` (shared: it holds no data). */
export function undefinedExtension(): ExtData {
  return UNDEFINED_EXT;
}

function encodeBigInt(value: bigint): Uint8Array {
  const negative = value < 0n;
  let hex = (negative ? -value : value).toString(16);
  if ((hex.length & 1) !== 0) hex = '0' + hex;
  const data = new Uint8Array(1 + (hex.length >>> 1));
  data[0] = negative ? 1 : 0;
  data.set(Buffer.from(hex, 'hex'), 1);
  return data;
}

function decodeBigInt(data: Uint8Array): bigint {
  if (data.length < 2 || data[0]! > 1)
    throw new DecodeError(`BigInt extension of ${data.length} bytes is malformed`);
  // Buffer views shared memory without a copy, and 'hex' saves a per-byte loop.
  const magnitude = BigInt(
    '0x' + Buffer.from(data.buffer, data.byteOffset + 1, data.length - 1).toString('hex'),
  );
  return data[0] === 1 ? -magnitude : magnitude;
}

/** Extension data of a typed array, padded so the elements land 8-byte aligned at `dataPos`. */
function typedArrayData(view: ArrayBufferView): (dataPos: number) => Uint8Array {
  // The library calls this with the offset of the extension data in its output.
  return (dataPos: number) => {
    const pad = (8 - ((dataPos + 1) & 7)) & 7;
    const data = new Uint8Array(1 + pad + view.byteLength);
    data[0] = pad;
    data.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), 1 + pad);
    return data;
  };
}

function decodeTypedArray(cls: TypedArrayClass, data: Uint8Array, owned: boolean): ArrayBufferView {
  const size = cls === DataView ? 1 : (cls as Float64ArrayConstructor).BYTES_PER_ELEMENT;
  const start = 1 + (data[0] ?? 0);
  const byteLength = data.length - start;
  if (data.length === 0 || data[0]! > 7 || byteLength < 0 || byteLength % size !== 0) {
    throw new DecodeError(`${cls.name} extension of ${data.length} bytes is malformed`);
  }
  let buffer: ArrayBufferLike = data.buffer;
  let offset = data.byteOffset + start;
  // A borrowed input is reused after the read; an unaligned one cannot back the class.
  if (!owned || offset % size !== 0) {
    buffer = data.slice(start).buffer;
    offset = 0;
  }
  if (cls === DataView) return new DataView(buffer, offset, byteLength);
  return new (cls as Float64ArrayConstructor)(buffer, offset, byteLength / size);
}

/**
 * Encodes and decodes the contents of container extensions (Map, Set, RegExp, Error) as
 * MessagePack of their own; one level deeper each time, so that a cycle through containers
 * ends with an error instead of recursing for ever.
 */
export interface NestedCodec {
  encode(contents: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

const ERROR_CLASSES = new Map<string, ErrorConstructor>(
  [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError].map((cls) => [
    cls.name,
    cls as ErrorConstructor,
  ]),
);

function errorContents(error: Error): Record<string, unknown> {
  const contents: Record<string, unknown> = {
    name: String(error.name),
    message: String(error.message),
  };
  if (typeof error.stack === 'string') contents.stack = error.stack;
  if (Object.hasOwn(error, 'cause')) contents.cause = error.cause;
  const props: Record<string, unknown> = {};
  let any = false;
  for (const key of Object.keys(error)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
    props[key] = (error as unknown as Record<string, unknown>)[key];
    any = true;
  }
  if (any) contents.props = props;
  return contents;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function decodeError(contents: unknown): Error {
  if (
    !isRecord(contents) ||
    typeof contents.name !== 'string' ||
    typeof contents.message !== 'string'
  )
    throw new DecodeError('Error extension is malformed');
  const cls = ERROR_CLASSES.get(contents.name) ?? Error;
  const error = Object.hasOwn(contents, 'cause')
    ? new cls(contents.message, { cause: contents.cause })
    : new cls(contents.message);
  if (error.name !== contents.name)
    Object.defineProperty(error, 'name', {
      value: contents.name,
      writable: true,
      configurable: true,
    });
  if (typeof contents.stack === 'string')
    Object.defineProperty(error, 'stack', {
      value: contents.stack,
      writable: true,
      configurable: true,
    });
  if (isRecord(contents.props)) Object.assign(error, contents.props);
  return error;
}

function decodeArray(contents: unknown, what: string, pairs = false): unknown[] {
  if (!Array.isArray(contents) || (pairs && contents.length % 2 !== 0))
    throw new DecodeError(`${what} extension is malformed`);
  return contents;
}

function decodeMap(contents: unknown): Map<unknown, unknown> {
  const entries = decodeArray(contents, 'Map', true);
  const map = new Map<unknown, unknown>();
  for (let i = 0; i < entries.length; i += 2) map.set(entries[i], entries[i + 1]);
  return map;
}

function decodeRegExp(contents: unknown): RegExp {
  const [source, flags] = decodeArray(contents, 'RegExp');
  if (typeof source !== 'string' || typeof flags !== 'string')
    throw new DecodeError('RegExp extension is malformed');
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new DecodeError(`RegExp extension is malformed: ${(error as Error).message}`);
  }
}

/**
 * The extension codec of shmring's MessagePack codec. One dispatch by type instead of the
 * library's ExtensionCodec, which calls every registered encoder for every object and array.
 */
export class ShmringExtensions implements ExtensionCodecType<DecodeState> {
  /** Set by the codec that owns these extensions (the nested encoder and decoder are its own). */
  nested: NestedCodec | undefined;

  #nested(): NestedCodec {
    if (this.nested === undefined) throw new Error('ShmringExtensions used without a codec');
    return this.nested;
  }

  tryToEncode(object: unknown): ExtData | null {
    if (typeof object === 'bigint') return new ExtData(EXT_BIGINT, encodeBigInt(object));
    // Plain objects and arrays, the common case, skip every class test below.
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto === Object.prototype || proto === Array.prototype) return null;
    if (object instanceof Date) {
      if (Number.isNaN(object.getTime())) return new ExtData(EXT_INVALID_DATE, NO_DATA);
      return new ExtData(EXT_TIMESTAMP, encodeTimestampExtension(object)!);
    }
    if (ArrayBuffer.isView(object)) {
      // Exact class: Uint8Array (and its subclass Buffer) stays MessagePack bin.
      const index = typedArrayIndex.get(object.constructor);
      if (index !== undefined) return new ExtData(EXT_TYPED_ARRAY + index, typedArrayData(object));
      return null;
    }
    if (object instanceof Map) {
      const entries: unknown[] = [];
      for (const [key, value] of object) entries.push(key, value);
      return new ExtData(EXT_MAP, this.#nested().encode(entries));
    }
    if (object instanceof Set) return new ExtData(EXT_SET, this.#nested().encode([...object]));
    if (object instanceof RegExp)
      return new ExtData(EXT_REGEXP, this.#nested().encode([object.source, object.flags]));
    if (object instanceof Error || types.isNativeError(object))
      return new ExtData(EXT_ERROR, this.#nested().encode(errorContents(object as Error)));
    if (object instanceof ArrayBuffer) return new ExtData(EXT_ARRAY_BUFFER, new Uint8Array(object));
    return object instanceof ExtData ? object : null;
  }

  decode(data: Uint8Array, extType: number, state: DecodeState): unknown {
    switch (extType) {
      case EXT_TIMESTAMP:
        return decodeTimestampExtension(data);
      case EXT_BIGINT:
        return decodeBigInt(data);
      case EXT_UNDEFINED:
        return undefined;
      case EXT_INVALID_DATE:
        return new Date(NaN);
      case EXT_MAP:
        return decodeMap(this.#nested().decode(data));
      case EXT_SET:
        return new Set(decodeArray(this.#nested().decode(data), 'Set'));
      case EXT_REGEXP:
        return decodeRegExp(this.#nested().decode(data));
      case EXT_ERROR:
        return decodeError(this.#nested().decode(data));
      case EXT_ARRAY_BUFFER:
        return data.slice().buffer;
      default: {
        const cls = TYPED_ARRAY_CLASSES[extType - EXT_TYPED_ARRAY];
        if (cls !== undefined && extType >= EXT_TYPED_ARRAY)
          return decodeTypedArray(cls, data, state.owned);
        // Someone else's extension: hand it out as ExtData, as the library does.
        return new ExtData(extType, state.owned ? data : data.slice());
      }
    }
  }
}
