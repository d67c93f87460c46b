// The JetStream side of a channel: its two streams and the receiver's durable consumer.
import type { StreamConfig } from '@nats-io/jetstream';

import type { NatsLink } from './connection.js';
import type { ChannelNames } from './names.js';
import { classify } from './patience.js';

const MS = 1_000_000; // nanoseconds
/** How long the server remembers a message id to drop a repeated publish. */
const DUPLICATE_WINDOW_MS = 120_000;
/**
 * A registration not renewed for this long is removed: senders that closed or died long ago
 * do not pile up in a channel that stays open (live senders renew theirs every heartbeat).
 */
const REGISTRATION_MAX_AGE_MS = 3_600_000;
/** Values handed to a receiver and not yet acknowledged, at most (the prefetch is smaller). */
const MAX_ACK_PENDING = 1024;

export interface StreamSettings {
  capacity: number;
  storage: 'file' | 'memory';
  ackWaitMs: number;
}

// Creates the stream, or brings an existing one to `config` (a larger capacity, say).
async function ensureStream(link: NatsLink, config: Partial<StreamConfig> & { name: string }) {
  try {
    await link.jsm.streams.add(config);
  } catch (error) {
    if (!/already in use/i.test(String((error as Error).message))) throw error;
    await link.jsm.streams.update(config.name, config);
  }
}

/**
 * Creates the channel's streams and consumer, or reuses them (a receiver that restarts on
 * file storage carries on where the last one stopped):
 * - values: work-queue retention (a value is removed once acknowledged), `max_bytes` =
 *   capacity and discard 'new' (a full stream refuses publishes: back-pressure), de-duplication
 *   by message id;
 * - registrations: the last message per sender, for an hour after it was sent.
 */
export async function ensureChannel(
  link: NatsLink,
  names: ChannelNames,
  settings: StreamSettings,
): Promise<void> {
  await ensureStream(link, {
    name: names.dataStream,
    subjects: [names.dataSubject],
    retention: 'workqueue',
    storage: settings.storage,
    max_bytes: settings.capacity,
    discard: 'new',
    duplicate_window: DUPLICATE_WINDOW_MS * MS,
    num_replicas: 1,
  });
  await ensureStream(link, {
    name: names.sendersStream,
    subjects: [names.sendersSubjects],
    retention: 'limits',
    storage: settings.storage,
    max_msgs_per_subject: 1,
    max_age: REGISTRATION_MAX_AGE_MS * MS,
    num_replicas: 1,
  });
  await link.jsm.consumers.add(names.dataStream, {
    durable_name: names.consumer,
    ack_policy: 'explicit',
    deliver_policy: 'all',
    ack_wait: settings.ackWaitMs * MS,
    max_ack_pending: MAX_ACK_PENDING,
  });
}

/** Deletes the channel's streams (senders get EPIPE from then on); missing ones are fine. */
export async function deleteChannel(link: NatsLink, names: ChannelNames): Promise<void> {
  for (const stream of [names.dataStream, names.sendersStream]) {
    try {
      await link.jsm.streams.delete(stream);
    } catch (error) {
      if (classify(error) !== 'no-stream') throw error;
    }
  }
}
