// The extension type numbers of shmring's MessagePack codec (docs/FORMAT.md), apart from the
// codec itself: this module is public, and its declarations must not reach @msgpack/msgpack's,
// which need the DOM's BufferSource type and break strict user projects without skipLibCheck.

/** Extension type of a BigInt: u8 sign (1 for negative), then the magnitude big-endian. */
export const EXT_BIGINT = 0x01;
/** Extension type of `undefined` (no data), which would otherwise arrive as null. */
export const EXT_UNDEFINED = 0x02;
/** Extension type of an invalid Date (no data), which the timestamp would turn into 1970. */
export const EXT_INVALID_DATE = 0x03;
/** Extension type of a Map: a MessagePack array [key0, value0, key1, value1, ...]. */
export const EXT_MAP = 0x04;
/** Extension type of a Set: a MessagePack array of its values, in order. */
export const EXT_SET = 0x05;
/** Extension type of a RegExp: a MessagePack array [source, flags]. */
export const EXT_REGEXP = 0x06;
/**
 * Extension type of an Error: a MessagePack map with `name` and `message` (strings), `stack`
 * (string, when it has one), `cause` (any value, when it has one) and `props` (a map of its
 * other own enumerable properties, such as `code`, when it has any).
 */
export const EXT_ERROR = 0x07;
/** Extension type of an ArrayBuffer: its bytes (a Uint8Array view travels as bin). */
export const EXT_ARRAY_BUFFER = 0x08;
/**
 * First extension type of the typed arrays: EXT_TYPED_ARRAY + the class's index in
 * TYPED_ARRAY_CLASSES. Data: u8 pad, `pad` zero bytes, then the elements little-endian; `pad`
 * puts the elements on an 8-byte boundary of the encoded message, so a reassembled message
 * can be viewed in place.
 */
export const EXT_TYPED_ARRAY = 0x10;

export type TypedArrayClass =
  | Int8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | DataViewConstructor;

/**
 * The classes with an extension type, in extension-type order (append only: the index is on
 * the wire). Uint8Array is absent on purpose: it is MessagePack bin.
 */
export const TYPED_ARRAY_CLASSES: readonly TypedArrayClass[] = [
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
];
