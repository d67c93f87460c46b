// Recovery from senders that die at any moment (issue 12): every dead claim is cleared
// (several at once, away from the head, across the wrap, SPSC and MPSC, registered or not),
// live senders are never taken for dead, and liveness runs whatever the callers' timeouts.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { createChannel, openChannel, openReceiver, type Receiver } from '../src/channel/index.js';
import { FrameReader } from '../src/codec/index.js';
import { attachRing } from '../src/ring/index.js';
import { Segment } from '../src/segment/index.js';
import { ROOT, finished, lineFrom, runChild, spawnChild } from './helpers/child.js';
import { uniqueShmName } from './helpers/names.js';
import { useCleanups } from './helpers/cleanup.js';

const defer = useCleanups();
const peer = (plan: Record<string, unknown>) =>
  spawnChild('recovery-peer.ts', [JSON.stringify(plan)]);
const runPeer = (plan: Record<string, unknown>) =>
  runChild('recovery-peer.ts', [JSON.stringify(plan)], {}, 60_000);

type Value = { seq: number; pid: number };

/** Whether this machine lets us start a process in a new pid namespace with its own /proc. */
const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
if (!canUnshare)
  console.warn(
    'pid namespace tests skipped: `unshare --pid --fork --mount-proc` is not allowed here',
  );

/**
 * A peer in a new pid namespace with its own /proc, as in a container (its pid there is 1,
 * which names the host's init here), in its own process group (unshare forks it).
 */
