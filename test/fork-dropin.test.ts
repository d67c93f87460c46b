// shmring's fork() as a drop-in for child_process.fork: the same child script (written for
// Node's IPC, nothing shmring in it) under both, the same behaviour expected. Our versions of
// behaviours Node tests in test/parallel/test-child-process-fork*.js, -send-cb,
// -send-returns-boolean, -send-after-close, -disconnect and -fork-ref*.
import { fork as nodeFork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

import { fork as shmringFork } from '../src/channel/index.js';
import { advancedValues } from './helpers/advanced-values.js';

const CHILD = new URL('./children/node-ipc-child.ts', import.meta.url).pathname;
const CUSTOM_CODEC_CHILD = new URL('./children/fork-custom-codec.ts', import.meta.url).pathname;
const OPTIONS = { execArgv: ['--import', 'tsx'], stdio: 'pipe' as const };

type Forked = ChildProcess;
const children: Forked[] = [];
const forks: Record<string, (args: string[]) => Forked> = {
  node: (args) => track(nodeFork(CHILD, args, { ...OPTIONS, serialization: 'advanced' })),
  shmring: (args) => track(shmringFork(CHILD, args, OPTIONS) as unknown as Forked),
};

function track(child: Forked): Forked {
  children.push(child);
  return child;
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/**
 * The child's exit code and stdout. Not 'close': Node 20 does not emit it for a child whose
 * IPC channel the parent disconnected.
 */
async function finished(child: Forked): Promise<{ code: number | null; stdout: string }> {
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  // Not events.once(child, 'exit'): it would reject on the 'error' events some tests expect.
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const [code] = await Promise.all([exited, once(child.stdout!, 'end')]);
  return { code, stdout };
}

function nextMessage(child: Forked, skip?: (m: unknown) => boolean): Promise<unknown> {
  return new Promise((resolve) => {
    const listener = (message: unknown): void => {
      if (skip?.(message)) return;
      child.off('message', listener);
      resolve(message);
    };
    child.on('message', listener);
  });
}

async function started(
  impl: string,
  args: string[] = [],
): Promise<{ child: Forked; done: ReturnType<typeof finished> }> {
  const child = forks[impl]!(args);
  const ready = nextMessage(child);
  const done = finished(child);
  expect(await ready).toBe('ready');
  return { child, done };
}

describe.each(['node', 'shmring'])(
  '%s fork(), the child written for child_process.fork',
  (impl) => {
    it('is connected from the start; send() returns true and calls back; process.send and process.connected work in the child', async () => {
      const child = forks[impl]!(['one', 'two']);
      expect(child.connected).toBe(true);
      const done = finished(child);
      expect(await nextMessage(child)).toBe('ready');
      let calledBack: Error | null | undefined;
      const echoed = nextMessage(child);
      expect(
        child.send({ cmd: 'echo', value: { a: [1, 'é'] } }, (error) => (calledBack = error)),
      ).toBe(true);
      expect(await echoed).toEqual({ echo: { a: [1, 'é'] } });
      expect(calledBack).toBe(null);
      const info = nextMessage(child, (m) => m === 'probe');
      child.send({ cmd: 'info' });
      expect(await info).toEqual({ connected: true, argv: ['one', 'two'], returned: true });
      child.disconnect();
      const result = await done;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('echo-sent ok');
    });

    it('a burst of sends in one tick calls each callback once, in the order of the sends', async () => {
      const { child, done } = await started(impl);
      const calls: string[] = [];
      const shared = (error: Error | null): void => void calls.push(`shared ${String(error)}`);
      const other = (error: Error | null): void => void calls.push(`other ${String(error)}`);
      const expected: string[] = [];
      for (let i = 0; i < 300; i++) {
        // Runs of one callback, broken by another one and by sends without a callback.
        const callback = i % 100 === 50 ? other : i % 7 === 3 ? undefined : shared;
        child.send({ cmd: 'noop', value: i }, callback);
        if (callback) expected.push(`${callback === other ? 'other' : 'shared'} null`);
      }
      await expect.poll(() => calls.length, { timeout: 10_000 }).toBe(expected.length);
      expect(calls).toEqual(expected);
      child.disconnect();
      expect((await done).code).toBe(0);
    });

    it('refuses undefined (ERR_MISSING_ARGS) and keeps the channel', async () => {
      const { child, done } = await started(impl);
      expect(() => child.send(undefined as never)).toThrow(
        expect.objectContaining({ code: 'ERR_MISSING_ARGS' }),
      );
      expect(child.connected).toBe(true);
      child.disconnect();
      expect((await done).code).toBe(0);
    });

    it("parent's disconnect(): 'disconnect' on both ends, the idle child exits by itself, a second disconnect is an ERR_IPC_DISCONNECTED error", async () => {
      const { child, done } = await started(impl);
      const disconnected = once(child, 'disconnect');
      child.disconnect();
      expect(child.connected).toBe(false);
      await disconnected;
      const errors: Error[] = [];
      child.on('error', (error) => errors.push(error));
      child.disconnect();
      const result = await done;
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/disconnect connected=false\nexit 0/);
      expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['ERR_IPC_DISCONNECTED']);
    });

    it("child's process.disconnect(): 'disconnect' on both ends, the child exits by itself", async () => {
      const { child, done } = await started(impl);
      const disconnected = once(child, 'disconnect');
      child.send({ cmd: 'disconnect' });
      await disconnected;
      expect(child.connected).toBe(false);
      const result = await done;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('after-disconnect connected=false');
      expect(result.stdout).toContain('disconnect connected=false');
    });

    it('a child that stops listening for messages exits by itself (the channel does not hold it open)', async () => {
      const { child, done } = await started(impl);
      child.send({ cmd: 'stop-listening' });
      // Its 'disconnect' listener still holds the channel under Node; so it does here: the child
      // leaves once the parent lets go.
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.disconnect();
      const result = await done;
      expect(result.code).toBe(0);
    });

    it('after the child exits: send() returns false, with ERR_IPC_CHANNEL_CLOSED to the callback, or as an error event', async () => {
      const { child, done } = await started(impl);
      child.disconnect();
      await done;
      let callbackError: Error | null | undefined;
      expect(child.send('late', (error) => (callbackError = error))).toBe(false);
      const errorEvent = once(child, 'error');
      expect(child.send('late too')).toBe(false);
      const [error] = (await errorEvent) as [Error & { code?: string }];
      expect(error.code).toBe('ERR_IPC_CHANNEL_CLOSED');
      expect((callbackError as { code?: string }).code).toBe('ERR_IPC_CHANNEL_CLOSED');
    });

    it("carries what 'advanced' serialization keeps, both ways", async () => {
      const { child, done } = await started(impl);
      for (const value of advancedValues()) {
        if (value === undefined) continue; // a top-level undefined is refused by both
        const echoed = nextMessage(child);
        child.send({ cmd: 'echo', value });
        const { echo } = (await echoed) as { echo: unknown };
        if (value instanceof Error) {
          expect(echo).toBeInstanceOf(Error);
          expect((echo as Error).message).toBe(value.message);
          // Node's 'advanced' keeps the name of the built-in classes only; shmring keeps any.
          if (value.name !== 'CustomError') expect((echo as Error).name).toBe(value.name);
          expect((echo as Error).cause).toEqual(value.cause);
        } else expect(echo).toEqual(value);
      }
      child.disconnect();
      expect((await done).code).toBe(0);
    });
  },
);

