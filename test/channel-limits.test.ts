// The receiver's memory bounds, as channel options: a message over them is reported and
// skipped, and the stream goes on.
import { describe, expect, it } from 'vitest';

import type { ShmringError } from '../src/errors.js';
import { channelsPerTest } from './helpers/channels.js';
import { finished, spawnChild } from './helpers/child.js';
import { isPattern } from './helpers/values.js';

const channel = channelsPerTest('limits');

describe('maxReassemblyBytes and maxMessageBytes', () => {
  it.each([
    ['maxReassemblyBytes', { maxReassemblyBytes: 8192 }],
    ['maxMessageBytes', { maxMessageBytes: 8192 }],
  ])('%s: values over the bound are reported and skipped, the others arrive', async (_, limit) => {
    const receiver = channel<Uint8Array>({ capacity: 4096, codec: 'raw', ...limit });
    const reasons: string[] = [];
    receiver.on('error', (error) => reasons.push((error as ShmringError).code));
    const sizes = [20_000, 100, 30_000, 200];
    const sender = spawnChild('channel-peer.ts', [
      JSON.stringify({ role: 'send', name: receiver.name, how: 'async', what: 'big', sizes }),
    ]);
    const got: Uint8Array[] = [];
    for await (const value of receiver) got.push(value);
    expect((await finished(sender)).code).toBe(0);
    expect(got.map((value) => value.length)).toEqual([100, 200]);
    expect(isPattern(got[0], 1) && isPattern(got[1], 3)).toBe(true);
    expect(reasons).toEqual(['ERR_SHMRING_FRAME_TOO_LARGE', 'ERR_SHMRING_FRAME_TOO_LARGE']);
  });

  it('refuses a bound of the wrong type', () => {
    expect(() => channel({ maxReassemblyBytes: '1k' as unknown as number })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });
});
