// Peer of transports/shmring-batch.ts: opens the two channels it is told to (control op `open`),
// then takes every value with `for await (const batch of receiver.batches())` ('batch') or
// `await receiver.receiveRecords(view)` ('batch-records', 'zero-copy'), and counts and hashes it
// (lib/receiver.ts) or echoes it back the way the parent sends.
import { openChannel, openReceiver, type Receiver, type Sender } from '../../src/index.js';
import { SEND_TIMEOUT } from '../lib/channel-calls.js';
import { processEndpoint } from '../lib/control.js';
import { Receiver as Tally, serveReceiver } from '../lib/receiver.js';
import { channelOptions } from '../transports/shmring-sync.js';
import type { BatchPeerParams } from '../transports/shmring-batch.js';

const tally = new Tally();

function fail(error: unknown): never {
  process.stderr.write(
    `shmring-batch-peer: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
}

async function takeBatches(receiver: Receiver<unknown>, sender: Sender<unknown>): Promise<void> {
  for await (const batch of receiver.batches()) {
    for (const value of batch) {
      if (tally.echoing) {
        if (!sender.trySend(value)) await sender.send(value);
        tally.echoedOne();
      } else if (value instanceof Uint8Array) tally.raw(value, 0, value.length);
      else tally.object(() => value);
    }
  }
}

async function takeRecords(receiver: Receiver<unknown>, sender: Sender<unknown>): Promise<void> {
  const view = (bytes: Uint8Array, offset: number, length: number): void => {
    if (!tally.echoing) return tally.raw(bytes, offset, length);
    let index = sender.tryClaim(length);
    if (index < 0) index = sender.claimSync(length, SEND_TIMEOUT);
    sender.bytes.set(bytes.subarray(offset, offset + length), index);
    sender.commit(index);
    tally.echoedOne();
  };
  for (;;) {
    try {
      await receiver.receiveRecords(view);
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_SHMRING_END_OF_STREAM') return;
      throw error;
    }
  }
}

function open({ style, codec, wait, ping, pong }: BatchPeerParams): void {
  const options = channelOptions(codec, wait);
  const receiver = openReceiver<unknown>(ping, options);
  const sender = openChannel<unknown>(pong, options);
  (style === 'batch' ? takeBatches : takeRecords)(receiver, sender).catch(fail);
}

serveReceiver(processEndpoint(), tally, { open });
process.on('disconnect', () => process.exit(0));
