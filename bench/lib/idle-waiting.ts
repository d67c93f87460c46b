// What waiting costs when nothing arrives: a peer process (children/idle-waiters.ts) holds many
// channels, each with one pending `await receiver.receive()`. Once they all wait and their spin is
// over, this process reads the peer's native threads from /proc while the peer's CPU time is
// measured (process.cpuUsage() at both ends of the stretch: getrusage, every thread, µs).
// Then it sends one value to a few channels through the public calls: each of those receive()
// calls must resolve with its own value and the others must keep waiting, or the measurement
// fails. Every segment name is removed at the end, whatever happened.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { openChannel, type Sender } from '../../src/index.js';
import {
  monotonicMs,
  type CpuReading,
  type OpenArgs,
  type WokenArgs,
  type WokenReply,
} from './idle-protocol.js';
import { forkPeer } from './peer-process.js';
import { withTimeout } from './runner.js';
import type { IdleWaiting } from './schema.js';
import { segmentName, trackSegment, unlinkSegment } from './shmring-segments.js';

export interface IdleSettings {
  channels: number;
  /** Ring bytes of each channel. */
  capacity: number;
  /**
   * Wait after the last receive() call before measuring: the set-up's own costs must be over
   * (the 'adaptive' spin; each wait's move from the doorbell alone to the futex pool after
   * 50 ms; the compiler optimizing the heartbeat code over its first runs, one a second; the
   * collector's first pass over the set-up's objects). On this project's 2-vCPU VM they come
   * within 3 s: 1000 channels cost 9 ms in each of the first two seconds' heartbeat runs, and
   * a 6-15 ms scavenge half a second after the set-up.
   */
  settleMs: number;
  /** The stretch of idleness measured. */
  idleSec: number;
  /** Channels sent one value each, spread over all of them. */
  woken: number;
  /** How often the thread count is read while idle. */
  sampleMs: number;
  /** A step (opening, a wake-up, closing) taking longer than this fails the measurement. */
  stepTimeoutSec: number;
}

export const IDLE_FULL: IdleSettings = {
  channels: 1000,
  capacity: 64 << 10,
  settleMs: 3000,
  idleSec: 4,
  woken: 4,
  sampleMs: 100,
  stepTimeoutSec: 30,
};

export const IDLE_QUICK: IdleSettings = { ...IDLE_FULL, idleSec: 1 };

/** The `Threads:` line of /proc/<pid>/status. */
function threadsOf(pid: number): number {
  const match = /^Threads:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no Threads: line in /proc/${pid}/status`);
  return Number(match[1]);
}

/** `count` indices spread evenly over 0 .. n-1, both ends included. */
function spreadIndices(n: number, count: number): number[] {
  if (count <= 1) return [0];
  return [
    ...new Set(Array.from({ length: count }, (_, k) => Math.round((k * (n - 1)) / (count - 1)))),
  ];
}

/** The value sent to channel `index`: its index, so a value woken on the wrong channel shows. */
function valueFor(index: number): Uint8Array {
  const value = new Uint8Array(8);
  new DataView(value.buffer).setUint32(0, index, true);
  new DataView(value.buffer).setUint32(4, 0x1d1e ^ index, true);
  return value;
}

/** Runs the measurement; rejects if any step fails or times out, or `signal` aborts it. */
export async function measureIdleWaiting(
  settings: IdleSettings,
  runId: string,
  signal: AbortSignal,
): Promise<IdleWaiting> {
  const prefix = segmentName(runId, 'idle');
  const names = Array.from({ length: settings.channels }, (_, i) => trackSegment(`${prefix}-${i}`));
  const peer = forkPeer('idle-waiters');
  const stop = (): void => void peer.stop();
  signal.addEventListener('abort', stop, { once: true });
  const senders: Sender<Uint8Array>[] = [];
  const step = <T>(what: string, promise: Promise<T>): Promise<T> =>
    withTimeout(promise, settings.stepTimeoutSec, what);
  try {
    await step('starting the peer', peer.control.ready);
    signal.throwIfAborted();
    const threadsBefore = threadsOf(peer.child.pid!);
    await step(
      `opening ${settings.channels} channels`,
      peer.control.call('open', {
        prefix,
        channels: settings.channels,
        capacity: settings.capacity,
      } satisfies OpenArgs),
    );
    await sleep(settings.settleMs, undefined, { signal });

    const cpu = (): Promise<CpuReading> => step('reading the CPU time', peer.control.call('cpu'));
    let threads = threadsOf(peer.child.pid!);
    const first = await cpu();
    const until = performance.now() + settings.idleSec * 1000;
    while (performance.now() < until) {
      await sleep(Math.min(settings.sampleMs, until - performance.now()), undefined, { signal });
      threads = Math.max(threads, threadsOf(peer.child.pid!));
    }
    const last = await cpu();
    const idleSec = (last.atMs - first.atMs) / 1000;
    const cpuMs = (last.cpuUs - first.cpuUs) / 1000;

    const indices = spreadIndices(settings.channels, settings.woken);
    const sentAtMs: number[] = [];
    for (const i of indices) {
      const sender = openChannel<Uint8Array>(names[i]!, { codec: 'raw' });
      senders.push(sender);
      sentAtMs.push(monotonicMs());
      await step('sending', sender.send(valueFor(i)));
    }
    const { outcomes, othersSettled } = await step(
      'waking',
      peer.control.call<WokenReply>('woken', {
        indices,
        timeoutMs: settings.stepTimeoutSec * 500,
      } satisfies WokenArgs),
    );
    let wakeMs = 0;
    outcomes.forEach((outcome, k) => {
      const expected = [...valueFor(indices[k]!)];
      if (outcome === null)
        throw new Error(`channel ${indices[k]} was sent a value; its receive() did not wake`);
      if (!('value' in outcome) || outcome.value.join() !== expected.join())
        throw new Error(
          `channel ${indices[k]}: receive() ended with ${JSON.stringify(outcome)}, not its value ${JSON.stringify(expected)}`,
        );
      wakeMs = Math.max(wakeMs, outcome.atMs - sentAtMs[k]!);
    });
    if (othersSettled > 0)
      throw new Error(
        `${othersSettled} receive() calls on channels sent nothing ended before close`,
      );
    for (const sender of senders.splice(0)) sender.close();
    const closeMs = await step('closing', peer.control.call<number>('close'));
    return {
      channels: settings.channels,
      threadsBefore,
      threads,
      idleSec,
      cpuMs,
      cpuPercent: (cpuMs / (idleSec * 1000)) * 100,
      woken: indices.length,
      wakeMs,
      closeMs,
    };
  } finally {
    signal.removeEventListener('abort', stop);
    for (const sender of senders) sender.close();
    await peer.stop();
    for (const name of names) unlinkSegment(name);
  }
}
