// Raw ring throughput between two Node processes: a producer process writes fixed-size
// messages as fast as the ring takes them, a consumer process reads them (without touching
// the payload), both spinning. Run as a script for the table (`tsx bench/ring-throughput.ts
// [durationMs]`), or import runRingThroughput for other benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { createRing, ringSegmentSize, type RingKind } from '../src/ring/index.js';
import { Segment } from '../src/segment/index.js';

export interface RingThroughputOptions {
  kind: RingKind;
  /** Payload bytes per message (0 .. capacity / 8). */
  size: number;
  /** How long the producer writes (default 2000 ms). */
  durationMs?: number;
  /** Ring data capacity (default: 1 MiB, or 16 messages for large ones). */
  capacity?: number;
  /**
   * Rounds of local work the consumer spins after a read of fewer than 16 messages (default
   * 200, a few hundred ns); 0 polls flat out. See bench/children/ring-consumer.ts.
   */
  consumerPause?: number;
}

export interface RingThroughputResult {
  msgs: number;
  bytes: number;
  seconds: number;
}

const CHILDREN = new URL('./children/', import.meta.url);
let runs = 0;

function child(script: string, args: string[]): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL(script, CHILDREN)), ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
}

/** Resolves with the child's stdout lines as they come; rejects if it exits non-zero. */
function lines(proc: ChildProcess): { next: () => Promise<string>; done: Promise<void> } {
  const queue: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  let buffered = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else queue.push(line);
    }
  });
  const done = new Promise<void>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`ring bench child exited with ${code ?? signal}`)),
    );
  });
  const next = (): Promise<string> =>
    queue.length > 0
      ? Promise.resolve(queue.shift()!)
      : Promise.race([
          new Promise<string>((resolve) => waiting.push(resolve)),
          done.then(() => Promise.reject(new Error('ring bench child exited early'))),
        ]);
  return { next, done };
}

function defaultCapacity(size: number): number {
  let capacity = 1 << 20;
  while (capacity / 8 < size || capacity < 16 * (size + 8)) capacity *= 2;
  return capacity;
}

/** Measures one kind and message size; the ring lives in a POSIX shm segment removed afterwards. */
export async function runRingThroughput(
  options: RingThroughputOptions,
): Promise<RingThroughputResult> {
  const { kind, size, durationMs = 2000 } = options;
  const capacity = options.capacity ?? defaultCapacity(size);
  const name = `/shmring-bench-${process.pid}-${++runs}`;
  const segment = Segment.create(name, ringSegmentSize(capacity));
  const procs: ChildProcess[] = [];
  try {
    createRing(segment.buffer, { kind, capacity });
    const consumerProc = child('ring-consumer.ts', [name, String(options.consumerPause ?? 200)]);
    procs.push(consumerProc);
    const consumer = lines(consumerProc);
    if ((await consumer.next()) !== 'ready') throw new Error('ring bench consumer did not start');
    const producerProc = child('ring-producer.ts', [name, String(size), String(durationMs)]);
    procs.push(producerProc);
    const producer = lines(producerProc);
    const sent = JSON.parse(await producer.next()) as { msgs: number };
    const received = JSON.parse(await consumer.next()) as RingThroughputResult;
    await Promise.all([producer.done, consumer.done]);
    if (received.msgs !== sent.msgs)
      throw new Error(`sent ${sent.msgs} messages, received ${received.msgs}`);
    return received;
  } finally {
    for (const proc of procs) if (proc.exitCode === null) proc.kill();
    segment.close();
    segment.unlink();
  }
}

function formatRate(value: number): string {
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)} M` : `${(value / 1e3).toFixed(1)} k`;
}

async function main(): Promise<void> {
  const durationMs = Number(process.argv[2] ?? 2000);
  const rows: Array<Record<string, string>> = [];
  const cases: Array<[RingKind, number, number?]> = [
    16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
  ].map((size) => ['spsc', size]);
  cases.push(['spsc', 16, 0], ['mpsc', 16], ['mpsc', 256], ['mpsc', 4096], ['mpsc', 65536]);
  for (const [kind, size, consumerPause] of cases) {
    const { msgs, bytes, seconds } = await runRingThroughput({
      kind,
      size,
      durationMs,
      consumerPause,
    });
    const row = {
      kind,
      size: String(size),
      consumer: consumerPause === 0 ? 'spin' : 'backoff',
      'msgs/s': formatRate(msgs / seconds),
      'GB/s': (bytes / seconds / 1e9).toFixed(2),
    };
    rows.push(row);
    console.log(Object.values(row).join(' '));
  }
  console.table(rows);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
