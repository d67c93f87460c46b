// examples/logger and examples/sysv, run as real processes: clients -> MPSC channel -> log file.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';

import {
  ROOT,
  finished,
  lineFrom,
  runChild,
  spawnChild,
  type ChildResult,
} from './helpers/child.js';
import { uniqueFilePath, uniqueShmName, uniqueSysvKey } from './helpers/names.js';

const LOGGER = resolve(ROOT, 'examples/logger/main.ts');
const CLIENT = resolve(ROOT, 'examples/logger/client.ts');
const SYSV = resolve(ROOT, 'examples/sysv/main.ts');
const CLI = resolve(ROOT, 'src/cli/main.ts');

const logs: string[] = [];
function logPath(): string {
  const path = uniqueFilePath('log');
  logs.push(path);
  return path;
}
afterEach(() => {
  for (const path of logs.splice(0)) rmSync(path, { force: true });
});

/**
 * Reads a log of generated lines ("<pid>: <timestamp> message <i> of <n>"): how many lines
 * each client has, and the problems found (at most 10): a malformed line, or a client's
 * message out of turn (missing, repeated or reordered).
 */
function readLog(text: string): { problems: string[]; counts: Map<number, number> } {
  const problems: string[] = [];
  const counts = new Map<number, number>();
  const lines = text.split('\n');
  if (lines.pop() !== '') problems.push('the log does not end with a newline');
  for (const line of lines) {
    const match = /^(\d+): \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z message (\d+) of \d+$/.exec(line);
    if (match === null) {
      problems.push(`malformed line: ${line.slice(0, 80)}`);
    } else {
      const [pid, number] = [Number(match[1]), Number(match[2])];
      const expected = (counts.get(pid) ?? 0) + 1;
      if (number !== expected)
        problems.push(`client ${pid}: message ${number} where ${expected} was due`);
      counts.set(pid, number);
    }
    if (problems.length >= 10) break;
  }
  return { problems, counts };
}

