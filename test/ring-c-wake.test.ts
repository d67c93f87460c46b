// A C producer built from native/include/shmring.h alone wakes a TypeScript receiver that is
// parked in the kernel ('park': no spinning), with shmring_notify (a full fence, then the
// sleeper count, then FUTEX_WAKE), in the blocking and in the async receive.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createChannel } from '../src/channel/index.js';
import { ROOT, finished } from './helpers/child.js';
import { useCleanups } from './helpers/cleanup.js';
import { uniqueShmName } from './helpers/names.js';

const defer = useCleanups();
const COUNT = 3;
const GAP_MS = 300;
let dir: string;
let program: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shmring-c-wake-'));
  program = join(dir, 'wake_peer');
  const cc = spawnSync(
    'cc',
    [
      '-std=c11',
      '-O2',
      '-Wall',
      '-Wextra',
      '-Werror',
      '-I',
      join(ROOT, 'native/include'),
      join(ROOT, 'test/c/wake_peer.c'),
      '-o',
      program,
      '-lrt',
    ],
    { encoding: 'utf8' },
  );
  if (cc.status !== 0) throw new Error(`cc failed:\n${cc.stderr}`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function parkedReceiver() {
  // A heartbeat far longer than the test: the receiver's wait never times out to re-check by
  // itself, so only the C side's wake can deliver each message in time.
  const receiver = createChannel<Uint8Array>(uniqueShmName('c-wake'), {
    wait: 'park',
    codec: 'raw',
    heartbeatTimeoutMs: 600_000,
  });
  defer(() => receiver.close({ unlink: true }));
  const child = spawn(program, [receiver.name, String(COUNT), String(GAP_MS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { receiver, child };
}

const text = (value: Uint8Array): string => Buffer.from(value).toString();

describe('a C producer wakes a parked TypeScript receiver', () => {
  it.each(['receiveSync', 'receive'] as const)('%s', async (how) => {
    const { receiver, child } = parkedReceiver();
    const done = finished(child, 60_000);
    const cpuBefore = process.cpuUsage();
    const got: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      const value =
        how === 'receiveSync'
          ? receiver.receiveSync({ timeoutMs: 20_000 })
          : await receiver.receive({ timeoutMs: 20_000 });
      got.push(text(value));
    }
    const cpu = process.cpuUsage(cpuBefore);
    expect(got).toEqual(Array.from({ length: COUNT }, (_, i) => `c-${i}`));
    const result = await done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The receiver slept in the kernel: the C side found it announced and woke it, and
    // ~0.9 s of waiting cost this process little CPU.
    const woken = Number(/woke (\d+)/.exec(result.stdout)?.[1]);
    expect(woken).toBeGreaterThanOrEqual(1);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(COUNT * GAP_MS * 0.5);
  });
});
