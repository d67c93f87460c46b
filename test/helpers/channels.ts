// Channels a test file creates, closed and unlinked after each test.
import { afterEach } from 'vitest';

import { createChannel, type ChannelOptions, type Receiver } from '../../src/channel/index.js';
import { uniqueShmName } from './names.js';

/** Returns a maker of new channels named after `tag`, each closed (and unlinked) after its test. */
export function channelsPerTest(
  tag: string,
): <T = unknown>(options?: ChannelOptions<T>) => Receiver<T> {
  const receivers: Receiver[] = [];
  afterEach(() => {
    for (const receiver of receivers.splice(0)) receiver.close({ unlink: true });
  });
  return <T = unknown>(options: ChannelOptions<T> = {}): Receiver<T> => {
    const receiver = createChannel<T>(uniqueShmName(tag), options);
    receivers.push(receiver as Receiver);
    return receiver;
  };
}