describe('shmring fork() only', () => {
  it('a value that cannot be encoded throws from send() and nothing is sent', async () => {
    const { child, done } = await started('shmring');
    expect(() => child.send({ f: () => 1 })).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_SHMRING_UNENCODABLE' }),
    );
    const echoed = nextMessage(child);
    child.send({ cmd: 'echo', value: 'next' });
    expect(await echoed).toEqual({ echo: 'next' });
    child.disconnect();
    expect((await done).code).toBe(0);
  });

  it('disconnect() from inside a message handler does not crash, and a full ring is waited on in order', async () => {
    const child = shmringFork(CHILD, [], { ...OPTIONS, capacity: 4096 });
    const done = finished(track(child as unknown as ChildProcess));
    const got: unknown[] = [];
    const all = new Promise<void>((resolve) =>
      child.on('message', (message) => {
        got.push(message);
        if (got.length === 201) {
          child.disconnect(); // from within the handler: used to throw ERR_SHMRING_CLOSED
          resolve();
        }
      }),
    );
    let returnedFalse = 0;
    for (let i = 0; i < 200; i++)
      if (!child.send({ cmd: 'echo', value: 'x'.repeat(200) + i })) returnedFalse++;
    await all;
    expect(returnedFalse).toBeGreaterThan(0); // a 4 KiB ring fills up
    expect(got.slice(1)).toEqual(
      Array.from({ length: 200 }, (_, i) => ({ echo: 'x'.repeat(200) + i })),
    );
    expect((await done).code).toBe(0);
  });

  it('a user codec travels to the child, which opens the channel with parentChannel({ codec })', async () => {
    const json = {
      name: 'json',
      encode: (value: unknown) => Buffer.from(JSON.stringify(value)),
      decode: (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString()) as unknown,
    };
    const child = shmringFork(CUSTOM_CODEC_CHILD, [], { ...OPTIONS, codec: json });
    const done = finished(track(child as unknown as ChildProcess));
    const echoed = nextMessage(child as unknown as ChildProcess);
    child.send({ a: 1 });
    expect(await echoed).toEqual({ echo: { a: 1 }, processSend: 'undefined' });
    child.disconnect();
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('disconnect');
  });

  it("refuses to send a handle, and takes Node's (message, handle, options, callback) forms", async () => {
    const { child, done } = await started('shmring');
    expect(() => child.send({ cmd: 'echo', value: 1 }, createServer())).toThrow(
      expect.objectContaining({ code: 'ERR_SHMRING_UNSUPPORTED' }),
    );
    const echoes = new Promise<unknown[]>((resolve) => {
      const got: unknown[] = [];
      child.on('message', (message) => got.push(message) === 2 && resolve(got));
    });
    const calledBack = [
      new Promise((resolve) => child.send({ cmd: 'echo', value: 2 }, undefined, {}, resolve)),
      new Promise((resolve) => child.send({ cmd: 'echo', value: 3 }, undefined, resolve)),
    ];
    expect(await Promise.all(calledBack)).toEqual([null, null]);
    expect(await echoes).toEqual([{ echo: 2 }, { echo: 3 }]);
    child.disconnect();
    expect((await done).code).toBe(0);
  });

  it('rejects unknown and mistyped options', () => {
    expect(() => shmringFork(CHILD, [], { capacty: 4096 } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_SHMRING_UNKNOWN_OPTION',
        message: expect.stringContaining('"capacty"'),
      }),
    );
    expect(() => shmringFork(CHILD, [], { wait: 1 } as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });
});
