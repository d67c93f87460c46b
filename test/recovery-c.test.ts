// Recovery with C peers built from native/include/shmring.h alone: a C producer that never
// registered dies holding a claim and is cleared (the stuck-head timeout), on an MPSC ring and
// on an SPSC ring right after its claim moved the tail, and the C unblock helper clears a
// record exactly as the TypeScript consumer does.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { createChannel, openChannel } from '../src/channel/index.js';
import { attachRing, createRing, ringSegmentSize } from '../src/ring/index.js';
import { Segment } from '../src/segment/index.js';
import { finished, lineFrom } from './helpers/child.js';
import { uniqueShmName } from './helpers/names.js';
import { useCProgram } from './helpers/c-program.js';
import { useCleanups } from './helpers/cleanup.js';

const defer = useCleanups();
const cProgram = useCProgram('recovery');

/**
 * Runs the C program's `mode` on a new channel until it has claimed a record, kills it, and
 * checks that values sent after it all arrive (its claim cleared). Returns the line it printed.
 */
async function dieHoldingAClaim(mode: string, producers: 'single' | 'multi'): Promise<string> {
  const receiver = createChannel<number>(uniqueShmName(`c-${mode}`), {
    producers,
    heartbeatTimeoutMs: 400,
  });
  defer(() => receiver.close());
  const c = spawn(cProgram(), [mode, receiver.name], { stdio: ['ignore', 'pipe', 'pipe'] });
  defer(() => c.kill('SIGKILL'));
  const done = finished(c);
  const line = await lineFrom(c, /^claimed/);
  c.kill('SIGKILL');
  await done;
  const sender = openChannel<number>(receiver.name, { producers });
  defer(() => sender.close());
  for (let i = 0; i < 10; i++) sender.sendSync(i);
  const values: number[] = [];
  for (let i = 0; i < 10; i++) values.push(await receiver.receive({ timeoutMs: 20_000 }));
  expect(values).toEqual([...Array(10).keys()]);
  return line;
}

describe('C peers', () => {
  it('a C producer that never registered dies holding a claim: it is cleared and later values flow', async () => {
    await dieHoldingAClaim('claim-die', 'multi');
  });

  it('a C producer of an SPSC ring dies the instant its claim moved the tail: the record is marked in progress, cleared, and later values flow', async () => {
    const line = await dieHoldingAClaim('spsc-claim-die', 'single');
    // The length word of the record the tail moved over: in progress (negative), never 0.
    expect(line).toMatch(/^claimed -\d+$/);
  });

  it('shmring_unblock clears the uncommitted record at the head, and only that', async () => {
    const name = uniqueShmName('c-unblock');
    const segment = Segment.create(name, ringSegmentSize(4096));
    defer(() => {
      segment.close();
      segment.unlink();
    });
    const ring = createRing(segment.buffer, { kind: 'mpsc', capacity: 4096 });
    ring.tryClaim(1, 40); // left uncommitted: its producer "died"
    ring.write(2, new Uint8Array([7, 7, 7]));
    const unblock = () =>
      finished(spawn(cProgram(), ['unblock', name], { stdio: ['ignore', 'pipe', 'pipe'] }));
    const first = await unblock();
    expect(first.stderr).toBe('');
    expect(first.stdout.trim()).toBe('1');
    const read: number[] = [];
    expect(attachRing(segment.buffer).read((typeId) => read.push(typeId))).toBe(1);
    expect(read).toEqual([2]);
    expect((await unblock()).stdout.trim()).toBe('0'); // nothing left to clear
  });
});
