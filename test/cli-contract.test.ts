// What users of the CLI and of crashed channels meet: --version and --help everywhere in
// user words, rm refusing live channels and foreign files, a stale segment after a crash
// explained and taken over on request, error codes printed once, the built CLI working.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { createChannel, openChannel } from '../src/channel/index.js';
import { readMetadata } from '../src/ring/index.js';
import { Segment } from '../src/segment/index.js';
import { useCleanups } from './helpers/cleanup.js';
import { finished, lineFrom, ROOT, runChild, spawnChild } from './helpers/child.js';
import { uniqueFilePath, uniqueShmName } from './helpers/names.js';

const CLI = `${ROOT}/src/cli/main.ts`;
const cli = (...args: string[]) => runChild(CLI, args);
const VERSION = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { version: string })
  .version;

const defer = useCleanups();

// A receiver process that created `name`, killed by `signal` once it is ready: the segment stays.
async function crashedReceiver(name: string, signal: NodeJS.Signals): Promise<void> {
  defer(() => Segment.unlink(name));
  const child = spawnChild('crash-receiver.ts', [name]);
  const done = finished(child);
  expect(await lineFrom(child, /^ready$|error/)).toBe('ready');
  child.kill(signal);
  expect((await done).signal).toBe(signal);
  expect(existsSync(`/dev/shm${name}`)).toBe(true);
}

describe('a channel left behind by a crashed receiver', () => {
  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    it(`after ${signal}: EEXIST says it is stale and how to remove it; takeOver: 'stale' replaces it in a restarted receiver`, async () => {
      const name = uniqueShmName(`crash-${signal}`);
      await crashedReceiver(name, signal);
      let error: { code?: string; message: string } | undefined;
      try {
        createChannel(name).close();
      } catch (caught) {
        error = caught as typeof error;
      }
      expect(error?.code).toBe('EEXIST');
      expect(error?.message).toContain('stale');
      expect(error?.message).toContain(`shmring rm ${name}`);
      expect(error?.message).toContain("takeOver: 'stale'");
      expect(error?.message.startsWith('EEXIST')).toBe(false);

      const restarted = spawnChild('crash-receiver.ts', [name, 'takeOver']);
      const done = finished(restarted);
      expect(await lineFrom(restarted, /^ready$|error/)).toBe('ready');
      // The new receiver is live: nobody may take it over, and rm leaves it alone.
      expect(() => createChannel(name, { takeOver: 'stale' })).toThrow(
        expect.objectContaining({
          code: 'EEXIST',
          message: expect.stringContaining('a running process uses it'),
        }),
      );
      const refused = await cli('rm', name);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/in use by running processes \(.*receiver \d+/);
      restarted.kill('SIGKILL');
      await done;
      // Now stale again: rm removes it.
      const removed = await cli('rm', name);
      expect(removed.code, removed.stderr).toBe(0);
      expect(existsSync(`/dev/shm${name}`)).toBe(false);
    });
  }
});

describe('a file-backed channel left behind', () => {
  it("is stale after its receiver's SIGKILL, and takeOver: 'stale' replaces it", async () => {
    const path = uniqueFilePath('crash-file');
    defer(() => unlinkSync(path));
    const crashed = spawnChild('crash-receiver.ts', [path, 'plain', 'file']);
    const done = finished(crashed);
    expect(await lineFrom(crashed, /^ready$|error/)).toBe('ready');
    crashed.kill('SIGKILL');
    await done;
    expect(() => createChannel(path, { backing: 'file' })).toThrow(
      expect.objectContaining({ code: 'EEXIST', message: expect.stringContaining(`rm ${path}`) }),
    );
    const receiver = createChannel(path, { backing: 'file', takeOver: 'stale' });
    defer(() => receiver.close());
    expect(readMetadata(receiver.buffer).creatorPid).toBe(process.pid); // a new segment
    const sender = openChannel(path, { backing: 'file' });
    sender.sendSync('fresh');
    expect(receiver.tryReceive()).toBe('fresh');
    sender.close();
  });
});

describe('shmring rm without --force', () => {
  it('refuses a live channel and a file that is not a shmring segment; --force removes both', async () => {
    const live = createChannel(uniqueShmName('rm-live'));
    defer(() => live.close());
    const foreign = Segment.create(uniqueShmName('rm-foreign'), 4096);
    defer(
      () => Segment.unlink(foreign.name),
      () => foreign.close(),
    );
    const refused = await cli('rm', live.name, foreign.name);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `${live.name}: in use by running processes (creator ${process.pid}`,
    );
    expect(refused.stderr).toContain(`${foreign.name}: not a shmring segment, left alone`);
    expect(existsSync(`/dev/shm${live.name}`)).toBe(true);
    expect(existsSync(`/dev/shm${foreign.name}`)).toBe(true);
    const forced = await cli('rm', '--force', live.name, foreign.name);
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(`/dev/shm${live.name}`)).toBe(false);
    expect(existsSync(`/dev/shm${foreign.name}`)).toBe(false);
  });
});

describe('shmring --version, --help, error messages', () => {
  it('prints the version', async () => {
    for (const flag of ['--version', '-v']) {
      const result = await cli(flag);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(VERSION);
    }
  });

  it('has --help on every command, bench included, in user words', async () => {
    for (const command of ['ls', 'stat', 'rm', 'prune', 'bench']) {
      const help = await cli(command, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: shmring ${command}`);
      expect(help.stdout).not.toMatch(/\bissues?\b|\btargets?\b|consumer|producer/i);
    }
    expect((await cli('--help')).stdout).toContain('--version');
  });

  it('prints an error code once, not twice', async () => {
    const missing = uniqueShmName('missing');
    const result = await cli('stat', missing);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^shmring: ENOENT: /);
    expect(result.stderr).not.toMatch(/ENOENT.*ENOENT/);
    const rm = await cli('rm', missing);
    expect(rm.stderr).not.toMatch(/ENOENT.*ENOENT/);
  });
});

describe('the built CLI (dist)', () => {
  it('runs every command from dist/ after npm run build', { timeout: 180_000 }, async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    const built = `${ROOT}/dist/src/cli/main.js`;
    const run = (...args: string[]) =>
      finished(
        // plain node, no TypeScript loader: what an installed package runs
        spawn(process.execPath, [built, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
    expect((await run('--version')).stdout.trim()).toBe(VERSION);
    const receiver = createChannel(uniqueShmName('dist'));
    defer(() => receiver.close());
    const ls = await run('ls', '--json');
    expect(ls.code).toBe(0);
    expect(
      (JSON.parse(ls.stdout) as Array<{ name: string; codec: string }>).find(
        (r) => r.name === receiver.name,
      ),
    ).toMatchObject({ codec: 'msgpack' });
    const stat = await run('stat', receiver.name);
    expect(stat.stdout).toMatch(/codec\s+msgpack/);
    expect((await run('rm', receiver.name)).code).toBe(1); // live
    expect((await run('prune', '--dry-run')).code).toBe(0);
    expect((await run('bench', '--help')).stdout).toContain('Usage: shmring bench');
  });
});
