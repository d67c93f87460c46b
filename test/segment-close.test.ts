// Closing one endpoint never changes what other endpoints of the same mapping see: a
// worker that shares a channel's SharedArrayBuffer keeps working on the shared pages
// after an endpoint in the main thread closed (and took its Segment handle with it).
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';

import { createChannel, createSender } from '../src/channel/index.js';
import { Segment } from '../src/segment/index.js';
import { tsWorker } from './helpers/worker.js';
import { useCleanups } from './helpers/cleanup.js';
import { uniqueShmName } from './helpers/names.js';

const defer = useCleanups();
const WORKER = new URL('./children/shared-close-worker.ts', import.meta.url);

describe('close per endpoint', () => {
  it("a worker's sender sees EPIPE after the main thread's receiver closed", async () => {
    const receiver = createChannel<string>(uniqueShmName('close-rx'));
    defer(() => receiver.close({ unlink: true }));
    const worker = tsWorker(WORKER, {
      workerData: { buffer: receiver.buffer, role: 'sender', timeoutMs: 10_000 },
    });
    defer(() => void worker.terminate());
    expect((await once(worker, 'message'))[0]).toBe('ready');
    receiver.close({ unlink: true });
    worker.postMessage('closed');
    expect((await once(worker, 'message'))[0]).toEqual({ trySend: 'EPIPE', send: 'EPIPE' });
  });

  it("a worker blocked in receiveSync is released when the main thread's last sender closes", async () => {
    const name = uniqueShmName('close-tx');
    const sender = createSender<string>(name);
    defer(
      () => Segment.unlink(name), // a receiver attached by buffer never unlinks
      () => sender.close(),
    );
    const worker = tsWorker(WORKER, {
      workerData: { buffer: sender.buffer, role: 'receiver', timeoutMs: 10_000 },
    });
    defer(() => void worker.terminate());
    expect((await once(worker, 'message'))[0]).toBe('ready');
    sender.sendSync('hello');
    // Let the worker block in its second receiveSync before the sender goes.
    await new Promise((resolve) => setTimeout(resolve, 100));
    sender.close();
    expect((await once(worker, 'message'))[0]).toEqual({
      first: 'hello',
      next: 'ERR_SHMRING_END_OF_STREAM',
    });
  });
});
