// Worker for test/doorbell.test.ts: an async sleep on the event (in workerData's buffer) that
// arms this worker's doorbell, then 'waiting'; the test terminates the worker mid-sleep, or
// wakes it ('woke <result>' then exit).
import { parentPort, workerData } from 'node:worker_threads';

import { FutexWaiter } from '../../src/futex/index.js';
import { EventCount } from '../../src/wait/index.js';

const { buffer, sequence, sleepers, doorbell } = workerData as {
  buffer: SharedArrayBuffer;
  sequence: number;
  sleepers: number;
  doorbell: number;
};
const event = new EventCount(new Int32Array(buffer), sequence, sleepers, doorbell);
const waiter = new FutexWaiter();
const sleep = event.sleepAsync(waiter, event.announce(), 60_000);
parentPort!.postMessage('waiting');
const result = await sleep;
waiter.close();
parentPort!.postMessage(`woke ${result} rings ${event.rings}`);
