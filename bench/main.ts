// `npm run bench`: every IPC transport on the same payloads, in one interleaved run.
// Progress on stderr, the result table on stdout, reports in the files asked for; exits 1 if any
// measurement failed (including a failed count/checksum verification), 2 on bad arguments.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/machine.js';
import type { IdleWaiting, Machine } from './lib/schema.js';
import { formatDuration } from './lib/format.js';
import {
  IDLE_FULL,
  IDLE_QUICK,
  measureIdleWaiting,
  type IdleSettings,
} from './lib/idle-waiting.js';
import { stderrProgress, type ProgressSink } from './lib/progress.js';
import { buildReport, renderJsonReport } from './lib/report-json.js';
import { renderHtmlReport } from './lib/report-html.js';
import { renderMarkdownReport } from './lib/report-md.js';
import { IDLE_WAITING_METHOD, IDLE_WAITING_NAME } from './lib/report-idle.js';
import { renderTerminalReport } from './lib/report-table.js';
import { BASELINE_TRANSPORT, summarize } from './lib/results.js';
import {
  describeCell,
  FULL_SETTINGS,
  QUICK_SETTINGS,
  Runner,
  type Settings,
} from './lib/runner.js';
import { TRANSPORTS, UNAVAILABLE, type Transport } from './transports/registry.js';

const HELP = `Usage: npm run bench -- [options]

Compares IPC transports between two Node processes: throughput (messages/s, MB/s) for raw
payloads of 16 B to 1 MiB and small msgpack objects, and round-trip latency (p50, p99).
Every figure is the median of several interleaved runs, shown with its ratio to the Unix
socket with one write per message (unix-socket), measured in the same run. Every shmring row
goes through the package's public calls (its description names them), except one row of the
internal ring, the ceiling. Then ${IDLE_WAITING_NAME}: one process with 1000 channels, each
awaiting receive(), its native threads and CPU time while idle, and each of a few of them
woken by one value. At the end, shmring's speed goals as ratios between two rows of this
run or figures of that process, each reached or missed (informative: only a failed
measurement or verification fails the run).

Options:
  --quick          every row, three short runs each, in under a minute (a smoke test)
  --json FILE      write machine-readable results ({ machine, results: [...], idleWaiting })
  --md FILE        write a Markdown report
  --html FILE      write a self-contained HTML page with charts
  --only TEXT      run only the transports (and ${IDLE_WAITING_NAME}) whose name contains
                   TEXT (may repeat); the unix-socket baseline always runs too, for the ratios
  --rounds N       runs per figure (default 3)
  --list           list the transports and the idle-waiting measurement, and exit
  --help           show this help
`;

interface Options {
  quick: boolean;
  json?: string;
  md?: string;
  html?: string;
  only: string[];
  rounds?: number;
  list: boolean;
}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      md: { type: 'string' },
      html: { type: 'string' },
      only: { type: 'string', multiple: true, default: [] },
      rounds: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return null;
  const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1))
    throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
  return {
    quick: values.quick,
    json: values.json,
    md: values.md,
    html: values.html,
    only: values.only,
    rounds,
    list: values.list,
  };
}

/** The transports to run: those matching --only, and the baseline. */
function selectTransports(only: string[]): Transport[] {
  if (only.length === 0) return [...TRANSPORTS];
  return TRANSPORTS.filter(
    (t) => t.name === BASELINE_TRANSPORT || only.some((text) => t.name.includes(text)),
  );
}

/** True when the idle-waiting measurement is selected by --only (or there is no --only). */
function selectsIdle(only: string[]): boolean {
  return only.length === 0 || only.some((text) => IDLE_WAITING_NAME.includes(text));
}

function writeOutput(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** Runs the benchmark with command-line arguments `argv`; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  let options: Options | null;
  try {
    options = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(HELP);
    return 0;
  }
  const transports = selectTransports(options.only);
  if (options.list) {
    for (const t of transports)
      process.stdout.write(`${t.name.padEnd(28)} ${t.codec.padEnd(8)} ${t.description}\n`);
    if (selectsIdle(options.only))
      process.stdout.write(`${IDLE_WAITING_NAME.padEnd(37)} ${IDLE_WAITING_METHOD}\n`);
    for (const u of UNAVAILABLE)
      process.stdout.write(`${u.name.padEnd(37)} not run: ${u.reason}\n`);
    return 0;
  }
  const base = options.quick ? QUICK_SETTINGS : FULL_SETTINGS;
  const settings: Settings = { ...base, rounds: options.rounds ?? base.rounds };
  const tmpDir = mkdtempSync(join(tmpdir(), 'shmring-bench-'));
  const removeTmp = (): void => rmSync(tmpDir, { recursive: true, force: true });
  process.on('exit', removeTmp);
  try {
    return await runAll(options, transports, settings, tmpDir);
  } finally {
    process.off('exit', removeTmp);
    removeTmp();
  }
}

