// shmring/nats against a real nats-server: several sender processes, a 5 MiB value,
// back-pressure, end of stream, a SIGKILLed sender, and what is not offered over the network.
import type { ChildProcess } from 'node:child_process';

import { afterAll, afterEach, expect, test } from 'vitest';

import { createChannel, openChannel, type NatsReceiver } from '../src/nats/index.js';
import { finished, lineFrom, spawnChild } from './helpers/child.js';
import { uniqueShmName } from './helpers/names.js';
import { describeWithNats, useNatsServer } from './helpers/nats-server.js';
import { isPattern } from './helpers/values.js';

interface Tagged {
  id: string;
  i: number;
}

function expectInOrder(values: Tagged[], ids: string[], count: number): void {
  for (const id of ids)
    expect(values.filter((v) => v.id === id).map((v) => v.i)).toEqual(
      Array.from({ length: count }, (_, i) => i),
    );
  expect(values).toHaveLength(ids.length * count);
}

async function collect<T>(receiver: NatsReceiver<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of receiver) values.push(value);
  return values;
}

describeWithNats('NATS channels against a real nats-server', () => {
  const server = useNatsServer();
  const children: ChildProcess[] = [];
  const receivers: NatsReceiver<unknown>[] = [];

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    // Closing deletes the test's streams (unlink 'on-close', the default).
    for (const receiver of receivers.splice(0)) await receiver.close({ unlink: true });
  });

  async function receiverFor<T>(name: string, options = {}): Promise<NatsReceiver<T>> {
    const receiver = await createChannel<T>(name, { servers: server().url, ...options });
    receivers.push(receiver as NatsReceiver<unknown>);
    return receiver;
  }

  function sender(plan: Record<string, unknown>): ChildProcess {
    const child = spawnChild('nats-sender.ts', [JSON.stringify({ url: server().url, ...plan })]);
    children.push(child);
    return child;
  }

  test('several sender processes into one receiver: in order per sender, ended once all closed', async () => {
    const name = uniqueShmName('nats-mpsc');
    const receiver = await receiverFor<Tagged>(name);
    const ids = ['a', 'b', 'c'];
    const running = ids.map((id) => finished(sender({ name, id, count: 40 })));
    const values = await collect(receiver);
    expectInOrder(values, ids, 40);
    expect(receiver.ended).toBe(true);
    for (const result of await Promise.all(running)) expect(result.code).toBe(0);
  });

  test('a 5 MiB value through a 1 MiB stream arrives whole (fragments over max_payload)', async () => {
    const name = uniqueShmName('nats-big');
    const receiver = await receiverFor<Uint8Array>(name, { capacity: 1 << 20 });
    const running = finished(sender({ name, id: 'big', count: 0, bigBytes: 5 << 20 }));
    const values = await collect(receiver);
    expect(values).toHaveLength(1);
    expect(values[0].byteLength).toBe(5 << 20);
    expect(isPattern(values[0], 7)).toBe(true);
    expect((await running).code).toBe(0);
  });

  test('back-pressure: a full stream makes trySend false and send wait (timeoutMs, signal)', async () => {
    const name = uniqueShmName('nats-full');
    const receiver = await receiverFor<Uint8Array>(name, { capacity: 16 << 10, codec: 'raw' });
    const out = await openChannel<Uint8Array>(name, { servers: server().url, codec: 'raw' });
    let fitted = 0;
    while (await out.trySend(new Uint8Array(1024).fill(fitted))) fitted++;
    expect(fitted).toBeGreaterThan(4);
    expect(fitted).toBeLessThan(16);
    const value = new Uint8Array(1024).fill(fitted);
    await expect(out.send(value, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await expect(out.send(value, { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({
      code: 'ABORT_ERR',
    });
    let sent = false;
    const waiting = out.send(value).then(() => (sent = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sent).toBe(false);
    expect((await receiver.receive())[0]).toBe(0); // room for one more
    await waiting;
    await out.close();
    const rest = await collect(receiver);
    expect(rest.map((bytes) => bytes[0])).toEqual(Array.from({ length: fitted }, (_, i) => i + 1));
  });

  test('end of stream waits for a sender that opened and has not sent; keepOpen never ends', async () => {
    const name = uniqueShmName('nats-end');
    const receiver = await receiverFor<number>(name);
    const first = await openChannel<number>(name, { servers: server().url });
    const idle = await openChannel<number>(name, { servers: server().url });
    await first.send(1);
    await first.close();
    expect(await receiver.receive()).toBe(1);
    await expect(receiver.receive({ timeoutMs: 2500 })).rejects.toMatchObject({
      code: 'ETIMEDOUT',
    });
    expect(receiver.ended).toBe(false);
    await idle.close();
    await expect(receiver.receive({ timeoutMs: 10_000 })).rejects.toMatchObject({
      code: 'ERR_SHMRING_END_OF_STREAM',
    });
    expect(receiver.ended).toBe(true);

    const kept = uniqueShmName('nats-kept');
    const open = await receiverFor<number>(kept, { keepOpen: true });
    const once = await openChannel<number>(kept, { servers: server().url });
    await once.send(2);
    await once.close();
    expect(await open.receive()).toBe(2);
    await expect(open.receive({ timeoutMs: 2500 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  test('a sender SIGKILLed mid-stream: what it sent arrives, then its beats stop and the stream ends', async () => {
    const name = uniqueShmName('nats-killed');
    const receiver = await receiverFor<Tagged>(name);
    const child = sender({
      name,
      id: 'k',
      count: 100_000,
      pauseMs: 5,
      close: false,
      options: { heartbeatMs: 200 },
    });
    await lineFrom(child, /^sent 20$/);
    child.kill('SIGKILL');
    const killedAt = performance.now();
    const values = await collect(receiver);
    expect(performance.now() - killedAt).toBeLessThan(15_000);
    expect(values.length).toBeGreaterThan(20);
    expect(values.map((v) => v.i)).toEqual(values.map((_, i) => i));
  });

  test('events, streams, and what the network does not offer', async () => {
    const name = uniqueShmName('nats-api');
    const receiver = await receiverFor<number>(name);
    await expect(
      openChannel(uniqueShmName('nats-none'), { servers: server().url }),
    ).rejects.toMatchObject({
      code: 'ENOENT',
    });
    const out = await openChannel<number>(name, { servers: server().url });
    expect(() => out.sendSync(1)).toThrow(
      expect.objectContaining({ code: 'ERR_SHMRING_NOT_SUPPORTED' }),
    );
    expect(() => receiver.receiveSync()).toThrow(
      expect.objectContaining({ code: 'ERR_SHMRING_NOT_SUPPORTED' }),
    );
    const writer = out.createWriteStream();
    for (let i = 0; i < 5; i++) writer.write(i);
    writer.end();
    const got: number[] = [];
    await new Promise<void>((resolve, reject) => {
      receiver.on('message', (value: number) => got.push(value));
      receiver.on('end', resolve);
      receiver.on('error', reject);
    });
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(await receiver.tryReceive()).toBeUndefined();

    const piped = uniqueShmName('nats-closed');
    const closing = await createChannel<number>(piped, { servers: server().url });
    const late = await openChannel<number>(piped, { servers: server().url });
    await late.send(1);
    expect(await closing.tryReceive()).toBe(1);
    await closing.close(); // deletes the streams: the sender's next send is refused
    await expect(late.send(2)).rejects.toMatchObject({ code: 'EPIPE' });
    await expect(closing.receive()).rejects.toMatchObject({ code: 'ERR_SHMRING_CLOSED' });
    await late.close();
    await expect(late.send(3)).rejects.toMatchObject({ code: 'ERR_SHMRING_CLOSED' });
  });
});

describeWithNats('NATS server killed with kill -9 mid-stream (file storage)', () => {
  const server = useNatsServer();
  const children: ChildProcess[] = [];

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  test('restarted on the same store: nothing lost, nothing duplicated', async () => {
    const name = uniqueShmName('nats-crash');
    const options = { servers: server().url, unlink: 'never' as const, serverTimeoutMs: 30_000 };
    const receiver = await createChannel<Tagged>(name, { ...options, ackWaitMs: 2000 });
    const count = 300;
    const child = spawnChild('nats-sender.ts', [
      JSON.stringify({ url: server().url, name, id: 's', count, pauseMs: 5, options }),
    ]);
    children.push(child);
    const running = finished(child, 60_000);
    const values: Tagged[] = [];
    for await (const value of receiver) {
      values.push(value);
      if (values.length === 60) {
        await server().kill();
        await new Promise((resolve) => setTimeout(resolve, 500));
        await server().restart();
      }
    }
    expectInOrder(values, ['s'], count);
    expect((await running).code).toBe(0);
    await receiver.close({ unlink: true });
  });

  test('a server gone for longer than serverTimeoutMs: ECONNRESET', async () => {
    const name = uniqueShmName('nats-gone');
    const options = { servers: server().url, serverTimeoutMs: 1000 };
    const receiver = await createChannel<number>(name, options);
    const sender = await openChannel<number>(name, options);
    await server().kill();
    try {
      await expect(sender.send(1)).rejects.toMatchObject({ code: 'ECONNRESET' });
      await expect(receiver.receive()).rejects.toMatchObject({ code: 'ECONNRESET' });
    } finally {
      await server().restart();
      await sender.detach();
      await receiver.close();
    }
  });
});