function peerInPidNamespace(plan: Record<string, unknown>) {
  return spawn(
    'unshare',
    [
      '--pid',
      '--fork',
      '--mount-proc',
      process.execPath,
      '--import',
      'tsx',
      'test/children/recovery-peer.ts',
      JSON.stringify(plan),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
}

/** Starts a victim that sends `before` values, claims a record and hangs; resolves once it claimed. */
async function victim(plan: Record<string, unknown>) {
  const child = peer({ role: 'victim', claim: true, ...plan });
  defer(() => child.kill('SIGKILL'));
  const done = finished(child, 60_000);
  await lineFrom(child, /^claimed/);
  return { child, done };
}

/** Receives until the end of the stream; per pid, checks order and returns how many arrived. */
async function drain(receiver: Receiver<Value>): Promise<Map<number, number>> {
  const next = new Map<number, number>();
  for await (const { seq, pid } of receiver) {
    expect(seq).toBe(next.get(pid) ?? 0); // in order, nothing twice, nothing skipped
    next.set(pid, seq + 1);
  }
  return next;
}

describe('dead claims are cleared', () => {
  it("MPSC: three senders SIGKILLed holding claims; a live sender's values after them all arrive and the stream ends", async () => {
    const receiver = createChannel<Value>(uniqueShmName('three-dead'), {
      producers: 'multi',
      capacity: 1 << 14,
      heartbeatTimeoutMs: 400,
    });
    defer(() => receiver.close());
    // Holds the stream open while the victims are reaped, until the live sender is done.
    const guard = openChannel(receiver.name, { producers: 'multi' });
    const victims = [];
    for (let i = 0; i < 3; i++) victims.push(await victim({ name: receiver.name, before: 5 }));
    // The live sender's values queue behind the three uncommitted records.
    const live = runPeer({
      role: 'send',
      name: receiver.name,
      count: 200,
      options: { producers: 'multi' },
    });
    void live.finally(() => guard.close());
    await new Promise((r) => setTimeout(r, 100));
    for (const { child } of victims) child.kill('SIGKILL');
    const counts = await drain(receiver);
    expect(JSON.parse((await live).stdout)).toEqual({ sent: 200 });
    expect([...counts.values()].sort((a, b) => a - b)).toEqual([5, 5, 5, 200]);
  });

  it('MPSC: a sender SIGKILLed holding a claim that wrapped to index 0', async () => {
    const receiver = createChannel<Value>(uniqueShmName('dead-wrap'), {
      producers: 'multi',
      capacity: 4096,
      heartbeatTimeoutMs: 400,
    });
    defer(() => receiver.close());
    const guard = openChannel(receiver.name, { producers: 'multi' });
    const next = new Map<number, number>();
    const reading = (async () => {
      for await (const { seq, pid } of receiver) {
        expect(seq).toBe(next.get(pid) ?? 0);
        next.set(pid, seq + 1);
      }
    })();
    const child = peer({ role: 'victim', name: receiver.name, before: 0, wrap: true, claim: true });
    defer(() => child.kill('SIGKILL'));
    const done = finished(child, 60_000);
    const sentBeforeClaim = Number((await lineFrom(child, /^claimed/)).split(' ')[2]);
    const live = runPeer({
      role: 'send',
      name: receiver.name,
      count: 300,
      options: { producers: 'multi' },
    });
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await done;
    expect(JSON.parse((await live).stdout)).toEqual({ sent: 300 });
    guard.close();
    await reading;
    expect(next.get(child.pid!)).toBe(sentBeforeClaim);
    expect([...next.values()]).toContain(300);
  });

  it('SPSC with keepOpen: a sender dies holding a claim; a new sender attaches and what it sends arrives', async () => {
    const receiver = createChannel<Value>(uniqueShmName('spsc-dead'), {
      capacity: 1 << 14,
      keepOpen: true,
      heartbeatTimeoutMs: 400,
    });
    defer(() => receiver.close());
    const first = await victim({ name: receiver.name, before: 3 });
    first.child.kill('SIGKILL');
    await first.done;
    // The channel is single-sender: the next one gets in once the dead one was reaped.
    const reading = (async () => {
      const values: Value[] = [];
      while (values.length < 3 + 50) values.push(await receiver.receive({ timeoutMs: 20_000 }));
      return values;
    })();
    let result;
    for (let attempt = 0; attempt < 100; attempt++) {
      result = await runPeer({ role: 'send', name: receiver.name, count: 50 });
      if (!result.stderr.includes('EBUSY')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(result!.stderr).toBe('');
    const values = await reading;
    expect(values.slice(0, 3).map((v) => v.seq)).toEqual([0, 1, 2]);
    expect(values.slice(3).map((v) => v.seq)).toEqual([...Array(50).keys()]);
  });
});

describe('liveness whatever the timeouts', () => {
  /**
   * An MPSC channel whose sender died holding a claim (after 2 values) while a live sender
   * sends 20 more: 22 values to receive in all.
   */
  async function deadClaimAndLiveSender(tag: string, heartbeatTimeoutMs: number) {
    const receiver = createChannel<Value>(uniqueShmName(tag), {
      producers: 'multi',
      keepOpen: true,
      heartbeatTimeoutMs,
    });
    defer(() => receiver.close());
    const dead = await victim({ name: receiver.name, before: 2 });
    const live = runPeer({
      role: 'send',
      name: receiver.name,
      count: 20,
      options: { producers: 'multi' },
    });
    dead.child.kill('SIGKILL');
    return { receiver, live };
  }

  it('receive({ timeoutMs: 150 }) in a loop still clears a dead claim', async () => {
    const { receiver, live } = await deadClaimAndLiveSender('short-receive', 1000);
    const values: Value[] = [];
    const started = performance.now();
    while (values.length < 22 && performance.now() - started < 20_000) {
      try {
        values.push(await receiver.receive({ timeoutMs: 150 }));
      } catch (error) {
        expect((error as { code?: string }).code).toBe('ETIMEDOUT');
      }
    }
    expect(values).toHaveLength(22);
    await live;
  });

  it('tryReceive() polling alone still clears a dead claim', async () => {
    const { receiver, live } = await deadClaimAndLiveSender('poll-receive', 600);
    const values: Value[] = [];
    const started = performance.now();
    while (values.length < 22 && performance.now() - started < 20_000) {
      const value = receiver.tryReceive();
      if (value === undefined) await new Promise((r) => setImmediate(r));
      else values.push(value);
    }
    expect(values).toHaveLength(22);
    await live;
  });

  it('a sender with short timeouts sees ECONNRESET once the receiver is dead', async () => {
    const name = uniqueShmName('short-send');
    const receiver = spawnChild('liveness-peer.ts', [
      JSON.stringify({ role: 'consume', name, capacity: 4096 }),
    ]);
    defer(() => receiver.kill('SIGKILL'));
    const receiverDone = finished(receiver);
    await lineFrom(receiver, /^ready$/);
    const sender = openChannel(name, { heartbeatTimeoutMs: 400 });
    defer(() => {
      sender.close();
      Segment.unlink(name);
    });
    while (sender.trySend('x'.repeat(100)));
    receiver.kill('SIGKILL');
    await receiverDone;
    let code: string | undefined;
    const started = performance.now();
    while (code !== 'ECONNRESET' && performance.now() - started < 10_000) {
      try {
        await sender.send('y', { timeoutMs: 150 });
      } catch (error) {
        code = (error as { code?: string }).code;
        expect(['ETIMEDOUT', 'ECONNRESET']).toContain(code);
      }
    }
    expect(code).toBe('ECONNRESET');
  });
});

describe('attaching', () => {
  it('of receivers attaching at once, exactly one wins', async () => {
    const name = uniqueShmName('two-receivers');
    const creator = createChannel(name, { unlink: 'never' });
    creator.close();
    defer(() => openReceiver(name).close({ unlink: true }));
    // Started well before the common instant, so that all are spinning by then; the winner
    // stays attached until killed.
    const startAt = Date.now() + 5000;
    const peers = [0, 1, 2, 3, 4, 5].map(() => peer({ role: 'receive', name, startAt }));
    const exits = peers.map((child) => finished(child));
    for (const child of peers) defer(() => child.kill('SIGKILL'));
    const lines = await Promise.all(peers.map((child) => lineFrom(child, /attached/)));
    for (const child of peers) child.kill('SIGKILL');
    await Promise.all(exits);
    const outcomes = lines.map((line) => JSON.parse(line) as { attached: boolean; code?: string });
    expect(outcomes.filter((o) => o.attached)).toHaveLength(1);
    for (const o of outcomes.filter((o) => !o.attached)) expect(o.code).toBe('EBUSY');
  });
});

describe('pid namespaces', () => {
  it.runIf(canUnshare)('an idle live sender in another pid namespace is not reaped', async () => {
    const receiver = createChannel<Value>(uniqueShmName('namespace'), {
      producers: 'multi',
      heartbeatTimeoutMs: 400,
    });
    defer(() => receiver.close());
    const child = peerInPidNamespace({
      role: 'idle-send',
      name: receiver.name,
      idleMs: 2000,
      count: 10,
      options: { producers: 'multi', heartbeatTimeoutMs: 400 },
    });
    defer(() => process.kill(-child.pid!, 'SIGKILL'));
    const done = finished(child);
    await lineFrom(child, /^opened$/);
    const counts = await drain(receiver); // ends early if the idle sender was taken for dead
    const result = await done;
    expect(result.stderr).toBe('');
    expect([...counts.values()]).toEqual([10]);
  });
});

describe('a producer taken for dead', () => {
  it.runIf(canUnshare)(
    'its claim is cleared (other senders flow), and its late commit fails with ERR_SHMRING_CLAIM_LOST',
    async () => {
      const receiver = createChannel<Value>(uniqueShmName('claim-lost'), {
        producers: 'multi',
        keepOpen: true,
        heartbeatTimeoutMs: 400,
      });
      defer(() => receiver.close());
      // In another pid namespace, so only its heartbeat tells that it lives; stopped, it
      // stops beating.
      const child = peerInPidNamespace({
        role: 'late-commit',
        name: receiver.name,
        idleMs: 1500,
        options: { heartbeatTimeoutMs: 400 },
      });
      // unshare forks: stop and continue the whole process group.
      const signal = (name: NodeJS.Signals) => process.kill(-child.pid!, name);
      defer(() => signal('SIGKILL'));
      const done = finished(child);
      await lineFrom(child, /^claimed$/);
      signal('SIGSTOP');
      await runPeer({
        role: 'send',
        name: receiver.name,
        count: 5,
        options: { producers: 'multi' },
      });
      const values: Value[] = [];
      for (let i = 0; i < 5; i++) values.push(await receiver.receive({ timeoutMs: 20_000 }));
      expect(values.map((v) => v.seq)).toEqual([0, 1, 2, 3, 4]); // the claim was cleared
      signal('SIGCONT');
      const result = await done;
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toEqual({
        committed: false,
        code: 'ERR_SHMRING_CLAIM_LOST',
      });
    },
  );
});

/** CPU time (user + system) of a process so far, in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in 1/100 s
}

describe('no wake storms', () => {
  it('a stuck head (a live sender stopped inside a claim) and a full ring: both parked sides stay idle', async () => {
    const name = uniqueShmName('storm');
    defer(() => Segment.unlink(name));
    const receiver = peer({ role: 'park-receive', name });
    defer(() => receiver.kill('SIGKILL'));
    await lineFrom(receiver, /^ready$/);
    const stuck = await victim({ name, before: 0 });
    stuck.child.kill('SIGSTOP'); // alive, so its claim must stay: the head is stuck for good
    defer(() => stuck.child.kill('SIGCONT'));
    const sender = peer({ role: 'park-send', name });
    defer(() => sender.kill('SIGKILL'));
    await lineFrom(sender, /^sending$/);
    await new Promise((r) => setTimeout(r, 700)); // the ring fills, both sides park
    const before = [cpuMs(receiver.pid!), cpuMs(sender.pid!)];
    const started = performance.now();
    await new Promise((r) => setTimeout(r, 1500));
    const elapsed = performance.now() - started;
    const used = [cpuMs(receiver.pid!) - before[0], cpuMs(sender.pid!) - before[1]];
    // A storm costs each side about half a core; idle waiting costs next to nothing.
    for (const ms of used) expect(ms / elapsed).toBeLessThan(0.1);
  });
});

describe('soak', () => {
  it('rounds of senders SIGKILLed at random moments: survivors exactly once and in order, the killed an intact prefix', async () => {
    const receiver = createChannel<Value & { pad: string }>(uniqueShmName('soak'), {
      producers: 'multi',
      capacity: 1 << 15, // values of 10 KB go in fragments (max message 4 KiB)
      heartbeatTimeoutMs: 400,
    });
    defer(() => receiver.close());
    // Values cut short by a death are reported, then skipped.
    const reported: string[] = [];
    receiver.on('error', (error: { code?: string }) => reported.push(error.code!));
    const guard = openChannel(receiver.name, { producers: 'multi' });
    const counts = drain(receiver);
    const survivors: number[] = [];
    const killed: number[] = [];
    for (let round = 0; round < 3; round++) {
      // Two claims held, the second behind the first one's holder's later values: the
      // senders' values queue behind both.
      const holders = [
        await victim({ name: receiver.name, before: 10 + round }),
        await victim({ name: receiver.name, before: 20 + round }),
      ];
      const children = [0, 1, 2].map(() =>
        peer({ role: 'soak', name: receiver.name, count: 5000, big: 10_000 }),
      );
      const results = children.map((child) => finished(child, 60_000));
      for (const child of children) defer(() => child.kill('SIGKILL'));
      await Promise.all(children.map((child) => lineFrom(child, /^started$/)));
      // The holders die, and two of the three senders at random moments while sending
      // (maybe inside a claim, maybe between the fragments of a large value).
      for (const holder of holders) holder.child.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, Math.random() * 500));
      children[0].kill('SIGKILL');
      await new Promise((r) => setTimeout(r, Math.random() * 500));
      children[1].kill('SIGKILL');
      const outcome = await Promise.all(results);
      killed.push(children[0].pid!, children[1].pid!, ...holders.map((h) => h.child.pid!));
      if (outcome[2].signal === null) {
        expect(outcome[2].stderr).toBe('');
        survivors.push(children[2].pid!);
      }
    }
    guard.close();
    const next = await counts; // in order per sender, nothing twice (checked as they arrive)
    for (const pid of survivors) expect(next.get(pid)).toBe(5000);
    expect(survivors.length).toBe(3);
    for (const pid of killed) expect(next.get(pid) ?? 0).toBeLessThanOrEqual(5000);
    for (const code of reported) expect(code).toBe('ERR_SHMRING_BAD_FRAME');
  }, 60_000);
});

describe('bounded reassembly', () => {
  it('a first fragment announcing 1 GiB allocates no such buffer; later values arrive', async () => {
    const receiver = createChannel<Value>(uniqueShmName('hostile'), { producers: 'multi' });
    defer(() => receiver.close());
    const hostile = runPeer({ role: 'hostile', name: receiver.name });
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const values: Value[] = [];
    const reported: string[] = [];
    receiver.on('error', (error) => {
      reported.push((error as { reason?: string }).reason ?? error.message);
    });
    for (;;) {
      try {
        values.push(await receiver.receive({ timeoutMs: 20_000 }));
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      } catch (error) {
        expect((error as { code?: string }).code).toBe('ERR_SHMRING_END_OF_STREAM');
        break;
      }
    }
    expect((await hostile).stderr).toBe('');
    expect(values.map((v) => v.seq)).toEqual([0]);
    expect(reported).toEqual(['missing-last-fragment']); // its producer closed midway
    expect(peak - before).toBeLessThan(64 * 2 ** 20);
  });

  it('a message over maxReassemblyBytes is reported and skipped; the stream goes on', async () => {
    const receiver = createChannel<Value>(uniqueShmName('over-limit'), {
      producers: 'multi',
      capacity: 1 << 16,
    });
    defer(() => receiver.close());
    // Reads the ring itself, with a 100 KB limit (the receiver stays attached, idle).
    const values: unknown[] = [];
    const errors: { reason: string; code: string }[] = [];
    const reader = new FrameReader(
      attachRing(receiver.buffer),
      {
        message: (value) => values.push(value),
        error: (error) => errors.push(error as unknown as { reason: string; code: string }),
      },
      { maxReassemblyBytes: 100_000 },
    );
    const child = runPeer({
      role: 'soak',
      name: receiver.name,
      count: 8, // value 3 carries 300 KB, in fragments
      big: 300_000,
    });
    const started = performance.now();
    while (values.length < 7 && performance.now() - started < 20_000) {
      if (reader.read() === 0) await new Promise((r) => setTimeout(r, 1));
    }
    expect((await child).stderr).toBe('');
    expect(values.map((v) => (v as Value).seq)).toEqual([0, 1, 2, 4, 5, 6, 7]);
    expect(errors.map((e) => [e.code, e.reason])).toEqual([
      ['ERR_SHMRING_FRAME_TOO_LARGE', 'too-large'],
    ]);
    expect(reader.reassemblyBytes).toBe(0);
  });
});