function sysvKeyExists(key: number): boolean {
  return readFileSync('/proc/sysvipc/shm', 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .some((line) => Number(line.trim().split(/\s+/)[0]) >>> 0 === key);
}

/** Starts a logger that serves until a signal; resolves once it listens. */
async function serving(
  script: string,
  args: string[],
): Promise<{ logger: ChildProcess; done: Promise<ChildResult>; log: string }> {
  const log = logPath();
  const logger = spawnChild(script, [...args, '--log', log]);
  const done = finished(logger);
  await lineFrom(logger, /listening on/);
  return { logger, done, log };
}

const sysvName = (key: number): string => `sysv:0x${key.toString(16).padStart(8, '0')}`;

describe('examples/logger', () => {
  it('8 clients x 10,000 lines: each line in the log exactly once, in each client order; nothing left in /dev/shm', async () => {
    const name = uniqueShmName('logger');
    const log = logPath();
    const result = await runChild(
      LOGGER,
      ['--channel', name, '--clients', '8', '--count', '10000', '--log', log],
      {},
      90_000,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`80000 lines appended to ${log}`);
    const { problems, counts } = readLog(readFileSync(log, 'utf8'));
    expect(problems).toEqual([]);
    expect([...counts.values()]).toEqual(Array(8).fill(10_000));
    expect(existsSync(`/dev/shm${name}`)).toBe(false);
  });

  it('serves stdin clients with lines of any length, and removes its segment on SIGTERM', async () => {
    const name = uniqueShmName('logger');
    const { logger, done: loggerDone, log } = await serving(LOGGER, ['--channel', name]);
    expect(existsSync(`/dev/shm${name}`)).toBe(true);

    // Far longer than the classic's 256-byte slots, and than this 64 KiB ring.
    const long = 'é✓'.repeat(150_000);
    const client = spawnChild(CLIENT, ['--channel', name], { stdio: ['pipe', 'pipe', 'pipe'] });
    const clientDone = finished(client);
    client.stdin!.end(`first line\n${long}\nlast line\n`);
    expect(await clientDone).toMatchObject({ code: 0, stderr: '' });

    logger.kill('SIGTERM');
    const result = await loggerDone;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('SIGTERM');
    expect(existsSync(`/dev/shm${name}`)).toBe(false);
    const lines = readFileSync(log, 'utf8').split('\n');
    expect(lines.map((line) => line.replace(/^\d+: \S+ /, ''))).toEqual([
      'first line',
      long,
      'last line',
      '',
    ]);
    expect(lines[0]).toMatch(new RegExp(`^${client.pid}: \\d{4}-\\d\\d-\\d\\dT\\S+Z first line$`));
  });

  it('a client killed mid-stream does not hold up the others (the classic deadlocks if it held the mutex)', async () => {
    const name = uniqueShmName('logger');
    const { logger, done, log } = await serving(LOGGER, ['--channel', name]);
    const doomed = spawnChild(CLIENT, ['--channel', name, '--count', '100000000']);
    const doomedDone = finished(doomed);
    // Well into its stream: its lines reach the log.
    while (!existsSync(log) || statSync(log).size < 100_000) await sleep(10);
    doomed.kill('SIGKILL');
    expect((await doomedDone).signal).toBe('SIGKILL');

    const survivor = await runChild(CLIENT, ['--channel', name, '--count', '1000']);
    expect(survivor).toMatchObject({ code: 0, stderr: '' });
    logger.kill('SIGTERM');
    expect((await done).code).toBe(0);
    const { problems, counts } = readLog(readFileSync(log, 'utf8'));
    expect(problems).toEqual([]); // the killed client's lines: whole, in order, none after its last
    expect(counts.get(doomed.pid!)).toBeGreaterThan(0);
    expect(counts.size).toBe(2);
    expect([...counts.values()][1]).toBe(1000);
  });

  it('a client with no logger to talk to says so', async () => {
    const result = await runChild(CLIENT, ['--channel', uniqueShmName('nobody'), '--count', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no logger on');
  });
});

describe('examples/sysv: the logger on a System V segment', () => {
  it('4 clients x 2,000 lines through a System V key, removed (IPC_RMID) at the end', async () => {
    const key = uniqueSysvKey();
    const log = logPath();
    const result = await runChild(SYSV, [
      '--sysv',
      String(key),
      '--clients',
      '4',
      '--count',
      '2000',
      '--log',
      log,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`listening on ${sysvName(key)}`);
    const { problems, counts } = readLog(readFileSync(log, 'utf8'));
    expect(problems).toEqual([]);
    expect([...counts.values()]).toEqual(Array(4).fill(2000));
    expect(sysvKeyExists(key)).toBe(false);
  });

  it('removes its segment on Ctrl-C (SIGINT)', async () => {
    const key = uniqueSysvKey();
    const { logger, done } = await serving(SYSV, ['--sysv', String(key)]);
    expect(sysvKeyExists(key)).toBe(true);
    logger.kill('SIGINT');
    expect((await done).code).toBe(0);
    expect(sysvKeyExists(key)).toBe(false);
  });

  it('shmring ls lists the segment (live, then stale once its logger is killed) and shmring rm removes it', async () => {
    const key = uniqueSysvKey();
    const { logger, done } = await serving(SYSV, ['--sysv', String(key)]);
    const listed = async (): Promise<Record<string, unknown> | undefined> => {
      const ls = await runChild(CLI, ['ls', '--json']);
      expect(ls.code).toBe(0);
      return (JSON.parse(ls.stdout) as Array<Record<string, unknown>>).find(
        (report) => report.name === sysvName(key),
      );
    };
    expect(await listed()).toMatchObject({
      backing: 'sysv',
      kind: 'mpsc',
      state: 'live',
      consumer: { pid: logger.pid, alive: true },
    });

    logger.kill('SIGKILL'); // no chance to clean up: the segment stays, as with the classic programs
    expect((await done).signal).toBe('SIGKILL');
    expect(sysvKeyExists(key)).toBe(true);
    expect(await listed()).toMatchObject({ state: 'stale' });

    const rm = await runChild(CLI, ['rm', sysvName(key)]);
    expect(rm).toMatchObject({ code: 0, stdout: `removed ${sysvName(key)}\n` });
    expect(sysvKeyExists(key)).toBe(false);
  });
});
