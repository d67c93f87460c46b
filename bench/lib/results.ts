// From the runs of each measurement to result rows: medians, spread, and the ratio of every
// figure to the per-message Unix socket row of the same pattern and size, measured in the same run.
import { median, NOISY_SPREAD, spread } from './stats.js';
import type { Codec, Figures, Pattern, ResultRow } from './schema.js';

/** Rows that move nothing between processes: encoding or decoding alone (bench/transports/codec.ts). */
export function isCodecOnly(transport: string): boolean {
  return transport.startsWith('codec-');
}

/** Transport name of the baseline row that ratios are taken against. */
export const BASELINE_TRANSPORT = 'unix-socket';

const FIGURE_KEYS = ['msgsPerSec', 'mbPerSec', 'p50us', 'p99us'] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];

/** The figure a row is judged by: messages/s for throughput, p50 for latency. */
export function mainFigure(pattern: Pattern): FigureKey {
  return pattern === 'throughput' ? 'msgsPerSec' : 'p50us';
}

/** A row holding the median of each figure over its runs. */
export function summarize(
  transport: string,
  codec: Codec,
  pattern: Pattern,
  size: number,
  runs: Figures[],
): ResultRow {
  const row: ResultRow = {
    transport,
    codec,
    pattern,
    size,
    msgsPerSec: null,
    mbPerSec: null,
    p50us: null,
    p99us: null,
    runs,
  };
  for (const key of FIGURE_KEYS) {
    const values = runs.map((run) => run[key]).filter((v): v is number => v !== null);
    row[key] = values.length > 0 ? median(values) : null;
  }
  return row;
}

/** Spread of a row's runs, on its main figure. */
export function rowSpread(row: ResultRow): number {
  const key = mainFigure(row.pattern);
  return spread(row.runs.map((run) => run[key]).filter((v): v is number => v !== null));
}

/** True when the runs of a row differ by more than NOISY_SPREAD of their median. */
export function isNoisy(row: ResultRow): boolean {
  return rowSpread(row) > NOISY_SPREAD;
}

/**
 * The baseline row for `row`: the `unix-socket` row of the same pattern and size, with the same
 * codec if there is one (else any codec: the JSON codec rows compare with the msgpack objects).
 */
export function baselineOf(
  rows: readonly ResultRow[],
  row: Pick<ResultRow, 'codec' | 'pattern' | 'size'>,
): ResultRow | undefined {
  const candidates = rows.filter(
    (r) => r.transport === BASELINE_TRANSPORT && r.pattern === row.pattern && r.size === row.size,
  );
  return candidates.find((r) => r.codec === row.codec) ?? candidates[0];
}

/** figure / baseline figure (NaN when either is missing); > 1 means more msgs/s, or a longer latency. */
export function ratioTo(row: ResultRow, base: ResultRow | undefined, key: FigureKey): number {
  const value = row[key];
  const reference = base?.[key];
  if (value === null || reference === null || reference === undefined || reference === 0)
    return Number.NaN;
  return value / reference;
}

/** Rows grouped by (transport, codec), in order of first appearance. */
export function seriesOf(
  rows: readonly ResultRow[],
  keep: (row: ResultRow) => boolean,
): { transport: string; codec: Codec; rows: ResultRow[] }[] {
  const series = new Map<string, { transport: string; codec: Codec; rows: ResultRow[] }>();
  for (const row of rows) {
    if (!keep(row)) continue;
    const key = `${row.transport}|${row.codec}`;
    let entry = series.get(key);
    if (entry === undefined)
      series.set(key, (entry = { transport: row.transport, codec: row.codec, rows: [] }));
    entry.rows.push(row);
  }
  return [...series.values()];
}

/** Sorted distinct sizes of the rows that pass `keep`. */
export function sizesOf(rows: readonly ResultRow[], keep: (row: ResultRow) => boolean): number[] {
  return [...new Set(rows.filter(keep).map((row) => row.size))].sort((a, b) => a - b);
}
