// The figures shmring's issues ask for, as ratios and absolutes measured in the same run, each
// checked against its target: "reached" or "missed" (or "not measured" when a row it needs did
// not run, e.g. with --only). Informative only: a missed target never fails the run.
import { formatCount, formatFigure, formatRatio, formatSize } from './format.js';
import { isNoisy } from './results.js';
import type { Codec, Pattern, ResultRow } from './schema.js';
import { OBJECT_SIZE } from '../transports/transport.js';

export type TargetStatus = 'reached' | 'missed' | 'not measured';

export interface TargetCheck {
  /** What is measured. */
  label: string;
  /** The figure, formatted ("27.3x", "13.87M msgs/s"); "—" when not measured. */
  measured: string;
  /** The target, formatted (">= 20x"). */
  goal: string;
  status: TargetStatus;
  /** The rows and figures it comes from ("†" on a row whose runs spread more than 25%). */
  from: string;
}

type Key = 'msgsPerSec' | 'mbPerSec' | 'p50us';

interface Figure {
  value: number;
  from: string;
}

interface Target {
  label: string;
  /** Reached when the figure is >= (or <=) the limit. */
  at: 'least' | 'most';
  limit: number;
  format: (n: number) => string;
  figure: (rows: Rows) => Figure | null;
}

/** Looks up rows by transport, codec, pattern and size. */
class Rows {
  constructor(private readonly rows: readonly ResultRow[]) {}

  get(transport: string, codec: Codec, pattern: Pattern, size: number): ResultRow | undefined {
    return this.rows.find(
      (r) =>
        r.transport === transport && r.codec === codec && r.pattern === pattern && r.size === size,
    );
  }

  /** A figure of a row, with its description, or null. */
  value(
    transport: string,
    codec: Codec,
    pattern: Pattern,
    size: number,
    key: Key,
  ): { value: number; text: string } | null {
    const row = this.get(transport, codec, pattern, size);
    const value = row?.[key];
    if (row === undefined || value === null || value === undefined || !(value > 0)) return null;
    const what =
      key === 'msgsPerSec'
        ? `${formatCount(value)} msgs/s`
        : key === 'mbPerSec'
          ? `${formatFigure(value / 1000)} GB/s`
          : `p50 ${formatFigure(value)} µs`;
    const codecText = codec === 'raw' ? '' : ` (${codec})`;
    return {
      value,
      text: `${transport}${codecText} ${formatSize(size)} ${what}${isNoisy(row) ? '†' : ''}`,
    };
  }

  /** a / b of one figure (b / a with `inverse`, for "times faster" on latencies). */
  ratio(
    a: [string, Codec],
    b: [string, Codec],
    pattern: Pattern,
    size: number,
    key: Key,
    inverse = false,
  ): Figure | null {
    const x = this.value(a[0], a[1], pattern, size, key);
    const y = this.value(b[0], b[1], pattern, size, key);
    if (x === null || y === null) return null;
    return {
      value: inverse ? y.value / x.value : x.value / y.value,
      from: `${x.text} vs ${y.text}`,
    };
  }

  /** The worst (smallest, or largest with `largest`) of ratio() over the sizes where both rows exist. */
  worstRatio(
    a: [string, Codec],
    b: [string, Codec],
    pattern: Pattern,
    key: Key,
    largest = false,
  ): Figure | null {
    const sizes = [
      ...new Set(
        this.rows
          .filter((r) => r.transport === a[0] && r.codec === a[1] && r.pattern === pattern)
          .map((r) => r.size),
      ),
    ];
    let worst: (Figure & { size: number }) | null = null;
    for (const size of sizes) {
      const r = this.ratio(a, b, pattern, size, key);
      if (
        r !== null &&
        (worst === null || (largest ? r.value > worst.value : r.value < worst.value))
      )
        worst = { ...r, size };
    }
    return worst === null
      ? null
      : {
          value: worst.value,
          from: `worst at ${formatSize(worst.size)} of ${sizes.length}: ${worst.from}`,
        };
  }
}

