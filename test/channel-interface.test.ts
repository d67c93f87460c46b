// The shared channel interface: local channels and NATS channels both satisfy it (checked by
// the compiler: `npm run typecheck` fails if either stops doing so), and code written
// against it runs on a local channel.
import { expect, expectTypeOf, test } from 'vitest';

import { createChannel, openChannel, Receiver, Sender } from '../src/index.js';
import type { ChannelReceiver, ChannelSender } from '../src/channel/interface.js';
import { NatsReceiver, NatsSender } from '../src/nats/index.js';
import { uniqueShmName } from './helpers/names.js';

// Compile-time assignments: each line is a type error if a class no longer fits.
export const localSender = (s: Sender<number>): ChannelSender<number> => s;
export const localReceiver = (r: Receiver<number>): ChannelReceiver<number> => r;
export const natsSender = (s: NatsSender<number>): ChannelSender<number> => s;
export const natsReceiver = (r: NatsReceiver<number>): ChannelReceiver<number> => r;

// Generic code over the interface: awaits what may or may not be a promise.
async function relay<T>(values: T[], to: ChannelSender<T>, from: ChannelReceiver<T>): Promise<T[]> {
  for (const value of values) await to.send(value);
  expect(await to.trySend(values[0])).toBe(true);
  await to.close();
  const got: T[] = [];
  for await (const value of from) got.push(value);
  await from.close();
  return got;
}

test('both transports satisfy ChannelSender / ChannelReceiver', () => {
  expectTypeOf<Sender<number>>().toExtend<ChannelSender<number>>();
  expectTypeOf<Receiver<number>>().toExtend<ChannelReceiver<number>>();
  expectTypeOf<NatsSender<number>>().toExtend<ChannelSender<number>>();
  expectTypeOf<NatsReceiver<number>>().toExtend<ChannelReceiver<number>>();
  // The blocking calls are not part of the shared interface.
  expectTypeOf<ChannelSender<number>>().not.toHaveProperty('sendSync');
  expectTypeOf<ChannelReceiver<number>>().not.toHaveProperty('receiveSync');
});

test('code written against the interface runs on a local channel', async () => {
  const name = uniqueShmName('iface');
  const receiver = createChannel<number>(name);
  const sender = openChannel<number>(name);
  expect(await relay([1, 2, 3], sender, receiver)).toEqual([1, 2, 3, 1]);
});
