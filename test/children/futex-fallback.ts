// Async waits on the pool's fallback path (SHMRING_FUTEX_WAITV=0 in the environment: one
// thread per pending wait, as on kernels before 5.16): `node futex-fallback.ts <shm name>`.
// Prints what each kind of ending gave, as JSON.
import { readdirSync } from 'node:fs';

import { FutexWaiter } from '../../src/futex/index.js';
import { Segment } from '../../src/segment/index.js';

const segment = Segment.open(process.argv[2]);
const words = new Int32Array(segment.buffer);
const codeOf = (error: { code?: string }): string => error.code ?? String(error);
const threads = (): number => readdirSync('/proc/self/task').length;
const baseline = threads();

const [timedOut, woken, aborted, closed] = Array.from({ length: 4 }, () => new FutexWaiter());
const timeout = timedOut.wait(segment.buffer, 0, 0, { timeoutMs: 50 });
const wake = woken.wait(segment.buffer, 4, 0);
const controller = new AbortController();
const abort = aborted.wait(segment.buffer, 8, 0, { signal: controller.signal }).catch(codeOf);
const close = closed.wait(segment.buffer, 12, 0).catch(codeOf);
await new Promise((resolve) => setTimeout(resolve, 100));
const threadsAdded = threads() - baseline;
const started = performance.now();
Atomics.store(words, 1, 1);
const { wake: wakeWord } = await import('../../src/futex/index.js');
wakeWord(segment.buffer, 4);
controller.abort();
closed.close();
const results = await Promise.all([timeout, wake, abort, close]);
console.log(JSON.stringify({ results, threadsAdded, prompt: performance.now() - started < 1000 }));
[timedOut, woken, aborted].forEach((waiter) => waiter.close());
segment.close();
