// shmring channels between the bench process and a peer process (bench/children/shmring-async-peer.ts)
// through the package's public calls that never block the event loop, as the README's quick start
// uses them: the parent `await sender.send(v)` for each message; the peer takes them with
// `for await (const v of receiver)` or a `receiver.on('message', ...)` listener. A round trip:
// `await sender.send(v)`, the peer's loop or listener echoes with `await sender.send(v)`, then
// `await receiver.receive()`. Channels as in shmring-sync.ts.
import { CHECKSUM_SEED } from '../lib/checksum.js';
import { hashValue, messageMaker } from '../lib/channel-calls.js';
import { forkPeer } from '../lib/peer-process.js';
import { expectedTally } from '../lib/payload.js';
import type { ReceiverResult } from '../lib/receiver.js';
import { Cleanup, unlinkSegment } from '../lib/shmring-segments.js';
import {
  CHANNEL_CAPACITY,
  CODEC_TEXT,
  parentChannels,
  payloadBytes,
  WAIT_TEXT,
  type WaitMode,
} from './shmring-sync.js';
import type { Codec, OpenContext, Pattern, Session, Transport } from './transport.js';

/** How the peer takes the values. */
export type AsyncStyle = 'for-await' | 'message';

/** What the peer is told to open. */
export interface AsyncPeerParams {
  style: AsyncStyle;
  codec: Codec;
  wait: WaitMode;
  ping: string;
  pong: string;
}

const STYLE_TEXT: Record<AsyncStyle, string> = {
  'for-await':
    'await sender.send(v) -> for await (const v of receiver); round trip: await sender.send(v), the peer echoes from its for-await loop with await sender.send(v), await receiver.receive()',
  message:
    "await sender.send(v) -> receiver.on('message', (v) => ...); round trip: await sender.send(v), the listener echoes with await sender.send(v), await receiver.receive()",
};

export function shmringAsyncTransport(
  style: AsyncStyle,
  wait: WaitMode,
  codec: Codec,
  sizes: Record<Pattern, readonly number[]>,
): Transport {
  const base = style === 'for-await' ? 'shmring-for-await' : 'shmring-on-message';
  return {
    name: wait === 'adaptive' ? base : `${base}-${wait}`,
    codec,
    description: `shmring channel, ${CODEC_TEXT}, ${WAIT_TEXT[wait]}, ${CHANNEL_CAPACITY >> 20} MiB: ${STYLE_TEXT[style]}`,
    sizes,
    open: (context) => openAsyncSession({ style, codec, wait }, context),
  };
}

async function openAsyncSession(
  { style, codec, wait }: Omit<AsyncPeerParams, 'ping' | 'pong'>,
  context: OpenContext,
): Promise<Session> {
  const cleanup = new Cleanup();
  try {
    const peer = forkPeer('shmring-async-peer');
    cleanup.add(() => peer.stop());
    const { ping, pong, sender, receiver } = parentChannels(
      `${style}-${wait}-${codec}`,
      codec,
      wait,
      context,
      cleanup,
    );
    await peer.control.call('open', { style, codec, wait, ping, pong } satisfies AsyncPeerParams);
    unlinkSegment(ping);
    unlinkSegment(pong);
    const message = messageMaker(codec);
    const { control } = peer;
    return {
      async throughput({ size, count, firstSeq }) {
        const expected = expectedTally(codec, size, firstSeq, count);
        await control.call('arm', { codec, count, size });
        const start = process.hrtime.bigint();
        for (let seq = firstSeq; seq < firstSeq + count; seq++)
          await sender.send(message(size, seq));
        const result = await control.call<ReceiverResult>('result');
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        if (result.error !== null) throw new Error(`the peer got a wrong value: ${result.error}`);
        return {
          messages: count,
          payloadBytes: payloadBytes(codec, size, firstSeq, count),
          seconds,
          verification: {
            expected,
            actual: { count: result.count + result.unexpected, checksum: result.checksum },
          },
        };
      },
      async latency({ size, roundTrips, firstSeq }) {
        const expected = expectedTally(codec, size, firstSeq, roundTrips);
        await control.call('echo', { count: roundTrips });
        const rttUs = new Float64Array(roundTrips);
        let checksum = CHECKSUM_SEED;
        let previous = process.hrtime.bigint();
        for (let i = 0; i < roundTrips; i++) {
          await sender.send(message(size, firstSeq + i));
          checksum = hashValue(codec, checksum, await receiver.receive());
          const now = process.hrtime.bigint();
          rttUs[i] = Number(now - previous) / 1000;
          previous = now;
        }
        const echoed = await control.call<number>('echoed');
        if (echoed !== roundTrips)
          throw new Error(`the peer echoed ${echoed} messages, expected ${roundTrips}`);
        return { rttUs, verification: { expected, actual: { count: roundTrips, checksum } } };
      },
      close: () => cleanup.run(),
    };
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}
