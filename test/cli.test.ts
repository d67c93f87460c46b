import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { attachProducer } from '../src/channel/endpoints.js';
import { createRing, ringSegmentSize, VERSION_OFFSET } from '../src/ring/index.js';
import { Segment } from '../src/segment/index.js';
import { runChild, ROOT } from './helpers/child.js';
import { uniqueShmName, uniqueSysvKey } from './helpers/names.js';
import { useCleanups } from './helpers/cleanup.js';

const CLI = `${ROOT}/src/cli/main.ts`;
const cli = (...args: string[]) => runChild(CLI, args);

const defer = useCleanups();

function liveRing(kind: 'spsc' | 'mpsc' = 'mpsc'): Segment {
  const segment = Segment.create(uniqueShmName('cli-live'), ringSegmentSize(4096));
  defer(
    () => segment.unlink(),
    () => segment.close(),
  );
  createRing(segment.buffer, { kind, capacity: 4096 });
  return segment;
}

async function staleRing(): Promise<string> {
  const name = uniqueShmName('cli-stale');
  defer(() => Segment.unlink(name));
  const made = await runChild('make-ring.ts', [name, 'spsc', '4096']);
  expect(made.code).toBe(0);
  return name;
}

function corruptRing(): Segment {
  const segment = liveRing('spsc');
  new DataView(segment.buffer).setUint16(VERSION_OFFSET, 99, true);
  return segment;
}

describe('shmring ls / stat', () => {
  it('lists live, stale and corrupt segments and skips foreign ones', async () => {
    const live = liveRing();
    const producer = attachProducer(live.buffer);
    producer.tryWrite(1, new Uint8Array(100));
    const stale = await staleRing();
    const corrupt = corruptRing();
    const foreign = Segment.create(uniqueShmName('cli-foreign'), 4096);
    defer(
      () => foreign.unlink(),
      () => foreign.close(),
    );

    const result = await cli('ls', '--json');
    expect(result.code).toBe(0);
    const reports = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    const byName = new Map(reports.map((r) => [r.name, r]));
    expect(byName.get(live.name)).toMatchObject({
      state: 'live',
      kind: 'mpsc',
      capacity: 4096,
      bytesInUse: 112,
      openProducers: 1,
    });
    expect(byName.get(live.name)!.producers).toEqual([{ pid: process.pid, alive: true }]);
    expect(byName.get(stale)).toMatchObject({ state: 'stale', kind: 'spsc' });
    expect(byName.get(corrupt.name)).toMatchObject({ state: 'corrupt' });
    expect(String(byName.get(corrupt.name)!.problem)).toContain('version 99');
    expect(byName.has(foreign.name)).toBe(false);

    const table = await cli('ls');
    expect(table.stdout).toMatch(/NAME\s+KIND\s+CAPACITY\s+IN USE\s+SENDERS\s+HEARTBEAT\s+STATE/);
    expect(table.stdout).toContain(live.name);
    producer.close();
  });

  it('stat prints one segment, as text and JSON, and fails clearly for others', async () => {
    const live = liveRing('spsc');
    const text = await cli('stat', live.name);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/kind\s+spsc/);
    expect(text.stdout).toMatch(new RegExp(`creator\\s+${process.pid} \\(alive\\)`));
    const json = JSON.parse((await cli('stat', live.name, '--json')).stdout);
    expect(json).toMatchObject({
      name: live.name,
      backing: 'posix',
      mode: 0o600,
      state: 'live',
      maxMessageLength: 512,
    });

    const missing = await cli('stat', uniqueShmName('cli-missing'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ENOENT');
    const foreign = Segment.create(uniqueShmName('cli-foreign'), 4096);
    defer(
      () => foreign.unlink(),
      () => foreign.close(),
    );
    const notOurs = await cli('stat', foreign.name);
    expect(notOurs.code).toBe(1);
    expect(notOurs.stderr).toContain('ERR_SHMRING_NOT_SHMRING');
  });

  it('sees System V segments too, and removes them', async () => {
    const key = uniqueSysvKey();
    const segment = Segment.createSysv(key, ringSegmentSize(4096));
    defer(
      () => Segment.removeSysv(key),
      () => segment.close(),
    );
    createRing(segment.buffer, { kind: 'spsc', capacity: 4096 });
    const reports = JSON.parse((await cli('ls', '--json')).stdout) as Array<{
      name: string;
      backing: string;
      state: string;
    }>;
    expect(reports.find((r) => r.name === segment.name)).toMatchObject({
      backing: 'sysv',
      state: 'live',
    });
    const removed = await cli('rm', '--force', segment.name); // live: this process made it
    expect(removed.code).toBe(0);
    expect(() => Segment.openSysv(key)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

describe('shmring rm / prune', () => {
  it('rm removes what it is given and reports what it could not', async () => {
    const stale = await staleRing();
    const missing = uniqueShmName('cli-missing');
    const result = await cli('rm', stale, missing);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`removed ${stale}`);
    expect(result.stderr).toContain(missing);
    expect(existsSync(`/dev/shm${stale}`)).toBe(false);
  });

  it('prune --dry-run lists stale segments; prune removes them and nothing live', async () => {
    const live = liveRing();
    const stale = await staleRing();
    const dry = await cli('prune', '--dry-run');
    expect(dry.stdout).toContain(`would remove ${stale}`);
    expect(existsSync(`/dev/shm${stale}`)).toBe(true);
    const pruned = await cli('prune');
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain(`removed ${stale}`);
    expect(pruned.stdout).not.toContain(live.name);
    expect(existsSync(`/dev/shm${stale}`)).toBe(false);
    expect(existsSync(`/dev/shm${live.name}`)).toBe(true);
  });

  it('--help on every command, and usage errors exit 2', async () => {
    for (const command of ['ls', 'stat', 'rm', 'prune']) {
      const help = await cli(command, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: shmring ${command}`);
    }
    expect((await cli('--help')).stdout).toContain('Commands:');
    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect((await cli('stat')).code).toBe(2);
    expect((await cli('ls', '--bogus')).code).toBe(2);
  });
});
