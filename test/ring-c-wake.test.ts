// A C producer built from native/include/shmring.h alone wakes a TypeScript receiver that is
// parked in the kernel ('park': no spinning), with shmring_notify (a full fence, then the
// sleeper count, then FUTEX_WAKE and the doorbell's ring), in the blocking and in the async
// receive; and shmring_ring_doorbell alone wakes a sleep on the event loop.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { createChannel } from '../src/channel/index.js';
import { FutexWaiter } from '../src/futex/index.js';
import {
  DATA_AVAILABLE_FUTEX_OFFSET,
  DOORBELL_OFFSET,
  SLEEPING_CONSUMERS_OFFSET,
  createRing,
  ringSegmentSize,
} from '../src/ring/index.js';
import { Segment } from '../src/segment/index.js';
import { EventCount } from '../src/wait/index.js';
import { finished } from './helpers/child.js';
import { useCProgram } from './helpers/c-program.js';
import { useCleanups } from './helpers/cleanup.js';
import { uniqueShmName } from './helpers/names.js';

const defer = useCleanups();
const COUNT = 3;
const GAP_MS = 300;
const cProgram = useCProgram('wake_peer');

function parkedReceiver() {
  // A heartbeat far longer than the test: the receiver's wait never times out to re-check by
  // itself, so only the C side's wake can deliver each message in time.
  const receiver = createChannel<Uint8Array>(uniqueShmName('c-wake'), {
    wait: 'park',
    codec: 'raw',
    heartbeatTimeoutMs: 600_000,
  });
  defer(() => receiver.close({ unlink: true }));
  const child = spawn(cProgram(), [receiver.name, String(COUNT), String(GAP_MS)], {
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
    // The receiver slept: the C side found it announced, and ~0.9 s of waiting cost this
    // process little CPU. receiveSync sleeps in FUTEX_WAIT on this thread, so the C side's
    // FUTEX_WAKE is what woke it. receive() may be woken by the doorbell's ring alone: its
    // sleep is on the event loop first, and a pool wait that the ring ends first has left
    // the futex before FUTEX_WAKE comes (it then wakes nobody).
    const [, asleep, woken] = /asleep (\d+) woke (\d+)/.exec(result.stdout)!.map(Number);
    expect(asleep).toBeGreaterThanOrEqual(1);
    if (how === 'receiveSync') expect(woken).toBeGreaterThanOrEqual(1);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(COUNT * GAP_MS * 0.5);
  });
});

/** A new segment with an SPSC ring, removed after the test. */
function ringSegment(tag: string): Segment {
  const segment = Segment.create(uniqueShmName(tag), ringSegmentSize(4096));
  defer(
    () => Segment.unlink(segment.name),
    () => segment.close(),
  );
  createRing(segment.buffer, { kind: 'spsc', capacity: 4096 });
  return segment;
}

it('shmring_ring_doorbell alone (no futex bump, no wake) ends a sleep on the event loop', async () => {
  const segment = ringSegment('c-ring');
  const event = new EventCount(
    new Int32Array(segment.buffer),
    DATA_AVAILABLE_FUTEX_OFFSET >>> 2,
    SLEEPING_CONSUMERS_OFFSET >>> 2,
    DOORBELL_OFFSET >>> 2,
  );
  const waiter = new FutexWaiter();
  defer(() => waiter.close());
  const sleep = event.sleepAsync(waiter, event.announce(), 30_000);
  const result = await finished(
    spawn(cProgram(), [segment.name, 'ring'], { stdio: 'pipe' }),
    30_000,
  );
  expect(result).toMatchObject({ code: 0, stdout: 'rang\n', stderr: '' });
  expect(await sleep).toBe('ok');
  expect(event.rings).toBe(1);
});

it('shmring_ring_doorbell reports a ring that cannot arrive in the refused word', async () => {
  const segment = ringSegment('c-refused');
  const words = new Int32Array(segment.buffer);
  const at = DOORBELL_OFFSET >>> 2;
  // Armed for a doorbell nobody listens at (as seen from another network namespace).
  words[at] = process.pid;
  words[at + 1] = 0x7ffffff1;
  words[at + 2] = 42;
  const result = await finished(
    spawn(cProgram(), [segment.name, 'ring'], { stdio: 'pipe' }),
    30_000,
  );
  expect(result).toMatchObject({ code: 0, stdout: 'rang\n', stderr: '' });
  expect(words[at + 3]).toBe(1);
});
