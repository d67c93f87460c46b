// A logger client: sends "<pid>: <timestamp> <message>" lines to the logger's channel, typed
// on stdin (one line per message, of any length) or generated with --count.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { openChannel, type Sender } from '../../src/index.js';
import { addressFrom, addressOptions, describe } from './address.js';

const { values } = parseArgs({ options: { ...addressOptions, count: { type: 'string' } } });
const address = addressFrom(values);
const stamp = (message: string): string => `${process.pid}: ${new Date().toISOString()} ${message}`;

let sender: Sender<string>;
try {
  sender = openChannel<string>(address.name, { backing: address.backing });
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  console.error(
    `client: no logger on ${describe(address)}; start one first: npx tsx examples/logger/main.ts`,
  );
  process.exit(1);
}

try {
  if (values.count !== undefined) {
    const count = Number(values.count);
    // send() resolves at once while the ring has room, and waits (without blocking) when it is full.
    for (let i = 1; i <= count; i++) await sender.send(stamp(`message ${i} of ${count}`));
  } else {
    const lines = createInterface({ input: process.stdin, prompt: 'Please type a message: ' });
    const prompt = (): void => {
      if (process.stdin.isTTY) lines.prompt();
    };
    prompt();
    for await (const line of lines) {
      await sender.send(stamp(line));
      prompt();
    }
  }
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
  console.error(`client: the logger on ${describe(address)} has closed`);
  process.exitCode = 1;
} finally {
  sender.close(); // the logger sees this client leave; nothing is left half-sent
}
