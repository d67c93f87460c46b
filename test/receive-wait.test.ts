// How the awaited receive calls wait: a bounded spin in place, then parked at no CPU, woken
// across processes; a receiver that gives ring space back per batch still wakes a sender
// that sleeps for room as soon as it hands a value out.
import { describe, expect, it } from 'vitest';

import { createSender, type ChannelOptions, type Receiver } from '../src/channel/index.js';
import { Segment } from '../src/segment/index.js';
import { channelsPerTest } from './helpers/channels.js';
import { finished, lineFrom, spawnChild } from './helpers/child.js';
import { useCleanups } from './helpers/cleanup.js';
import { uniqueShmName } from './helpers/names.js';

const channel = channelsPerTest('await');
const defer = useCleanups();

/** A sender that creates its channel, named `tag`; the name is removed after the test. */
function newSender<T>(tag: string, options: ChannelOptions<T> = {}) {
  const name = uniqueShmName(tag);
  const sender = createSender<T>(name, options);
  defer(
    () => Segment.unlink(name),
    () => sender.close(),
  );
  return { name, sender };
}

function awaitPeer(plan: Record<string, unknown>) {
  return spawnChild('await-peer.ts', [JSON.stringify(plan)]);
}

describe('awaited receives', () => {
  for (const style of ['iterate', 'receive', 'message']) {
    it(`${style}: an idle receiver process parks (little CPU over 1.5 s) and the next value wakes it`, async () => {
      const { name, sender } = newSender<number>('idle');
      const peer = awaitPeer({ role: 'idle', name, style });
      await lineFrom(peer, /waiting/);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await sender.send(42);
      const result = await finished(peer, 30_000);
      expect(result.code, result.stderr).toBe(0);
      const { value, cpuMs } = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
        value: number;
        cpuMs: number;
      };
      expect(value).toBe(42);
      // A bounded spin, then the kernel: a waiting process costs its wake-up, not a core.
      expect(cpuMs).toBeLessThan(300);
    });
  }

  for (const wait of ['adaptive', 'park'] as const) {
    it(`${wait}: 3000 round trips with await send and await receive / for await, in order`, async () => {
      const back: Receiver<number> = channel<number>({ wait });
      const { name, sender } = newSender<number>('ping', { wait });
      const peer = awaitPeer({ role: 'echo', name, back: back.name, wait });
      for (let i = 0; i < 3000; i++) {
        await sender.send(i);
        expect(await back.receive({ timeoutMs: 20_000 })).toBe(i);
      }
      sender.close();
      const result = await finished(peer, 30_000);
      expect(result.code, result.stderr).toBe(0);
      expect(back.tryReceive()).toBeUndefined();
    });
  }

  it('a sender process asleep on a full ring is woken by a value handed out, not only by a whole batch', async () => {
    const receiver = channel<Uint8Array>({ codec: 'raw', capacity: 4096, wait: 'park' });
    const peer = awaitPeer({ role: 'fill', name: receiver.name, count: 200, size: 100 });
    let sent = 0;
    peer.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      for (const match of chunk.matchAll(/"sent":(\d+)/g)) sent = Number(match[1]);
    });
    const until = async (done: () => boolean): Promise<void> => {
      const give = performance.now() + 20_000;
      while (!done()) {
        if (performance.now() > give) throw new Error(`the sender is stuck at ${sent} values`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    // The ring holds about 36 of these: the sender fills it and sleeps for room.
    await until(() => sent >= 30);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const full = sent;
    // Reads the whole ring ahead and hands out two values (room for one more, with the wrap):
    // their room goes back now, not once the values read ahead are all handed out.
    expect((await receiver.receive())[0]).toBe(0);
    expect((await receiver.receive())[0]).toBe(1);
    await until(() => sent > full);
    let next = 2;
    for await (const value of receiver) {
      expect(value[0]).toBe(next++ & 0xff);
      if (next === 200) break;
    }
    const result = await finished(peer, 30_000);
    expect(result.code, result.stderr).toBe(0);
  });
});
