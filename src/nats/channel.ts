// Opening NATS channels: the functions users call to get a receiver or a sender.
import type { NatsLink } from './connection.js';
import { openLink } from './connection.js';
import { channelNames, type ChannelNames } from './names.js';
import { classify } from './patience.js';
import { resolveNatsOptions, type NatsChannelOptions } from './options.js';
import { NatsReceiver } from './receiver.js';
import { noChannel } from './registration.js';
import { NatsSender } from './sender.js';
import { ensureChannel } from './streams.js';

// The stream's max_bytes (fragments are cut to fit it); ENOENT when there is no such channel.
async function streamCapacity(link: NatsLink, names: ChannelNames): Promise<number> {
  try {
    return (await link.jsm.streams.info(names.dataStream)).config.max_bytes;
  } catch (error) {
    if (classify(error) === 'no-stream') throw noChannel(names);
    throw error;
  }
}

// Closes the link if building the endpoint on it fails, so no connection leaks.
async function onLink<R>(link: NatsLink, build: () => Promise<R>): Promise<R> {
  try {
    return await build();
  } catch (error) {
    await link.close().catch(() => {});
    throw error;
  }
}

/**
 * Creates a NATS channel (its streams and durable consumer, or reuses them) and returns its
 * receiver. Senders attach with openChannel(name). By default the streams are deleted when
 * the receiver closes; with `unlink: 'never'` they stay, on file storage.
 */
export async function createChannel<T = unknown>(
  name: string,
  options?: NatsChannelOptions<T>,
): Promise<NatsReceiver<T>> {
  const names = channelNames(name);
  const o = resolveNatsOptions(options);
  const link = await openLink(o);
  return onLink(link, async () => {
    await ensureChannel(link, names, o);
    const consumer = await link.js.consumers.get(names.dataStream, names.consumer);
    return new NatsReceiver<T>(link, names, o.codec, consumer, o);
  });
}

/**
 * Opens a sender on an existing NATS channel (ENOENT if there is none). It registers at
 * once: the receiver's stream does not end before this sender closes, even if it never sends.
 */
export async function openChannel<T = unknown>(
  name: string,
  options?: NatsChannelOptions<T>,
): Promise<NatsSender<T>> {
  const names = channelNames(name);
  const o = resolveNatsOptions(options);
  const link = await openLink(o);
  return onLink(link, async () => {
    const capacity = await streamCapacity(link, names);
    const sender = new NatsSender<T>(link, names, o.codec, o.serverTimeoutMs, capacity);
    await sender.register(o.heartbeatMs);
    return sender;
  });
}
