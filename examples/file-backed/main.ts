// A job that survives every process exiting: count the primes below N, chunk by chunk,
// logging progress into a channel on a regular file. Stop it at any time (Ctrl-C, kill -9,
// --stop-after); the next run reads the log and picks up where the last one stopped.
//   npx tsx examples/file-backed/main.ts [--file PATH] [--below N] [--chunk-size N] [--stop-after K]
import { existsSync, renameSync, rmSync } from 'node:fs';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { createSender, openReceiver, type ShmringError } from '../../src/index.js';

/** One log record: the whole progress so far (so the last record is all a reader needs). */
interface Progress {
  below: number;
  chunkSize: number;
  /** Chunks [0, done) are counted. */
  done: number;
  primes: number;
}

const { values } = parseArgs({
  options: {
    file: { type: 'string', default: '/tmp/shmring-primes.ring' },
    below: { type: 'string', default: '20000000' },
    'chunk-size': { type: 'string', default: '1000000' },
    'stop-after': { type: 'string' },
  },
});
const path = values.file;
const below = Number(values.below);
const chunkSize = Number(values['chunk-size']);
const stopAfter = values['stop-after'] === undefined ? Infinity : Number(values['stop-after']);
const chunks = Math.ceil(below / chunkSize);

// 1. Read the log the last run left, if any: its last record is where we start.
let progress: Progress = { below, chunkSize, done: 0, primes: 0 };
if (existsSync(path)) {
  const log = openReceiver<Progress>(path, { backing: 'file' });
  try {
    // The stream ends once its writer closed, or was found dead (killed) and closed for it.
    for (;;) progress = await log.receive({ timeoutMs: 5000 });
  } catch (error) {
    const code = (error as ShmringError).code;
    if (code === 'ETIMEDOUT')
      throw new Error(`${path} is still being written: is another run going on?`, {
        cause: error,
      });
    if (code !== 'ERR_SHMRING_END_OF_STREAM') throw error;
  } finally {
    log.close();
  }
  if (progress.below !== below || progress.chunkSize !== chunkSize) {
    console.error(
      `${path} holds a job with --below ${progress.below} --chunk-size ${progress.chunkSize}; finish it or delete the file`,
    );
    process.exit(1);
  }
  console.log(
    `resuming from ${path}: ${progress.done} of ${chunks} chunks done, ${progress.primes} primes so far`,
  );
}

if (progress.done < chunks) {
  // 2. Start a new log holding that progress. A channel's stream ends for good when its last
  // sender closes, so each run writes a fresh one, and renames it over the old one only once
  // it holds the checkpoint: a run killed at any point leaves a complete log behind.
  const next = `${path}.new`;
  rmSync(next, { force: true }); // from a run killed before its rename
  // unlink 'never': the file stays when this process exits. 64 KiB holds ~3000 records.
  const out = createSender<Progress>(next, {
    backing: 'file',
    unlink: 'never',
    capacity: 64 * 1024,
  });
  out.sendSync(progress);
  renameSync(next, path);

  let stopped = false;
  const stop = (): void => void (stopped = true);
  process.on('SIGINT', stop).on('SIGTERM', stop);
  try {
    // 3. Work, logging progress after every chunk.
    for (let run = 0; progress.done < chunks && run < stopAfter && !stopped; run++) {
      const from = progress.done * chunkSize;
      progress = {
        ...progress,
        done: progress.done + 1,
        primes: progress.primes + countPrimes(from, Math.min(from + chunkSize, below)),
      };
      out.sendSync(progress);
      console.log(
        `chunk ${progress.done}/${chunks} done: ${progress.primes} primes below ${Math.min(progress.done * chunkSize, below)}`,
      );
      await yieldToEvents(); // lets a Ctrl-C in between chunks
    }
  } finally {
    out.close();
  }
}

if (progress.done < chunks) {
  console.log(
    `stopped after ${progress.done} of ${chunks} chunks; run again to continue (the log is ${path})`,
  );
} else {
  console.log(`there are ${progress.primes} primes below ${below}`);
  rmSync(path); // the job is finished: nothing to pick up any more
}

function countPrimes(from: number, to: number): number {
  let count = 0;
  for (let n = from; n < to; n++) if (isPrime(n)) count++;
  return count;
}

function isPrime(n: number): boolean {
  if (n < 4) return n >= 2;
  if (n % 2 === 0) return false;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}
