// The machine-readable result file (`--json FILE`) and a validator for its fixed schema:
// { machine: { cpu, cores, node, os, date },
//   results: [ { transport, codec, pattern, size, msgsPerSec, mbPerSec, p50us, p99us, runs } ],
//   idleWaiting?: { channels, threadsBefore, threads, idleSec, cpuMs, cpuPercent, woken, wakeMs,
//                  closeMs } }
// (idleWaiting is absent when that measurement did not run, e.g. with --only.)

export type Codec = 'raw' | 'msgpack';
export type Pattern = 'throughput' | 'latency';

export const CODECS: readonly Codec[] = ['raw', 'msgpack'];
export const PATTERNS: readonly Pattern[] = ['throughput', 'latency'];

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  os: string;
  /** ISO 8601 time the run started. */
  date: string;
}

/** The figures of one run, or (in a ResultRow) the median over runs; null where they do not apply. */
export interface Figures {
  msgsPerSec: number | null;
  /** MB = 10^6 payload bytes (encoded bytes for objects), framing not counted. */
  mbPerSec: number | null;
  p50us: number | null;
  p99us: number | null;
}

export interface ResultRow extends Figures {
  /** shmring's rows start with `shmring-`; `unix-socket` is the per-message Unix socket baseline. */
  transport: string;
  codec: Codec;
  pattern: Pattern;
  /** Payload bytes; 0 for the msgpack sample objects. */
  size: number;
  /** Each run's figures, in the order they ran (the row holds their medians). */
  runs: Figures[];
}

/** Many channels awaiting receive() at once in one process, idle (bench/lib/idle-waiting.ts). */
export interface IdleWaiting {
  /** Channels in the process, each with one pending `receive()`. */
  channels: number;
  /** Native threads of the process before it opened the channels. */
  threadsBefore: number;
  /** The most native threads seen while every channel waited. */
  threads: number;
  /** Seconds of idleness over which CPU time was measured. */
  idleSec: number;
  /** CPU time of the whole process (every thread, user + system) in those seconds, ms. */
  cpuMs: number;
  /** cpuMs / idleSec, as a percentage of one core. */
  cpuPercent: number;
  /** Channels then sent one value each; every one of their receive() calls resolved with it. */
  woken: number;
  /** The longest of those wake-ups: from the call to send() to receive() resolving, ms. */
  wakeMs: number;
  /** Closing every receiver while its receive() was pending, until all of them had settled, ms. */
  closeMs: number;
}

export interface Report {
  machine: Machine;
  results: ResultRow[];
  idleWaiting?: IdleWaiting;
}

const MACHINE_KEYS = ['cpu', 'cores', 'node', 'os', 'date'];
const IDLE_COUNTS = ['channels', 'threadsBefore', 'threads', 'woken'] as const;
const IDLE_FIGURES = ['idleSec', 'cpuMs', 'cpuPercent', 'wakeMs', 'closeMs'] as const;
const FIGURE_KEYS = ['msgsPerSec', 'mbPerSec', 'p50us', 'p99us'] as const;
const ROW_KEYS = ['transport', 'codec', 'pattern', 'size', ...FIGURE_KEYS, 'runs'];
/** Which figures a pattern has (the others must be null). */
const FIGURES_OF: Record<Pattern, readonly (typeof FIGURE_KEYS)[number][]> = {
  throughput: ['msgsPerSec', 'mbPerSec'],
  latency: ['p50us', 'p99us'],
};

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function checkKeys(
  x: Record<string, unknown>,
  keys: readonly string[],
  where: string,
  problems: string[],
): void {
  for (const key of keys) if (!(key in x)) problems.push(`${where}: missing "${key}"`);
  for (const key of Object.keys(x))
    if (!keys.includes(key)) problems.push(`${where}: unexpected "${key}"`);
}

/** Checks the figures of a row or a run against its pattern; `runs` may lack a figure (a failed run is not kept). */
function checkFigures(
  x: Record<string, unknown>,
  pattern: Pattern | undefined,
  where: string,
  problems: string[],
): void {
  for (const key of FIGURE_KEYS) {
    const value = x[key];
    const applies = pattern !== undefined && FIGURES_OF[pattern].includes(key);
    if (value === null) {
      if (applies) problems.push(`${where}: "${key}" must be a number for ${pattern}`);
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      problems.push(
        `${where}: "${key}" must be a finite number >= 0 or null, got ${JSON.stringify(value)}`,
      );
    } else if (pattern !== undefined && !applies) {
      problems.push(`${where}: "${key}" must be null for ${pattern}`);
    }
  }
}

