// Order-sensitive 32-bit checksum (FNV-1a style) that producers and consumers keep over the
// messages of one measurement: a lost, repeated, reordered or corrupted message changes it.

/** Starting value of every checksum. */
export const CHECKSUM_SEED = 0x811c9dc5 | 0;

/** Folds one 32-bit value into a checksum. */
export function mix(hash: number, value: number): number {
  return Math.imul(hash ^ value, 0x01000193);
}

/** What one side saw of a measurement: how many messages and their checksum. */
export interface Tally {
  count: number;
  checksum: number;
}

/** A fresh tally (no message yet). */
export function emptyTally(): Tally {
  return { count: 0, checksum: CHECKSUM_SEED };
}

/** The expected and the observed tally of one measurement; it passes when they are equal. */
export interface Verification {
  expected: Tally;
  actual: Tally;
}

/** True when the observed tally equals the expected one. */
export function verified(v: Verification): boolean {
  return v.expected.count === v.actual.count && v.expected.checksum === v.actual.checksum;
}

/** A human-readable account of a failed verification. */
export function describeMismatch(v: Verification): string {
  const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
  return (
    `expected ${v.expected.count} messages (checksum ${hex(v.expected.checksum)}), ` +
    `got ${v.actual.count} (checksum ${hex(v.actual.checksum)})`
  );
}
