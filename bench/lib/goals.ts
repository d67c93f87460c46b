// shmring's speed goals, as ratios and absolutes measured in the same run, each checked: "reached"
// or "missed", or "not measured" when a row it needs did not run (e.g. with --only, or a row
// that this version of the bench does not have). Informative only: a missed goal never fails
// the run. Every goal names the rows it compares, or the idle-waiting measurement it reads.
import { formatCount, formatFigure, formatRatio, formatSize } from './format.js';
import { isNoisy } from './results.js';
import { IDLE_WAITING_NAME } from './report-idle.js';
import type { Codec, IdleWaiting, Pattern, ResultRow } from './schema.js';
import { OBJECT_SIZE } from '../transports/transport.js';

export type GoalStatus = 'reached' | 'missed' | 'not measured';

export interface GoalCheck {
  /** What is measured. */
  label: string;
  /** The figure, formatted ("27.3x", "13.87M msgs/s"); "—" when not measured. */
  measured: string;
  /** The goal, formatted (">= 20x"). */
  goal: string;
  status: GoalStatus;
  /** The rows and figures it comes from ("†" on a row whose runs spread more than 25%), or why it is not measured. */
  from: string;
}

type Key = 'msgsPerSec' | 'mbPerSec' | 'p50us' | 'p99us';

interface Figure {
  value: number;
  from: string;
}

interface Goal {
  label: string;
  /** Reached when the figure is >= (or <=) the limit. */
  at: 'least' | 'most';
  limit: number;
  format: (n: number) => string;
  /** From the rows, or from the idle-waiting measurement (undefined when it did not run). */
  figure: (rows: Rows, idle: IdleWaiting | undefined) => Figure | null;
  /** Why it is not measured when figure() finds no rows (default: a row it needs did not run). */
  missing?: string;
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
          : `${key === 'p50us' ? 'p50' : 'p99'} ${formatFigure(value)} µs`;
    const codecText = codec === 'raw' ? '' : ` (${codec})`;
    return {
      value,
      text: `${transport}${codecText} ${formatSize(size)} ${what}${isNoisy(row) ? '†' : ''}`,
    };
  }

  /** The row with the largest figure among the transports whose name starts with one of `prefixes`. */
  best(
    prefixes: readonly string[],
    exclude: readonly string[],
    codec: Codec,
    pattern: Pattern,
    size: number,
    key: Key,
  ): { value: number; text: string } | null {
    let best: { value: number; text: string } | null = null;
    for (const name of new Set(this.rows.map((r) => r.transport))) {
      if (!prefixes.some((p) => name.startsWith(p)) || exclude.includes(name)) continue;
      const figure = this.value(name, codec, pattern, size, key);
      if (figure !== null && (best === null || figure.value > best.value)) best = figure;
    }
    return best;
  }

  /** a / b of one figure. */
  ratio(
    a: [string, Codec],
    b: [string, Codec],
    pattern: Pattern,
    size: number,
    key: Key,
  ): Figure | null {
    return ratioOf(
      this.value(a[0], a[1], pattern, size, key),
      this.value(b[0], b[1], pattern, size, key),
    );
  }
}

/** x / y, with both rows named; null when either is missing. */
function ratioOf(
  x: { value: number; text: string } | null,
  y: { value: number; text: string } | null,
): Figure | null {
  if (x === null || y === null) return null;
  return { value: x.value / y.value, from: `${x.text} vs ${y.text}` };
}

const times = (n: number): string => formatRatio(n);
const micros = (n: number): string => `${formatFigure(n)} µs`;
const single = (f: { value: number; text: string } | null): Figure | null =>
  f === null ? null : { value: f.value, from: f.text };

const FOR_AWAIT: [string, Codec] = ['shmring-for-await', 'raw'];
const FOR_AWAIT_OBJECTS: [string, Codec] = ['shmring-for-await', 'msgpack'];
const FOR_AWAIT_PARK: [string, Codec] = ['shmring-for-await-park', 'raw'];
const COALESCED: [string, Codec] = ['unix-socket-coalesced', 'raw'];
const COALESCED_OBJECTS: [string, Codec] = ['unix-socket-coalesced', 'msgpack'];
const UNIX: [string, Codec] = ['unix-socket', 'raw'];
/** Rows of the batch and zero-copy public APIs (added with those APIs). */
const BATCH_PREFIXES = ['shmring-batch', 'shmring-zero-copy'];
/** Every shmring row but the internal ring is a public API row. */
const INTERNAL = ['shmring-internal-ring'];

const IDLE_MISSING = `${IDLE_WAITING_NAME} did not run`;

