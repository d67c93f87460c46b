// The logger: one process owns an MPSC channel and appends every line its clients send to a
// log file, in arrival order. Shared by examples/logger and examples/sysv (only the backing
// of the segment differs).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { createChannel, type Receiver } from '../../src/index.js';
import { addressArgs, addressFrom, addressOptions, describe, type Address } from './address.js';

const CLIENT = fileURLToPath(new URL('./client.ts', import.meta.url));

export interface LoggerOptions {
  address: Address;
  /** The log file, opened for appending. */
  log: string;
  /** Client processes to start, each sending `count` lines; 0: serve until Ctrl-C. */
  clients: number;
  count: number;
  /** Ring bytes. Lines longer than the ring still go through (in fragments). */
  capacity: number;
}

const USAGE = `Usage: main.ts [--channel /NAME | --sysv KEY] [--log FILE] [--clients N --count M] [--capacity BYTES]

Without --clients the logger serves until Ctrl-C (or SIGTERM); start clients with
  npx tsx examples/logger/client.ts [--channel /NAME | --sysv KEY] [--count M]
With --clients it starts N clients that send M lines each, and exits once they are done.`;

/** Parses the command line and runs the logger; resolves to the exit code. */
export async function loggerMain(
  argv: string[],
  defaults: { sysv?: string } = {},
): Promise<number> {
  let options: LoggerOptions;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...addressOptions,
        log: { type: 'string', default: '/tmp/shmring-example.log' },
        clients: { type: 'string', default: '0' },
        count: { type: 'string', default: '1000' },
        capacity: { type: 'string', default: String(64 * 1024) },
      },
    });
    options = {
      address: addressFrom({ ...defaults, ...values }),
      log: values.log,
      clients: count('--clients', values.clients),
      count: count('--count', values.count),
      capacity: count('--capacity', values.capacity),
    };
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  return runLogger(options);
}

function count(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${flag} wants a whole number, not '${text}'`);
  return value;
}

/** Runs the logger until its clients are done (or a signal); resolves to the exit code. */
export async function runLogger(options: LoggerOptions): Promise<number> {
  const { address } = options;
  let receiver: Receiver<string>;
  try {
    // keepOpen: clients come and go; the last one closing must not end the logger's stream.
    receiver = createChannel<string>(address.name, {
      backing: address.backing,
      producers: 'multi',
      capacity: options.capacity,
      keepOpen: true,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    console.error(
      `logger: ${describe(address)} exists: another logger runs there, or one was killed (see shmring ls; shmring rm ${describe(address)})`,
    );
    return 1;
  }
  const stop = new AbortController();
  const clients: ChildProcess[] = [];
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`logger: ${signal}: closing ${describe(address)}`);
    stop.abort();
    for (const client of clients) client.kill(signal);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  receiver.on('error', (error: Error) =>
    console.error(`logger: a damaged message was dropped: ${error.message}`),
  );
  let failedClients = 0;
  let log: number | undefined;
  try {
    log = openSync(options.log, 'a');
    console.log(
      `logger: pid ${process.pid} listening on ${describe(address)}, appending to ${options.log}`,
    );
    if (options.clients > 0) {
      for (let i = 0; i < options.clients; i++) clients.push(startClient(address, options.count));
      // Once every client has exited (so all they sent is in the ring), drain and stop.
      void Promise.all(clients.map((client) => exitCode(client, stop.signal))).then((codes) => {
        failedClients = codes.filter((code) => code !== 0).length;
        stop.abort();
      });
    }
    const lines = await appendAll(receiver, log, stop.signal);
    console.log(`logger: ${lines} lines appended to ${options.log}`);
  } finally {
    receiver.close(); // removes the segment's name (shm_unlink, or IPC_RMID for System V)
    if (log !== undefined) closeSync(log);
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
  if (failedClients > 0) console.error(`logger: ${failedClients} client(s) failed`);
  return failedClients > 0 ? 1 : 0;
}

// Appends lines as they arrive until `signal` aborts (a signal, or the last client done);
// returns how many.
// Each wake-up writes everything already waiting in one append.
async function appendAll(
  receiver: Receiver<string>,
  log: number,
  signal: AbortSignal,
): Promise<number> {
  let lines = 0;
  const append = (batch: string[]): void => {
    for (let line = receiver.tryReceive(); line !== undefined; line = receiver.tryReceive())
      batch.push(line);
    if (batch.length > 0) appendFileSync(log, `${batch.join('\n')}\n`);
    lines += batch.length;
  };
  for (;;) {
    let first: string;
    try {
      first = await receiver.receive({ signal });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ABORT_ERR') throw error;
      append([]); // stopped: what clients already sent still reaches the log
      return lines;
    }
    append([first]);
  }
}

function startClient(address: Address, count: number): ChildProcess {
  // execArgv carries the TypeScript loader (tsx) to the client.
  return spawn(
    process.execPath,
    [...process.execArgv, CLIENT, ...addressArgs(address), '--count', String(count)],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
}

async function exitCode(child: ChildProcess, stopped: AbortSignal): Promise<number> {
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0 && !stopped.aborted)
    console.error(`logger: client ${child.pid} exited with ${signal ?? `code ${code}`}`);
  return code ?? 1;
}