async function runAll(
  options: Options,
  transports: Transport[],
  settings: Settings,
  tmpDir: string,
): Promise<number> {
  const machine = describeMachine();
  const progress = stderrProgress();
  const runId = randomBytes(4).toString('hex');
  const runner = new Runner(transports, settings, { tmpDir, runId }, progress);
  const idle = new AbortController();
  let interrupted: NodeJS.Signals | null = null;
  const interrupt = (signal: NodeJS.Signals): void => {
    interrupted = signal;
    progress.note(`${signal}: stopping, cleaning up`);
    void runner.close();
    idle.abort();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const code = await measureAndReport(
      options,
      transports,
      runner,
      { settings: options.quick ? IDLE_QUICK : IDLE_FULL, runId, signal: idle.signal, progress },
      machine,
      () => interrupted !== null,
    );
    return interrupted !== null ? 130 : code;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

interface IdleRun {
  settings: IdleSettings;
  runId: string;
  signal: AbortSignal;
  progress: ProgressSink;
}

/** Runs the idle-waiting measurement, with its progress line; resolves with it, or with why it failed. */
async function measureIdle(
  idle: IdleRun,
): Promise<{ idleWaiting?: IdleWaiting; failure?: string }> {
  const { settings, progress } = idle;
  progress.job(
    0,
    1,
    `${IDLE_WAITING_NAME}: ${settings.channels} channels awaiting receive()`,
    settings.settleMs / 1000 + settings.idleSec + 2,
  );
  try {
    return { idleWaiting: await measureIdleWaiting(settings, idle.runId, idle.signal) };
  } catch (error) {
    const failure = error instanceof Error ? error.message : String(error);
    progress.note(`FAILED ${IDLE_WAITING_NAME}: ${failure}`);
    return { failure };
  } finally {
    progress.done();
  }
}

async function measureAndReport(
  options: Options,
  transports: Transport[],
  runner: Runner,
  idle: IdleRun,
  machine: Machine,
  interrupted: () => boolean,
): Promise<number> {
  const started = performance.now();
  const { cells, failures } = await runner.run().finally(() => runner.close());
  if (interrupted()) return 130; // no report of a partial run
  // After the runner: its sessions are closed, so the idle process is the only one working.
  const { idleWaiting, failure: idleFailure } = selectsIdle(options.only)
    ? await measureIdle(idle)
    : {};
  if (interrupted()) return 130;
  const rows = cells
    .filter(({ runs }) => runs.length > 0)
    .map(({ cell, runs }) =>
      summarize(cell.transport.name, cell.transport.codec, cell.pattern, cell.size, runs),
    );
  const report = buildReport(machine, rows, idleWaiting);
  const descriptions = new Map<string, string>();
  for (const t of transports) {
    // One entry per name: a name with raw and msgpack rows gets both descriptions.
    const known = descriptions.get(t.name);
    descriptions.set(
      t.name,
      known === undefined
        ? t.description
        : known === t.description
          ? known
          : `${known} — (${t.codec}) ${t.description}`,
    );
  }

  for (const u of UNAVAILABLE) descriptions.set(u.name, `not run: ${u.reason}`);

  process.stdout.write(renderTerminalReport(rows, idleWaiting));
  for (const u of UNAVAILABLE) process.stdout.write(`\n${u.name}: not run: ${u.reason}\n`);
  if (options.json !== undefined) writeOutput(options.json, renderJsonReport(report));
  if (options.md !== undefined) writeOutput(options.md, renderMarkdownReport(report, descriptions));
  if (options.html !== undefined) writeOutput(options.html, renderHtmlReport(report, descriptions));
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `\n${rows.length} results from ${transports.length} transports in ${formatDuration(seconds)}\n`,
  );
  const failed = failures.length + (idleFailure === undefined ? 0 : 1);
  if (failed > 0) {
    process.stderr.write(`${failed} measurement(s) FAILED:\n`);
    for (const f of failures)
      process.stderr.write(`  round ${f.round} ${describeCell(f.cell)}: ${f.error}\n`);
    if (idleFailure !== undefined) process.stderr.write(`  ${IDLE_WAITING_NAME}: ${idleFailure}\n`);
    return 1;
  }
  return 0;
}

// Run when executed as a script (not when imported, e.g. by the `shmring bench` CLI command).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
