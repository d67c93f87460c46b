// Statistics of the benchmark: medians over runs, latency percentiles over samples, run spread.

/** Median of the values (mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >>> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The p-th percentile (0 < p <= 100) of values sorted ascending, by the nearest-rank method:
 * the smallest value that at least p% of the values are less than or equal to.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** p50 and p99 of latency samples (the samples are not modified). */
export function latencyPercentiles(samples: ArrayLike<number>): { p50: number; p99: number } {
  const sorted = Float64Array.from(samples).sort();
  return { p50: percentileSorted(sorted, 50), p99: percentileSorted(sorted, 99) };
}

/** Spread of runs: (max - min) / median, 0 for a single run, NaN for none. */
export function spread(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const m = median(values);
  if (m === 0) return 0;
  return (Math.max(...values) - Math.min(...values)) / m;
}

/** Runs whose spread is above this are flagged as noisy in the reports. */
export const NOISY_SPREAD = 0.25;
