#!/usr/bin/env node
// `shmring`: list, inspect, remove and prune shmring segments; run the benchmark.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import {
  inspectSegment,
  listSegments,
  removeSegment,
  type SegmentReport,
} from '../lifecycle/inspect.js';
import { formatReport, formatTable } from './format.js';

const HELP: Record<string, string> = {
  main: `Usage: shmring <command> [options]

Looks after the shared-memory segments that shmring channels live in.

Commands:
  ls [--json]              list the channels' segments (POSIX shm and System V)
  stat NAME [--json]       everything about one segment
  rm [--force] NAME...     remove segments nobody uses any more (/name or sysv:0xKEY)
  prune [--dry-run]        remove every segment whose processes are all gone
  bench [options]          measure shmring against pipes, sockets and Node's IPC
  bridge LOCAL NATS-URL    forward a local channel to NATS, or NATS to a local channel

Options:
  --version                print shmring's version
  --help                   print this help

Run 'shmring <command> --help' for a command's options.`,
  ls: `Usage: shmring ls [--json]

Lists shmring segments: name, kind (spsc: one sender; mpsc: many), capacity, bytes in use,
senders, age of the receiver's heartbeat, and state (live; stale: its creator and every
process that used it are gone; corrupt).`,
  stat: `Usage: shmring stat NAME [--json]

Prints the full metadata of one segment. NAME is /name (POSIX) or sysv:0xKEY (System V).`,
  rm: `Usage: shmring rm [--force] NAME...

Removes the named segments, for example one left behind by a receiver that crashed.
NAME is /name (POSIX) or sysv:0xKEY (System V).

Refuses, unless --force is given:
  - a segment that a running process still uses (its creator, receiver or a sender);
  - a file that is not a shmring segment.

Processes that have a removed segment mapped keep their mapping; the memory goes when the
last one unmaps it.`,
  prune: `Usage: shmring prune [--dry-run] [--json]

Removes stale segments: those whose creator, receiver and senders have all exited
(a reused process id is told apart by the process's start time).
--dry-run only lists them.`,
  bench: `Usage: shmring bench [options]

Measures message throughput (messages/s, MB/s) and round-trip latency (p50, p99) between
two Node processes, through shmring and through the usual alternatives (Unix sockets, pipes,
Node's child_process IPC, worker MessagePorts), and prints each figure with its ratio to a
Unix socket measured in the same run. Runs take several minutes; --quick takes under one.

Options:
  --quick          a short run, under a minute
  --json FILE      write the results as JSON
  --md FILE        write a Markdown report
  --html FILE      write an HTML page with charts
  --only TEXT      run only the transports whose name contains TEXT (may repeat)
  --rounds N       runs per figure (default 3)
  --list           list the transports and the idle-waiting measurement, and exit
  --help           print this help`,
};

/** shmring's version, from the package.json above this file (in src/ or in dist/src/). */
function version(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'shmring' && pkg.version !== undefined) return pkg.version;
    } catch {
      // not here: one level up
    }
  }
  return 'unknown';
}

class UsageError extends Error {}

function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP.main);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    console.log(version());
    return 0;
  }
  if (command === 'bridge') {
    const { runBridge } = await import('../nats/bridge-cli.js'); // loads the optional NATS client
    return runBridge(rest);
  }
  if (command === 'bench') return bench(rest);
  if (!(command in HELP) || command === 'main')
    throw new UsageError(`unknown command '${command}'`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP[command]);
    return 0;
  }
  const json = values.json === true;
  switch (command) {
    case 'ls': {
      if (positionals.length > 0) throw new UsageError('ls takes no arguments');
      const reports = listSegments();
      print(json, reports, () => formatTable(reports));
      return 0;
    }
    case 'stat': {
      if (positionals.length !== 1) throw new UsageError('stat takes exactly one NAME');
      const report = inspectSegment(positionals[0]);
      print(json, report, () => formatReport(report));
      return 0;
    }
    case 'rm': {
      if (positionals.length === 0) throw new UsageError('rm needs at least one NAME');
      let failed = 0;
      for (const name of positionals) {
        try {
          if (values.force !== true) checkRemovable(name);
          removeSegment(name);
          console.log(`removed ${name}`);
        } catch (error) {
          console.error(`shmring rm: ${name}: ${describeError(error)}`);
          failed++;
        }
      }
      return failed === 0 ? 0 : 1;
    }
    case 'prune': {
      const stale: SegmentReport[] = listSegments().filter((report) => report.state === 'stale');
      const dryRun = values['dry-run'] === true;
      for (const report of stale) if (!dryRun) removeSegment(report.name);
      print(
        json,
        { removed: dryRun ? [] : stale.map((r) => r.name), stale: stale.map((r) => r.name) },
        () =>
          stale.length === 0
            ? 'no stale segments'
            : stale.map((r) => `${dryRun ? 'would remove' : 'removed'} ${r.name}`).join('\n'),
      );
      return 0;
    }
  }
  return 0;
}

// `shmring bench`: the benchmark ships with the sources; an installed package may not have it.
async function bench(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP.bench);
    return 0;
  }
  let benchMain: (argv: string[]) => Promise<number>;
  try {
    ({ main: benchMain } = await import('../../bench/main.js'));
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new UsageError(
      'the benchmark is not part of this installation; run it from a clone of shmring (npm run bench)',
    );
  }
  return benchMain(argv);
}

/** Refuses a segment someone still uses, or a file that is not a shmring segment (rm without --force). */
function checkRemovable(name: string): void {
  let report: SegmentReport;
  try {
    report = inspectSegment(name);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SHMRING_NOT_SHMRING')
      throw new Error(`not a shmring segment, left alone (--force removes it anyway)`, {
        cause: error,
      });
    throw error;
  }
  if (report.state !== 'live') return;
  const users = [
    report.creator?.alive && `creator ${report.creator.pid}`,
    report.consumer?.alive && `receiver ${report.consumer.pid}`,
    ...(report.producers ?? []).filter((p) => p.alive).map((p) => `sender ${p.pid}`),
  ].filter(Boolean);
  throw new Error(
    `in use by running processes (${users.join(', ')}), left alone; close it there, or --force removes it anyway`,
  );
}

/** An error in user words: its message, with the code in front unless the message has it. */
function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
    ) {
      console.error(`shmring: ${(error as Error).message}\nRun 'shmring --help' for usage.`);
      return 2;
    }
    console.error(`shmring: ${describeError(error)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
