// `shmring bridge` in real processes, both ways, stopped (SIGTERM) and restarted midway:
// every value arrives once, in order, and the bridge ends with the source's stream.
import { resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';

import { afterEach, expect, test } from 'vitest';

import { createChannel as createLocal, createSender } from '../src/channel/index.js';
import { removeSegment } from '../src/lifecycle/inspect.js';
import { createChannel, openChannel } from '../src/nats/index.js';
import { finished, lineFrom, ROOT, spawnChild } from './helpers/child.js';
import { uniqueShmName } from './helpers/names.js';
import { describeWithNats, useNatsServer } from './helpers/nats-server.js';

interface Tagged {
  id: string;
  i: number;
  pad: string;
}

/** About 1 KiB each, so that a few fill the small stream or ring and hold the bridge back. */
const value = (i: number): Tagged => ({ id: 'v', i, pad: 'x'.repeat(1000) });

const COUNT = 200;
const STOP_AFTER = 50;
const CLI = resolve(ROOT, 'src', 'cli', 'main.ts');

describeWithNats('shmring bridge against a real nats-server', () => {
  const server = useNatsServer();
  const children: ChildProcess[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // already gone
      }
    }
  });

  async function startBridge(local: string, direction: string): Promise<ChildProcess> {
    const child = spawnChild(CLI, ['bridge', local, server().url, direction]);
    children.push(child);
    await lineFrom(child, /^bridging /);
    return child;
  }

  /**
   * SIGTERMs a bridge that is held back by a full destination, keeps receiving (its value in
   * flight must land) until it has exited and nothing more comes, and checks that what
   * arrived is what it says it forwarded.
   */
  async function stopBridge(
    child: ChildProcess,
    receive: (options: { timeoutMs: number }) => Promise<Tagged>,
    got: Tagged[],
  ): Promise<void> {
    const before = got.length;
    let exited = false;
    const exit = finished(child).finally(() => (exited = true));
    child.kill('SIGTERM');
    for (;;) {
      try {
        got.push(await receive({ timeoutMs: 300 }));
      } catch (error) {
        if ((error as { code?: string }).code !== 'ETIMEDOUT') throw error;
        if (exited) break;
      }
    }
    const result = await exit;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`forwarded ${got.length}`);
    expect(got.length).toBeGreaterThanOrEqual(before);
    expect(got.length).toBeLessThan(COUNT); // the restart has work left
  }

  test('local -> NATS: stopped and restarted midway, nothing lost or repeated; ends with the local stream', async () => {
    const local = uniqueShmName('bridge-out');
    const remote = await createChannel<Tagged>(local, {
      servers: server().url,
      keepOpen: true,
      capacity: 16 << 10,
    });
    cleanups.push(() => remote.close({ unlink: true }));
    // Values wait in the ring while no bridge runs.
    const producer = createSender<Tagged>(local, { producers: 'multi', unlink: 'never' });
    cleanups.push(() => removeSegment(local));
    for (let i = 0; i < COUNT; i++) expect(producer.trySend(value(i))).toBe(true);

    const got: Tagged[] = [];
    const first = await startBridge(local, '--to-nats');
    while (got.length < STOP_AFTER) got.push(await remote.receive({ timeoutMs: 20_000 }));
    await stopBridge(first, (o) => remote.receive(o), got);
    const forwarded = got.length;
    expect(forwarded).toBeGreaterThanOrEqual(STOP_AFTER);

    const second = await startBridge(local, '--to-nats');
    while (got.length < COUNT) got.push(await remote.receive({ timeoutMs: 20_000 }));
    expect(got.map((v) => v.i)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    producer.close(); // the local stream ends: so does the bridge
    const result = await finished(second);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`forwarded ${COUNT - forwarded}`);
    await expect(remote.receive({ timeoutMs: 1500 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  test('NATS -> local: stopped and restarted midway, nothing lost or repeated; ends with the NATS stream', async () => {
    const local = uniqueShmName('bridge-in');
    const receiver = createLocal<Tagged>(local, {
      producers: 'multi',
      keepOpen: true,
      capacity: 8192,
    });
    cleanups.push(() => receiver.close());
    const first = await startBridge(local, '--from-nats'); // creates the NATS channel
    cleanups.push(async () =>
      (await createChannel(local, { servers: server().url, unlink: 'never' })).close({
        unlink: true,
      }),
    );
    const sender = await openChannel<Tagged>(local, { servers: server().url });
    for (let i = 0; i < COUNT; i++) await sender.send(value(i));

    const got: Tagged[] = [];
    while (got.length < STOP_AFTER) got.push(await receiver.receive({ timeoutMs: 20_000 }));
    await stopBridge(first, (o) => receiver.receive(o), got);
    const forwarded = got.length;

    const second = await startBridge(local, '--from-nats');
    while (got.length < COUNT) got.push(await receiver.receive({ timeoutMs: 20_000 }));
    expect(got.map((v) => v.i)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    await sender.close(); // the NATS stream ends: so does the bridge
    const result = await finished(second);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`forwarded ${COUNT - forwarded}`);
    expect(receiver.tryReceive()).toBeUndefined();
  });
});