const GOALS: Goal[] = [
  {
    label: 'objects, await send -> for await, vs msgpack decode alone',
    at: 'least',
    limit: 0.9,
    format: times,
    figure: (r) =>
      r.ratio(
        FOR_AWAIT_OBJECTS,
        ['codec-msgpack-decode', 'msgpack'],
        'throughput',
        OBJECT_SIZE,
        'msgsPerSec',
      ),
  },
  {
    label: 'objects, await send -> for await, vs the coalesced Unix socket (msgpack)',
    at: 'least',
    limit: 1.1,
    format: times,
    figure: (r) =>
      r.ratio(FOR_AWAIT_OBJECTS, COALESCED_OBJECTS, 'throughput', OBJECT_SIZE, 'msgsPerSec'),
  },
  {
    label: 'raw 16 B, await send -> for await, vs the coalesced Unix socket',
    at: 'least',
    limit: 0.5,
    format: times,
    figure: (r) => r.ratio(FOR_AWAIT, COALESCED, 'throughput', 16, 'msgsPerSec'),
  },
  {
    label: 'raw 16 B, batch or zero-copy calls (the best), vs the coalesced Unix socket',
    at: 'least',
    limit: 1,
    format: times,
    figure: (r) =>
      ratioOf(
        r.best(BATCH_PREFIXES, [], 'raw', 'throughput', 16, 'msgsPerSec'),
        r.value(...COALESCED, 'throughput', 16, 'msgsPerSec'),
      ),
    missing: 'no batch or zero-copy row in this run',
  },
  {
    label: '1 MiB through the public calls (the best row)',
    at: 'least',
    limit: 20_000,
    format: (n) => `${formatFigure(n / 1000)} GB/s`,
    figure: (r) => single(r.best(['shmring-'], INTERNAL, 'raw', 'throughput', 1 << 20, 'mbPerSec')),
  },
  {
    label: 'MPSC with one producer vs SPSC, 16 B (both sendSync -> receiveSync, spin)',
    at: 'least',
    limit: 0.7,
    format: times,
    figure: (r) =>
      r.ratio(
        ['shmring-mpsc-1', 'raw'],
        ['shmring-sync-spin', 'raw'],
        'throughput',
        16,
        'msgsPerSec',
      ),
  },
  {
    label: "fork() vs child_process.fork 'advanced', 16 B",
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
    label: "fork() vs child_process.fork 'advanced', objects",
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
    label: "round trip p50, 16 B, 'adaptive', sendSync -> receiveSync",
    at: 'most',
    limit: 1,
    format: micros,
    figure: (r) => single(r.value('shmring-sync-adaptive', 'raw', 'latency', 16, 'p50us')),
  },
  {
    label: "round trip p50, 16 B, 'adaptive', await send -> await receive",
    at: 'most',
    limit: 2,
    format: micros,
    figure: (r) => single(r.value(...FOR_AWAIT, 'latency', 16, 'p50us')),
  },
  {
    label: "round trip p99, 16 B, 'adaptive', await send -> await receive",
    at: 'most',
    limit: 50,
    format: micros,
    figure: (r) => single(r.value(...FOR_AWAIT, 'latency', 16, 'p99us')),
  },
  {
    label: "round trip p50, 16 B, 'park', await send -> await receive, vs the Unix socket",
    at: 'most',
    limit: 1.2,
    format: times,
    figure: (r) => r.ratio(FOR_AWAIT_PARK, UNIX, 'latency', 16, 'p50us'),
  },
  {
    label: "round trip p99, 16 B, 'park', await send -> await receive, vs the Unix socket",
    at: 'most',
    limit: 1.2,
    format: times,
    figure: (r) => r.ratio(FOR_AWAIT_PARK, UNIX, 'latency', 16, 'p99us'),
  },
  {
    // The threads waiting adds: Node has a dozen of its own (libuv's pool, V8's platform) before
    // any channel exists.
    label: '1000 channels awaiting receive() in one process: native threads the waits add',
    at: 'most',
    limit: 16,
    format: (n) => n.toFixed(0),
    figure: (_, idle) =>
      idle === undefined
        ? null
        : {
            value: idle.threads - idle.threadsBefore,
            from: `${IDLE_WAITING_NAME}: ${idle.threads} threads while ${idle.channels} receive() calls wait, ${idle.threadsBefore} before the channels were opened`,
          },
    missing: IDLE_MISSING,
  },
  {
    label: '1000 channels awaiting receive() in one process: CPU while idle',
    at: 'most',
    limit: 1,
    format: (n) => `${formatFigure(n)}% of a core`,
    figure: (_, idle) =>
      idle === undefined
        ? null
        : {
            value: idle.cpuPercent,
            from: `${IDLE_WAITING_NAME}: ${formatFigure(idle.cpuMs)} ms of CPU in ${idle.idleSec.toFixed(1)} s, ${idle.channels} receive() calls waiting`,
          },
    missing: IDLE_MISSING,
  },
];

/** Every goal, checked against the rows of one run and its idle-waiting measurement. */
export function checkGoals(rows: readonly ResultRow[], idle?: IdleWaiting): GoalCheck[] {
  const lookup = new Rows(rows);
  return GOALS.map((t) => {
    const goal = `${t.at === 'least' ? '>=' : '<='} ${t.format(t.limit)}`;
    const figure = t.figure(lookup, idle);
    if (figure === null)
      return {
        label: t.label,
        measured: '—',
        goal,
        status: 'not measured',
        from: t.missing ?? 'a row it needs did not run',
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

const TITLE = 'Goals (figures of this run; informative: a missed goal does not fail the run)';
const HEADER = ['goal', 'measured', 'wanted', 'status', 'from the rows'];
const cellsOf = (c: GoalCheck): string[] => [c.label, c.measured, c.goal, c.status, c.from];

/** The goals as aligned text lines, for the terminal. */
export function renderGoalsText(checks: readonly GoalCheck[]): string {
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
    `${reached} of ${checks.length} goals reached`,
  ].join('\n');
}

/** The goals as a Markdown section. */
export function renderGoalsMarkdown(checks: readonly GoalCheck[]): string {
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

/** The goals as an HTML section (`esc` escapes text). */
export function renderGoalsHtml(
  checks: readonly GoalCheck[],
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
              : `<td${i === 3 ? ` class="${c.status === 'reached' ? 'ok' : c.status === 'missed' ? 'miss' : 'text'}"` : i === 4 ? ' class="text"' : ''}>${esc(text)}</td>`,
          )
          .join('')}</tr>`,
    )
    .join('');
  return `<h2>${esc(TITLE)}</h2><table>${head}${body}</table>`;
}