function checkIdleWaiting(idle: unknown, problems: string[]): void {
  if (!isObject(idle)) return void problems.push('idleWaiting: not an object');
  checkKeys(idle, [...IDLE_COUNTS, ...IDLE_FIGURES], 'idleWaiting', problems);
  for (const key of IDLE_COUNTS)
    if (!Number.isInteger(idle[key]) || (idle[key] as number) < 0)
      problems.push(`idleWaiting.${key}: not an integer >= 0`);
  for (const key of IDLE_FIGURES) {
    const value = idle[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      problems.push(`idleWaiting.${key}: not a finite number >= 0`);
  }
  if (!((idle.idleSec as number) > 0)) problems.push('idleWaiting.idleSec: not above 0');
}

/** Everything wrong with `report` as a result file; empty when it matches the schema. */
export function validateReport(report: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(report)) return ['report: not an object'];
  checkKeys(
    report,
    'idleWaiting' in report ? ['machine', 'results', 'idleWaiting'] : ['machine', 'results'],
    'report',
    problems,
  );
  if ('idleWaiting' in report) checkIdleWaiting(report.idleWaiting, problems);
  const machine = report.machine;
  if (!isObject(machine)) problems.push('machine: not an object');
  else {
    checkKeys(machine, MACHINE_KEYS, 'machine', problems);
    for (const key of ['cpu', 'node', 'os', 'date']) {
      if (typeof machine[key] !== 'string' || machine[key] === '')
        problems.push(`machine.${key}: not a non-empty string`);
    }
    if (!Number.isInteger(machine.cores) || (machine.cores as number) < 1)
      problems.push('machine.cores: not a positive integer');
    if (typeof machine.date === 'string' && Number.isNaN(Date.parse(machine.date)))
      problems.push('machine.date: not a date');
  }
  if (!Array.isArray(report.results)) return [...problems, 'results: not an array'];
  const seen = new Set<string>();
  report.results.forEach((row: unknown, i: number) => {
    const where = `results[${i}]`;
    if (!isObject(row)) return void problems.push(`${where}: not an object`);
    checkKeys(row, ROW_KEYS, where, problems);
    if (typeof row.transport !== 'string' || row.transport === '')
      problems.push(`${where}.transport: not a non-empty string`);
    if (!CODECS.includes(row.codec as Codec))
      problems.push(`${where}.codec: not one of ${CODECS.join(', ')}`);
    const pattern = PATTERNS.includes(row.pattern as Pattern)
      ? (row.pattern as Pattern)
      : undefined;
    if (pattern === undefined) problems.push(`${where}.pattern: not one of ${PATTERNS.join(', ')}`);
    if (!Number.isInteger(row.size) || (row.size as number) < 0)
      problems.push(`${where}.size: not an integer >= 0`);
    checkFigures(row, pattern, where, problems);
    if (!Array.isArray(row.runs) || row.runs.length === 0)
      problems.push(`${where}.runs: not a non-empty array`);
    else {
      row.runs.forEach((run: unknown, j: number) => {
        if (!isObject(run)) return void problems.push(`${where}.runs[${j}]: not an object`);
        checkKeys(run, FIGURE_KEYS, `${where}.runs[${j}]`, problems);
        checkFigures(run, pattern, `${where}.runs[${j}]`, problems);
      });
    }
    const key = `${String(row.transport)}|${String(row.codec)}|${String(row.pattern)}|${String(row.size)}`;
    if (seen.has(key)) problems.push(`${where}: duplicate row ${key}`);
    seen.add(key);
  });
  return problems;
}

/** Throws with every problem listed when `report` does not match the schema. */
export function assertValidReport(report: unknown): asserts report is Report {
  const problems = validateReport(report);
  if (problems.length > 0)
    throw new Error(`the report does not match the schema:\n  ${problems.join('\n  ')}`);
}
