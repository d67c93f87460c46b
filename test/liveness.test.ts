import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { createChannel, openChannel, type Receiver } from '../src/channel/index.js';
import { isProcessAlive } from '../src/lifecycle/liveness.js';
import { processStartTime } from '../src/ring/index.js';
import { Segment } from '../src/segment/index.js';
import { ROOT, finished, lineFrom, runChild, spawnChild } from './helpers/child.js';
import { uniqueShmName } from './helpers/names.js';
import { useCleanups } from './helpers/cleanup.js';

const defer = useCleanups();

const peerArgs = (plan: Record<string, unknown>): string[] => [JSON.stringify(plan)];

describe('dead producers', () => {
  it('MPSC: a producer SIGKILLed mid-claim never blocks the consumer; every committed message arrives once', async () => {
    const receiver: Receiver<{ seq: number; pid: number }> = createChannel(
      uniqueShmName('dead-producer'),
      {
        producers: 'multi',
        capacity: 1 << 16,
        heartbeatTimeoutMs: 200,
      },
    );
    defer(() => receiver.close());
    // Holds the stream open until the other producers are done (see channel.test.ts).
    const guard = openChannel(receiver.name, { producers: 'multi' });
    const victim = spawnChild(
      'liveness-peer.ts',
      peerArgs({ role: 'produce', name: receiver.name, hangAfter: 700 }),
    );
    const victimDone = finished(victim);
    await lineFrom(victim, /^claimed$/);
    const others = [1, 2, 3].map(() =>
      runChild('liveness-peer.ts', peerArgs({ role: 'produce', name: receiver.name, count: 3000 })),
    );
    void Promise.all(others).finally(() => guard.close());
    // The others' messages now queue behind the victim's uncommitted record.
    await new Promise((r) => setTimeout(r, 200));
    victim.kill('SIGKILL');
    expect((await victimDone).signal).toBe('SIGKILL');

    const next = new Map<number, number>();
    for await (const { seq, pid } of receiver) {
      expect(seq).toBe(next.get(pid) ?? 0); // in order, nothing twice, nothing skipped
      next.set(pid, seq + 1);
    }
    for (const other of await Promise.all(others)) {
      expect(other.stderr).toBe('');
      expect(JSON.parse(other.stdout)).toEqual({ sent: 3000 });
    }
    expect(next.get(victim.pid!)).toBe(700); // all it committed
    expect([...next.values()].sort()).toEqual([3000, 3000, 3000, 700]);
  });
});

describe('dead consumer', () => {
  it('a sender blocked on a full ring fails with ECONNRESET within twice the heartbeat timeout', async () => {
    const name = uniqueShmName('dead-consumer');
    defer(() => Segment.unlink(name));
    const consumer = spawnChild(
      'liveness-peer.ts',
      peerArgs({ role: 'consume', name, capacity: 4096 }),
    );
    const consumerDone = finished(consumer);
    await lineFrom(consumer, /^ready$/);
    const heartbeatTimeoutMs = 500;
    const sender = openChannel(name, { heartbeatTimeoutMs });
    defer(() => sender.close());
    const message = 'x'.repeat(100);
    while (sender.trySend(message));
    const pending = sender.send(message);
    await new Promise((r) => setTimeout(r, 50));
    consumer.kill('SIGKILL');
    const killedAt = performance.now();
    await consumerDone;
    await expect(pending).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(performance.now() - killedAt).toBeLessThan(2 * heartbeatTimeoutMs);
  });
});

describe('permissions', () => {
  // A child under another uid needs root to start it, and a tree that uid can read.
  const canRunAsNobody =
    process.getuid?.() === 0 &&
    spawnSync('/usr/bin/setpriv', [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      '-e',
      `require('fs').accessSync(${JSON.stringify(`${ROOT}/test/children/liveness-peer.ts`)})`,
    ]).status === 0;
  // A peer run as user nobody (65534) through setpriv.
  const asNobody = (plan: Record<string, unknown>) =>
    spawn(
      '/usr/bin/setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        '--import',
        'tsx',
        'test/children/liveness-peer.ts',
        JSON.stringify(plan),
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );

  it.runIf(canRunAsNobody)('another user cannot open a 0600 channel', async () => {
    const receiver = createChannel(uniqueShmName('private'));
    defer(() => receiver.close());
    const result = await finished(asNobody({ role: 'open', name: receiver.name }));
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ opened: false, code: 'EACCES' });
  });

  it.runIf(canRunAsNobody)(
    'a channel another user created is refused unless its uid is allowed',
    async () => {
      const name = uniqueShmName('foreign');
      defer(() => Segment.unlink(name));
      const owner = asNobody({ role: 'consume', name, capacity: 4096 });
      defer(() => owner.kill('SIGKILL'));
      await lineFrom(owner, /^ready$/);
      expect(() => openChannel(name)).toThrow(expect.objectContaining({ code: 'EACCES' }));
      const trusted = openChannel(name, { allowUids: [65534] });
      trusted.close();
    },
  );

  if (!canRunAsNobody)
    console.warn(
      'permission tests skipped: cannot start a child as another user here (needs root and a world-readable tree)',
    );
});

describe('process liveness', () => {
  it('a process is alive until it exits, and a zombie (exited, not reaped) is not', async () => {
    // A shell that lets its child die and does not reap it while it sleeps.
    const shell = spawn('/bin/sh', ['-c', 'sleep 0.01 & exec sleep 3'], { stdio: 'ignore' });
    const self = processStartTime();
    expect(isProcessAlive(process.pid, self)).toBe(true);
    expect(isProcessAlive(process.pid, self + 1)).toBe(false); // the pid, reused by another process
    expect(isProcessAlive(0)).toBe(false);
    // Find the shell's exited child: a zombie once `sleep 0.01` ends.
    let zombie = 0;
    for (let i = 0; i < 100 && zombie === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
        try {
          const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          if (Number(fields[1]) === shell.pid && fields[0] === 'Z') zombie = Number(entry);
        } catch {
          // gone meanwhile
        }
      }
    }
    expect(zombie).toBeGreaterThan(0);
    expect(isProcessAlive(zombie)).toBe(false);
    expect(isProcessAlive(shell.pid!)).toBe(true);
    shell.kill('SIGKILL');
  });
});