const SPIN: [string, Codec] = ['shmring-spsc-spin', 'raw'];
const ADAPTIVE: [string, Codec] = ['shmring-spsc-adaptive', 'raw'];
const PARK: [string, Codec] = ['shmring-spsc-park', 'raw'];
const UNIX: [string, Codec] = ['unix-socket', 'raw'];
const OBJECTS_SPIN: [string, Codec] = ['shmring-spsc-spin', 'msgpack'];
const OBJECTS_UNIX: [string, Codec] = ['unix-socket', 'msgpack'];
const times = (n: number): string => formatRatio(n);
const single = (f: { value: number; text: string } | null): Figure | null =>
  f === null ? null : { value: f.value, from: f.text };

const TARGETS: Target[] = [
  {
    label: 'SPSC raw 16 B msgs/s vs unix-socket',
    at: 'least',
    limit: 20,
    format: times,
    figure: (r) => r.ratio(SPIN, UNIX, 'throughput', 16, 'msgsPerSec'),
  },
  {
    label: 'SPSC raw 16 B msgs/s',
    at: 'least',
    limit: 20e6,
    format: (n) => `${formatCount(n)} msgs/s`,
    figure: (r) => single(r.value(...SPIN, 'throughput', 16, 'msgsPerSec')),
  },
  {
    label: 'SPSC raw 1 MiB GB/s',
    at: 'least',
    limit: 20_000,
    format: (n) => `${formatFigure(n / 1000)} GB/s`,
    figure: (r) => single(r.value(...SPIN, 'throughput', 1 << 20, 'mbPerSec')),
  },
  {
    label: 'MPSC-1 vs SPSC msgs/s (both spin)',
    at: 'least',
    limit: 0.7,
    format: times,
    figure: (r) => r.worstRatio(['shmring-mpsc-1', 'raw'], SPIN, 'throughput', 'msgsPerSec'),
  },
  {
    label: "'spin' RTT p50 16 B",
    at: 'most',
    limit: 1,
    format: (n) => `${formatFigure(n)} µs`,
    figure: (r) => single(r.value(...SPIN, 'latency', 16, 'p50us')),
  },
  {
    label: "'spin' RTT p50 16 B, times faster than unix-socket",
    at: 'least',
    limit: 50,
    format: times,
    figure: (r) => r.ratio(SPIN, UNIX, 'latency', 16, 'p50us', true),
  },
  {
    label: "'adaptive' RTT p50 16 B",
    at: 'most',
    limit: 2,
    format: (n) => `${formatFigure(n)} µs`,
    figure: (r) => single(r.value(...ADAPTIVE, 'latency', 16, 'p50us')),
  },
  {
    label: "'park' RTT p50 vs futex ping-pong",
    at: 'most',
    limit: 1.2,
    format: times,
    figure: (r) => r.worstRatio(PARK, ['futex-pingpong', 'raw'], 'latency', 'p50us', true),
  },
  {
    label: "'adaptive' vs 'spin' streaming msgs/s",
    at: 'least',
    limit: 0.9,
    format: times,
    figure: (r) => r.worstRatio(ADAPTIVE, SPIN, 'throughput', 'msgsPerSec'),
  },
  {
    label: 'objects msgs/s over shmring vs unix-socket',
    at: 'least',
    limit: 3,
    format: times,
    figure: (r) => r.ratio(OBJECTS_SPIN, OBJECTS_UNIX, 'throughput', OBJECT_SIZE, 'msgsPerSec'),
  },
  {
    label: 'objects msgs/s over shmring vs msgpack decode alone',
    at: 'least',
    limit: 0.85,
    format: times,
    figure: (r) =>
      r.ratio(
        OBJECTS_SPIN,
        ['codec-msgpack-decode', 'msgpack'],
        'throughput',
        OBJECT_SIZE,
        'msgsPerSec',
      ),
  },
  {
    label: "shmring fork vs child_process.fork 'advanced', objects msgs/s",
    at: 'least',
    limit: 10,
    format: times,
    figure: (r) =>
      r.ratio(
        ['shmring-fork', 'msgpack'],
        ['fork-ipc-advanced-objects', 'raw'],
        'throughput',
        OBJECT_SIZE,
        'msgsPerSec',
      ),
  },
  {
    label: "shmring fork vs child_process.fork 'advanced', 16 B msgs/s",
    at: 'least',
    limit: 10,
    format: times,
    figure: (r) =>
      r.ratio(
        ['shmring-fork', 'raw'],
        ['fork-ipc-advanced', 'raw'],
        'throughput',
        16,
        'msgsPerSec',
      ),
  },
  {
    label: "shmring fork vs child_process.fork 'advanced', objects RTT p50, times faster",
    at: 'least',
    limit: 10,
    format: times,
    figure: (r) =>
      r.ratio(
        ['shmring-fork', 'msgpack'],
        ['fork-ipc-advanced-objects', 'raw'],
        'latency',
        OBJECT_SIZE,
        'p50us',
        true,
      ),
  },
];

