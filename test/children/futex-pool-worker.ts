// Worker thread for test/futex-pool.test.ts: starts 200 async waits on the words of the
// buffer it was given, says so, and stays blocked on them until terminated.
import { parentPort, workerData } from 'node:worker_threads';

import { FutexWaiter } from '../../src/futex/index.js';

const buffer = workerData as SharedArrayBuffer;
const waiters = Array.from({ length: 200 }, () => new FutexWaiter());
waiters.forEach((waiter, i) => void waiter.wait(buffer, (i % 64) * 4, 0).catch(() => {}));
parentPort!.postMessage('waiting');
