// Values that are hard to carry, shared by the channel tests and their child processes.

/** Deterministic bytes: a message of `length` bytes numbered by `seed`. */
export function patternBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed * 7 + (i >>> 12)) & 0xff;
  return bytes;
}

/** Whether `bytes` is patternBytes(bytes.length, seed), without building a copy. */
export function isPattern(bytes: Uint8Array, seed: number): boolean {
  for (let i = 0; i < bytes.length; i++)
    if (bytes[i] !== ((i * 31 + seed * 7 + (i >>> 12)) & 0xff)) return false;
  return true;
}

/** Long and non-ASCII strings, Date, BigInt, typed arrays, nested objects. */
export function trickyValues(): unknown[] {
  return [
    'x'.repeat(199),
    'y'.repeat(201),
    'z'.repeat(70_000),
    'héllo wörld ✓ 日本語 🚀'.repeat(20),
    '\uFEFFleading BOM kept'.repeat(20),
    new Date(1_700_000_000_123),
    12345678901234567890123456789n,
    -(2n ** 70n),
    new Uint8Array([1, 2, 3, 255]),
    new Float64Array([1.5, -0, Infinity]),
    new Int32Array([-1, 2 ** 31 - 1]),
    new BigInt64Array([-5n, 2n ** 62n]),
    {
      id: 7,
      nested: { list: [1, 'two', { three: [3n] }], when: new Date(0) },
      empty: {},
      nothing: null,
      undef: undefined,
    },
    [true, false, null, 0, -1.25, Number.MAX_SAFE_INTEGER],
  ];
}
