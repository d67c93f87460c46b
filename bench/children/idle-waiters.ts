// Peer of lib/idle-waiting.ts: a process holding many channels, each with one pending
// `await receiver.receive()`, created and awaited as a user would (createChannel with the default
// 'adaptive' wait). Control operations (lib/idle-protocol.ts):
//   open OpenArgs    -> null        creates the channels and calls receive() on each
//   cpu              -> CpuReading  CPU time of this process so far
//   woken WokenArgs  -> WokenReply  how those receive() calls ended, once they have
//   close            -> ms          closes every receiver; resolves once all calls have settled
import { createChannel, type Receiver } from '../../src/index.js';
import { processEndpoint, serveControl } from '../lib/control.js';
import {
  monotonicMs,
  type CpuReading,
  type OpenArgs,
  type Outcome,
  type WokenArgs,
  type WokenReply,
} from '../lib/idle-protocol.js';

interface Waiting {
  receiver: Receiver<Uint8Array>;
  /** null while receive() is pending. */
  outcome: Outcome | null;
  settled: Promise<void>;
}

const waiting: Waiting[] = [];

function open({ prefix, channels, capacity }: OpenArgs): void {
  if (waiting.length > 0) throw new Error('already open');
  for (let i = 0; i < channels; i++) {
    const receiver = createChannel<Uint8Array>(`${prefix}-${i}`, { capacity, codec: 'raw' });
    const entry: Waiting = { receiver, outcome: null, settled: Promise.resolve() };
    entry.settled = receiver.receive().then(
      (value) => void (entry.outcome = { value: [...value], atMs: monotonicMs() }),
      (error: unknown) =>
        void (entry.outcome = {
          error: (error as { code?: string }).code ?? String(error),
          atMs: monotonicMs(),
        }),
    );
    waiting.push(entry);
  }
}

async function woken({ indices, timeoutMs }: WokenArgs): Promise<WokenReply> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(indices.map((i) => waiting[i]!.settled)),
    new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
  ]);
  clearTimeout(timer);
  return {
    outcomes: indices.map((i) => waiting[i]!.outcome),
    othersSettled: waiting.filter((w, i) => !indices.includes(i) && w.outcome !== null).length,
  };
}

/** Closes every receiver; the time until every pending receive() has settled, ms. */
async function close(): Promise<number> {
  const started = performance.now();
  for (const w of waiting) w.receiver.close();
  await Promise.all(waiting.map((w) => w.settled));
  const ms = performance.now() - started;
  const wrong = waiting.find(
    (w) => w.outcome !== null && 'error' in w.outcome && w.outcome.error !== 'ERR_SHMRING_CLOSED',
  );
  if (wrong !== undefined)
    throw new Error(`a pending receive() ended with ${JSON.stringify(wrong.outcome)} at close`);
  return ms;
}

serveControl(processEndpoint(), {
  open,
  cpu: (): CpuReading => {
    const { user, system } = process.cpuUsage();
    return { cpuUs: user + system, atMs: performance.now() };
  },
  woken,
  close,
});
process.on('disconnect', () => process.exit(0));
