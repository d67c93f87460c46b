// 64-bit counters of the trailer, read and written as two little-endian int32 halves.
//
// BigInt atomics allocate on every call; positions change by at most the capacity
// (< 2^31) between any two looks, so the ring's arithmetic needs only the low halves:
// `(a - b) | 0` is the exact distance between two positions whatever their high halves.
// The high half changes once per 4 GiB of traffic; only then is a 64-bit (BigInt) store
// used, so a C or Java peer that reads the counter as one int64 never sees a torn value.

const TWO_32 = 4294967296;
const TWO_32N = 4294967296n;

/** The int64 made of halves `hi`, `lo` (both int32 as read from an Int32Array). */
export function joinHalves(hi: number, lo: number): bigint {
  return BigInt.asIntN(64, BigInt(hi) * TWO_32N + BigInt(lo >>> 0));
}

/**
 * Reads the int64 at int32 index `k` written by another agent, as a number (exact below
 * 2^53): high, low, high again, retried while the high half moves under us. Gives up after
 * a few rounds (only garbage changes the high half that fast) and reads it as one int64.
 */
export function loadPosition(words: Int32Array, wide: BigInt64Array, k: number): number {
  let hi = Atomics.load(words, k + 1);
  for (let round = 0; round < 8; round++) {
    const lo = Atomics.load(words, k);
    const again = Atomics.load(words, k + 1);
    if (again === hi) return hi * TWO_32 + (lo >>> 0);
    hi = again;
  }
  return Number(Atomics.load(wide, k >>> 1));
}

/**
 * Advances the counter at int32 index `k`, whose only writer is the caller and whose low
 * half is `lo`, by `delta` (0 < delta < 2^31). A 32-bit store suffices unless the low half
 * carries into the high one.
 */
export function advancePosition(
  words: Int32Array,
  wide: BigInt64Array,
  k: number,
  lo: number,
  delta: number,
): void {
  const next = (lo + delta) | 0;
  if ((lo >>> 0) + delta < TWO_32) Atomics.store(words, k, next);
  else Atomics.store(wide, k >>> 1, joinHalves(words[k + 1] + 1, next));
}

/**
 * Like advancePosition, but the common 32-bit case is a plain store: for a counter whose
 * new value only has to be visible by the time the caller's next sequentially consistent
 * store (the record's length) is. Readers that synchronise through that store see it, and a
 * plain aligned int32 store is still a single untorn machine store for peers in C.
 */
export function stepPosition(
  words: Int32Array,
  wide: BigInt64Array,
  k: number,
  lo: number,
  delta: number,
): void {
  const next = (lo + delta) | 0;
  if ((lo >>> 0) + delta < TWO_32) words[k] = next;
  else Atomics.store(wide, k >>> 1, joinHalves(words[k + 1] + 1, next));
}

/** Stores position halves `hi`, `lo` at int32 index `k`: 32-bit when the high half is unchanged. */
export function storePosition(
  words: Int32Array,
  wide: BigInt64Array,
  k: number,
  hi: number,
  lo: number,
): void {
  if (Atomics.load(words, k + 1) === hi) Atomics.store(words, k, lo);
  else Atomics.store(wide, k >>> 1, joinHalves(hi, lo));
}
