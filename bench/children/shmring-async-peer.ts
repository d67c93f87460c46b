// Peer of transports/shmring-async.ts: opens the two channels it is told to (control op `open`),
// then takes every value with `for await (const v of receiver)` or a 'message' listener, and
// counts and hashes it (lib/receiver.ts) or echoes it back with `await sender.send(v)`.
import { openChannel, openReceiver, type Sender } from '../../src/index.js';
import { processEndpoint } from '../lib/control.js';
import { Receiver as Tally, serveReceiver } from '../lib/receiver.js';
import { channelOptions } from '../transports/shmring-sync.js';
import type { AsyncPeerParams } from '../transports/shmring-async.js';

const tally = new Tally();

function fail(error: unknown): never {
  process.stderr.write(
    `shmring-async-peer: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
}

/** Counts a value, unless it is to be echoed: then resolves once the echo is sent. */
function take(sender: Sender<unknown>, value: unknown): Promise<void> | undefined {
  if (tally.echoing) return sender.send(value).then(() => tally.echoedOne());
  if (value instanceof Uint8Array) tally.raw(value, 0, value.length);
  else tally.object(() => value);
  return undefined;
}

function open({ style, codec, wait, ping, pong }: AsyncPeerParams): void {
  const options = channelOptions(codec, wait);
  const receiver = openReceiver<unknown>(ping, options);
  const sender = openChannel<unknown>(pong, options);
  if (style === 'message') {
    receiver.on('message', (value) => {
      take(sender, value)?.catch(fail);
    });
    receiver.on('error', fail);
  } else {
    void (async () => {
      for await (const value of receiver) {
        // Awaited only when echoing: a counting loop is the bare `for await` a user writes.
        const echoed = take(sender, value);
        if (echoed !== undefined) await echoed;
      }
    })().catch(fail);
  }
}

serveReceiver(processEndpoint(), tally, { open });
process.on('disconnect', () => process.exit(0));
