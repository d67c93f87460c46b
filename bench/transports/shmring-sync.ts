// shmring channels between the bench process and a peer process (bench/children/shmring-sync-peer.ts)
// through the package's public calls, in loops that block the thread, as a process dedicated to
// the channel would: 'sync' is `sender.sendSync(v)` -> `receiver.receiveSync()`, 'try' is
// `sender.trySend(v)` repeated until true -> `receiver.tryReceive()` repeated until a value.
// One channel each way (ping: parent -> peer, pong: peer -> parent), created by the parent
// (createSender for ping, createChannel for pong), opened by the peer (openReceiver, openChannel),
// and unlinked as soon as the peer has opened them.
import {
  createChannel,
  createSender,
  type ChannelOptions,
  type Receiver,
  type Sender,
} from '../../src/index.js';
import {
  hashValue,
  messageMaker,
  receiveBlocking,
  receivePolling,
  SEND_TIMEOUT,
  sendPolling,
} from '../lib/channel-calls.js';
import { payloadBytes } from '../lib/payload.js';
import { forkPeer, type PeerProcess } from '../lib/peer-process.js';
import { Cleanup, segmentName, trackSegment, unlinkSegment } from '../lib/shmring-segments.js';
import { processExited, SyncPeerSession, type PeerCheck } from '../lib/sync-peer-session.js';
import type { Codec, OpenContext, Pattern, Session, Transport } from './transport.js';

export type WaitMode = NonNullable<ChannelOptions['wait']>;
/** How both sides call the channel. */
export type SyncStyle = 'sync' | 'try';

/** Ring bytes of every shmring channel row: 8 MiB, so that a 1 MiB value is one record (max: capacity / 8). */
export const CHANNEL_CAPACITY = 8 << 20;
/** A dead peer is noticed within this long (the channels' heartbeat). */
export const HEARTBEAT_TIMEOUT_MS = 500;

/** The channel options of both sides of a row. */
export function channelOptions(codec: Codec, wait: WaitMode): ChannelOptions<unknown> {
  return { codec, wait, capacity: CHANNEL_CAPACITY, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS };
}

/** What the peer is told to open. */
export interface SyncPeerParams {
  style: SyncStyle;
  codec: Codec;
  wait: WaitMode;
  ping: string;
  pong: string;
}

/** The codecs of a row's two transports (one description for both). */
export const CODEC_TEXT = "codec 'raw' (Uint8Array payloads) or 'msgpack' (the objects)";

export const WAIT_TEXT: Record<WaitMode, string> = {
  spin: "wait: 'spin'",
  adaptive: "wait: 'adaptive' (the default)",
  park: "wait: 'park'",
};

const STYLE_TEXT: Record<SyncStyle, string> = {
  sync: 'sender.sendSync(v) -> receiver.receiveSync(); round trip: sendSync, the peer receiveSync + sendSync, receiveSync',
  try: 'sender.trySend(v) repeated until true -> receiver.tryReceive() repeated until a value (busy polling, no waiting)',
};

export function shmringSyncTransport(
  style: SyncStyle,
  wait: WaitMode,
  codec: Codec,
  sizes: Record<Pattern, readonly number[]>,
): Transport {
  return {
    name: style === 'sync' ? `shmring-sync-${wait}` : `shmring-try-${wait}`,
    codec,
    description: `shmring channel, ${CODEC_TEXT}, ${WAIT_TEXT[wait]}, ${CHANNEL_CAPACITY >> 20} MiB: ${STYLE_TEXT[style]}`,
    sizes,
    open: (context) => openSyncSession({ style, codec, wait }, context),
  };
}

/**
 * Starts the peer script `script`, creates the ping and pong channels of a row (their names
 * tracked for removal), has the peer open them with `params`, then removes their names.
 */
export async function openPeerChannels<P extends { style: string; codec: Codec; wait: WaitMode }>(
  script: string,
  params: P,
  context: OpenContext,
  cleanup: Cleanup,
): Promise<{ peer: PeerProcess; sender: Sender<unknown>; receiver: Receiver<unknown> }> {
  const { style, codec, wait } = params;
  const peer = forkPeer(script);
  cleanup.add(() => peer.stop()); // undone last: the channels close first, ending a loop the peer may be in
  const label = `${style}-${wait}-${codec}`;
  const ping = trackSegment(segmentName(context.runId, `${label}-ping`));
  const pong = trackSegment(segmentName(context.runId, `${label}-pong`));
  const options = channelOptions(codec, wait);
  const sender = createSender<unknown>(ping, options);
  cleanup.add(() => (sender.close(), unlinkSegment(ping)));
  const receiver = createChannel<unknown>(pong, options);
  cleanup.add(() => (receiver.close(), unlinkSegment(pong)));
  await peer.control.call('open', { ...params, ping, pong });
  unlinkSegment(ping);
  unlinkSegment(pong);
  return { peer, sender, receiver };
}

async function openSyncSession(
  { style, codec, wait }: Omit<SyncPeerParams, 'ping' | 'pong'>,
  context: OpenContext,
): Promise<Session> {
  const cleanup = new Cleanup();
  try {
    const { peer, sender, receiver } = await openPeerChannels(
      'shmring-sync-peer',
      { style, codec, wait },
      context,
      cleanup,
    );
    const peerGone: PeerCheck = () => processExited(peer.child.pid);
    const message = messageMaker(codec);
    const send =
      style === 'sync'
        ? (value: unknown) => sender.sendSync(value, SEND_TIMEOUT)
        : (value: unknown) => sendPolling(sender, value, 'sending', peerGone);
    const receive = style === 'sync' ? receiveBlocking : receivePolling;
    return new SyncPeerSession({
      control: peer.control,
      codec,
      produce(size, firstSeq, count) {
        for (let seq = firstSeq; seq < firstSeq + count; seq++) send(message(size, seq));
        return payloadBytes(codec, size, firstSeq, count);
      },
      roundTrip(size, seq, hash) {
        send(message(size, seq));
        return hashValue(codec, hash, receive(receiver, 'waiting for the echo', peerGone));
      },
      close: () => cleanup.run(),
    });
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}