/** Every target, checked against the rows of one run. */
export function checkTargets(rows: readonly ResultRow[]): TargetCheck[] {
  const lookup = new Rows(rows);
  return TARGETS.map((t) => {
    const goal = `${t.at === 'least' ? '>=' : '<='} ${t.format(t.limit)}`;
    const figure = t.figure(lookup);
    if (figure === null)
      return {
        label: t.label,
        measured: '—',
        goal,
        status: 'not measured',
        from: 'a row it needs did not run',
      };
    const reached = t.at === 'least' ? figure.value >= t.limit : figure.value <= t.limit;
    return {
      label: t.label,
      measured: t.format(figure.value),
      goal,
      status: reached ? 'reached' : 'missed',
      from: figure.from,
    };
  });
}

const TITLE = 'Targets (figures of this run; informative, a missed target does not fail the run)';
const HEADER = ['target', 'measured', 'goal', 'status', 'from'];
const cellsOf = (c: TargetCheck): string[] => [c.label, c.measured, c.goal, c.status, c.from];

/** The targets as aligned text lines, for the terminal. */
export function renderTargetsText(checks: readonly TargetCheck[]): string {
  const lines = [HEADER, ...checks.map(cellsOf)];
  const widths = HEADER.map((_, i) => Math.max(...lines.map((line) => [...line[i]!].length)));
  const pad = (text: string, i: number): string =>
    i === 1 || i === 2 ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  const line = (cells: string[]): string => cells.map(pad).join('  ').trimEnd();
  const reached = checks.filter((c) => c.status === 'reached').length;
  return [
    TITLE,
    line(HEADER),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...lines.slice(1).map(line),
    `${reached} of ${checks.length} targets reached`,
  ].join('\n');
}

/** The targets as a Markdown section. */
export function renderTargetsMarkdown(checks: readonly TargetCheck[]): string {
  const row = (cells: string[]): string =>
    `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [
    `## ${TITLE}`,
    '',
    row(HEADER),
    '|---|---:|---:|---|---|',
    ...checks.map((c) => row(cellsOf(c))),
  ].join('\n');
}

/** The targets as an HTML section (`esc` escapes text). */
export function renderTargetsHtml(
  checks: readonly TargetCheck[],
  esc: (text: string) => string,
): string {
  const head = `<tr>${HEADER.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const body = checks
    .map(
      (c) =>
        `<tr>${cellsOf(c)
          .map((text, i) =>
            i === 0
              ? `<th>${esc(text)}</th>`
              : `<td${i === 3 ? ` class="${c.status === 'reached' ? 'ok' : 'miss'}"` : ''}>${esc(text)}</td>`,
          )
          .join('')}</tr>`,
    )
    .join('');
  return `<h2>${esc(TITLE)}</h2><table>${head}${body}</table>`;
}
