#!/usr/bin/env node
// `shmring`: list, inspect, remove and prune shmring segments; run the benchmark.
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

Commands:
  ls [--json]              list shmring segments (POSIX shm and System V)
  stat NAME [--json]       full metadata of one segment
  rm NAME...               remove segments (/name or sysv:0xKEY)
  prune [--dry-run]        remove stale segments: creator and every user gone
  bench [options]          the benchmark against pipes and sockets (see shmring bench --help)
  bridge LOCAL NATS-URL    forward a local channel to NATS or back (see shmring bridge --help)

Run 'shmring <command> --help' for a command's options.`,
  ls: `Usage: shmring ls [--json]

Lists shmring segments: name, kind, capacity, bytes in use, producers, consumer heartbeat
age, and state (live, stale: creator and every user gone, corrupt).`,
  stat: `Usage: shmring stat NAME [--json]

Prints the full metadata of one segment. NAME is /name (POSIX) or sysv:0xKEY (System V).`,
  rm: `Usage: shmring rm NAME...

Removes the named segments (shm_unlink, or IPC_RMID for System V). Processes that have
them mapped keep their mappings; the memory goes when the last one unmaps.`,
  prune: `Usage: shmring prune [--dry-run] [--json]

Removes stale segments: those whose creator, producers and consumer are all gone
(a reused pid is told apart by its process start time). --dry-run only lists them.`,
};

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
  if (command === 'bridge') {
    const { runBridge } = await import('../nats/bridge-cli.js'); // loads the optional NATS client
    return runBridge(rest);
  }
  if (command === 'bench') {
    const { main } = await import('../../bench/main.js');
    return main(rest);
  }
  if (!(command in HELP) || command === 'main')
    throw new UsageError(`unknown command '${command}'`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
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
          removeSegment(name);
          console.log(`removed ${name}`);
        } catch (error) {
          console.error(`shmring rm: ${name}: ${(error as Error).message}`);
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
    const code = (error as { code?: string }).code;
    console.error(`shmring: ${code ? `${code}: ` : ''}${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
