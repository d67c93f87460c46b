// One transport for every byte stream (stdio socketpair, FIFO, Unix socket, TCP), framed with a
// u32 length prefix, one write per message or coalesced into 64 KiB writes, raw or msgpack.
// The peer is bench/children/stream-peer.ts.
import { FrameParser, HEADER_BYTES, writeHeader } from '../lib/frames.js';
import { objectFrames, rawFrames, writeFrames, type FrameSource } from '../lib/frame-writer.js';
import { forkPeer } from '../lib/peer-process.js';
import { prepareChannel, type StreamKind } from '../lib/stream-channels.js';
import { PeerSession } from './peer-session.js';
import type { Codec, OpenContext, Pattern, Session, Transport } from './transport.js';

export interface StreamTransportOptions {
  name: string;
  description: string;
  kind: StreamKind;
  /** Pack frames into 64 KiB writes instead of one write() per message. */
  coalesce: boolean;
  codec: Codec;
  sizes: Record<Pattern, readonly number[]>;
}

let sessions = 0;

export function streamTransport(options: StreamTransportOptions): Transport {
  return {
    name: options.name,
    codec: options.codec,
    description: options.description,
    sizes: options.sizes,
    open: (context) => openStreamSession(options, context),
  };
}

async function openStreamSession(
  options: StreamTransportOptions,
  context: OpenContext,
): Promise<Session> {
  const prepared = await prepareChannel(
    options.kind,
    context.tmpDir,
    `${options.name}-${++sessions}`,
  );
  const peer = forkPeer('stream-peer', { stdio: prepared.stdio });
  let pair;
  try {
    await peer.control.call('open', prepared.params);
    pair = await prepared.connect(peer.child);
  } catch (error) {
    prepared.close();
    await peer.stop();
    throw error;
  }
  const { readable, writable } = pair;
  const sources = new Map<number, FrameSource>();
  const source = (size: number): FrameSource => {
    let found = sources.get(size);
    if (found === undefined)
      sources.set(size, (found = options.codec === 'raw' ? rawFrames(size) : objectFrames()));
    return found;
  };
  let ping = Buffer.alloc(0);
  const session = new PeerSession({
    control: peer.control,
    codec: options.codec,
    send: ({ size, count, firstSeq }) =>
      writeFrames(writable, source(size), firstSeq, count, options.coalesce),
    sendPing(seq, size) {
      const frames = source(size);
      if (ping.length < HEADER_BYTES + frames.maxLength)
        ping = Buffer.allocUnsafeSlow(HEADER_BYTES + frames.maxLength);
      const length = frames.put(seq, ping, HEADER_BYTES, false);
      writeHeader(ping, 0, length);
      // The echo of this frame comes back before the next ping, so `ping` is free again by then.
      writable.write(ping.subarray(0, HEADER_BYTES + length));
    },
    async close() {
      pair.close();
      prepared.close();
      await peer.stop();
    },
  });
  const parser = new FrameParser((buf, start, length) => session.echo(buf, start, length));
  readable.on('data', (chunk: Buffer) => parser.push(chunk));
  const broken = (error: Error): void => session.abort(error);
  readable.on('error', broken);
  writable.on('error', broken);
  peer.onExit(broken);
  return session;
}
