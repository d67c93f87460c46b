// The SIGBUS guard: a segment truncated by another process does not kill this one; the
// channel on it reports ERR_SHMRING_BROKEN. A SIGBUS that is not about one of shmring's
// mappings still goes where it went before (here: the default action, death).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createChannel, openChannel } from '../src/channel/index.js';
import { MappingHealth, Segment } from '../src/segment/index.js';
import { ROOT, runChild } from './helpers/child.js';
import { useCleanups } from './helpers/cleanup.js';
import { uniqueFilePath, uniqueShmName } from './helpers/names.js';

const defer = useCleanups();

/** Truncates a file to 0 bytes from another process (coreutils' truncate). */
function truncateElsewhere(path: string): void {
  const result = spawnSync('truncate', ['-s', '0', path], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
}

const BROKEN = expect.objectContaining({ code: 'ERR_SHMRING_BROKEN' });

describe('a truncated segment', () => {
  it('reads as zeros instead of killing the process, and its health says faulted', () => {
    const name = uniqueShmName('trunc');
    const segment = Segment.create(name, 3 * 4096);
    defer(
      () => Segment.unlink(name),
      () => segment.close(),
    );
    const healthy = Segment.create(uniqueShmName('healthy'), 4096);
    defer(
      () => healthy.unlink(),
      () => healthy.close(),
    );
    const bytes = new Uint8Array(segment.buffer);
    bytes[5000] = 42;
    expect(segment.faulted).toBe(false);
    truncateElsewhere(`/dev/shm${name}`);
    expect(bytes[5000]).toBe(0); // the fault, repaired with a zero page
    bytes[0] = 1; // a page before the first repaired one: repaired in turn
    expect(bytes[0]).toBe(1);
    expect(segment.faulted).toBe(true);
    expect(healthy.faulted).toBe(false);
    expect(MappingHealth.of(new SharedArrayBuffer(8)).faulted).toBe(false);
  });

  it.each(['shm', 'file'] as const)(
    '%s: sends and receives fail with ERR_SHMRING_BROKEN, also in a pending receive',
    async (backing) => {
      const name = backing === 'file' ? uniqueFilePath('trunc') : uniqueShmName('trunc');
      const receiver = createChannel<string>(name, { backing, heartbeatTimeoutMs: 200 });
      defer(() => receiver.close({ unlink: true }));
      const sender = openChannel<string>(name, { backing });
      defer(() => sender.close());
      sender.sendSync('before');
      expect(receiver.tryReceive()).toBe('before');
      const pending = receiver.receive();
      // Let the receive park before the segment goes.
      await new Promise((resolve) => setTimeout(resolve, 50));
      truncateElsewhere(backing === 'file' ? name : `/dev/shm${name}`);
      expect(() => sender.trySend('after')).toThrow(BROKEN);
      await expect(pending).rejects.toThrow(BROKEN);
      expect(() => receiver.tryReceive()).toThrow(BROKEN);
    },
  );
});

describe('a SIGBUS that is not about a shmring mapping', () => {
  let dir: string;
  let harness: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'shmring-fault-'));
    harness = join(dir, 'fault_guard_harness');
    const cc = spawnSync(
      'c++',
      [
        '-std=c++17',
        '-O2',
        '-Wall',
        '-Wextra',
        '-Werror',
        '-iquote',
        join(ROOT, 'native/src'),
        join(ROOT, 'test/c/fault_guard_harness.cc'),
        join(ROOT, 'native/src/fault_guard.cc'),
        '-o',
        harness,
      ],
      { encoding: 'utf8' },
    );
    if (cc.status !== 0) throw new Error(`c++ failed:\n${cc.stderr}`);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function run(...args: string[]): ReturnType<typeof spawnSync> {
    return spawnSync(harness, args, { encoding: 'utf8' });
  }

  function file(tag: string): string {
    const path = join(dir, tag);
    writeFileSync(path, '');
    return path;
  }

  it('a fault in a guarded mapping is repaired (the control case)', () => {
    const result = run('guarded', file('guarded'));
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('survived 0 1 1\n');
    expect(result.status).toBe(0);
  });

  it('a fault outside every guarded mapping kills by SIGBUS, as before', () => {
    const result = run('unguarded', file('unguarded'));
    expect(result.signal).toBe('SIGBUS');
    expect(result.stdout).toBe('');
  });

  it('a fault outside goes to the SA_SIGINFO handler installed before the guard', () => {
    const result = run('chained', file('chained'));
    expect(result.status).toBe(42);
  });

  it('a SIGBUS sent with kill(2) is never taken for a fault: the process dies by it', () => {
    expect(run('sent').signal).toBe('SIGBUS');
  });

  it('in Node with the addon loaded and a channel open, a sent SIGBUS still kills', async () => {
    const name = uniqueShmName('sent');
    defer(() => Segment.unlink(name)); // the child dies before it can
    const result = await runChild('fault-peer.ts', [name]);
    expect(result.signal).toBe('SIGBUS');
    expect(result.stdout).toBe('');
  });
});
