// Worker thread for test/segment.test.ts: gets a segment's SharedArrayBuffer by
// postMessage, waits on word 0 through the futex, then writes word 1.
import { parentPort, workerData } from 'node:worker_threads';
import { wait } from '../../src/futex/index.js';

const buffer = workerData as SharedArrayBuffer;
const words = new Int32Array(buffer);
parentPort!.postMessage('ready');
while (Atomics.load(words, 0) === 0) wait(buffer, 0, 0, 5000);
Atomics.store(words, 1, Atomics.load(words, 0) * 2);
parentPort!.postMessage('done');
