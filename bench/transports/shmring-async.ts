// shmring channels between the bench process and a peer process (bench/children/shmring-async-peer.ts)
// through the package's public calls that never block the event loop, as the README's quick start
// uses them: the parent `await sender.send(v)` for each message; the peer takes them with
// `for await (const v of receiver)` or a `receiver.on('message', ...)` listener. A round trip:
// `await sender.send(v)`, the peer's loop or listener echoes with `await sender.send(v)`, then
// `await receiver.receive()`. Channels as in shmring-sync.ts.
import { hashValue, messageMaker } from '../lib/channel-calls.js';
import { Cleanup } from '../lib/shmring-segments.js';
import {
  CHANNEL_CAPACITY,
  CODEC_TEXT,
  openPeerChannels,
  WAIT_TEXT,
  type WaitMode,
} from './shmring-sync.js';
import { asyncPeerSession } from './async-session.js';
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
    const { peer, sender, receiver } = await openPeerChannels(
      'shmring-async-peer',
      { style, codec, wait },
      context,
      cleanup,
    );
    return asyncPeerSession({
      control: peer.control,
      codec,
      message: messageMaker(codec),
      send: (value) => sender.send(value),
      sendPing: (value) => sender.send(value),
      receiveEcho: async (hash) => hashValue(codec, hash, await receiver.receive()),
      close: () => cleanup.run(),
    });
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}
