// Values Node's 'advanced' IPC serialization keeps and plain MessagePack loses, built the same
// way in a test and in its peer process so that each side can compare with its own copy.

class CustomError extends Error {}

/** One value per kind, nested in each other where that is the interesting part. */
export function advancedValues(): unknown[] {
  const withCode = Object.assign(new RangeError('out of range', { cause: 'why' }), {
    code: 'E_RANGE',
    errno: -34,
  });
  const custom = new CustomError('mine');
  custom.name = 'CustomError';
  return [
    new Map<unknown, unknown>([
      ['a', 1],
      [2, { nested: new Set(['x', 3n]) }],
      [{ key: true }, [undefined, null]],
    ]),
    new Set([1, 'two', undefined, new Date(86_400_000)]),
    /^a+(b|c)\/d$/gimsuy,
    new Error('plain'),
    withCode,
    new TypeError('outer', { cause: new Error('inner', { cause: { deep: [1, 2] } }) }),
    custom,
    new Date(-1),
    2n ** 100n,
    -(2n ** 70n),
    undefined,
    new Float64Array([1.5, -0, Number.NaN]),
    new BigInt64Array([-(2n ** 63n), 7n]),
    new Uint8Array([1, 2, 3]).buffer,
    { map: new Map([[1, new Map([[2, /x/]])]]), list: [new Set(), new Map()] },
  ];
}
