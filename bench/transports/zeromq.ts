// ZeroMQ (the `zeromq` 6 package from npm, prebuilt libzmq inside) between the bench process and a
// peer process (bench/children/zeromq-peer.ts), over `ipc://` sockets in the run's directory:
// streaming with PUSH -> PULL (`await push.send(buffer)` per message, `for await (const [m] of
// pull)` in the peer), round trips with REQ -> REP (`await req.send(buffer)`, then
// `await req.receive()`; the peer's REP answers each request with the same bytes). Objects are
// encoded with @msgpack/msgpack by the sender and decoded by the receiver, as over the Unix socket.
// If the package cannot be loaded here, its rows are not run and the reports say why.
import { decode, encode } from '@msgpack/msgpack';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { forkPeer } from '../lib/peer-process.js';
import { hashObject, hashRaw, rawTemplate, sampleObject, stampSeq } from '../lib/payload.js';
import { Cleanup } from '../lib/shmring-segments.js';
import { asyncPeerSession } from './async-session.js';
import type { Codec, OpenContext, Pattern, Session, Transport } from './transport.js';

type Zmq = typeof import('zeromq');

/** The package, loaded now (synchronously: the registry lists the rows at import), or why it could not be. */
function load(): { zmq: Zmq } | { error: string } {
  try {
    return { zmq: createRequire(import.meta.url)('zeromq') as Zmq };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
const loaded = load();

export const ZEROMQ_NAME = 'zeromq-ipc';

/** Why the ZeroMQ rows cannot run, or null when they can. */
export const zeromqUnavailable: string | null =
  'error' in loaded ? `the zeromq package could not be loaded: ${loaded.error}` : null;

/** The socket addresses the peer connects to. */
export interface ZeromqPeerParams {
  pull: string;
  reply: string;
}

export function zeromqTransport(
  codec: Codec,
  sizes: Record<Pattern, readonly number[]>,
): Transport {
  return {
    name: ZEROMQ_NAME,
    codec,
    description: `ZeroMQ (npm package zeromq 6, libzmq ${'zmq' in loaded ? loaded.zmq.version : '?'}) over ipc://, a new Buffer per raw message, objects encoded with @msgpack/msgpack by the sender and decoded by the receiver: PUSH await push.send(m) -> PULL for await (const [m] of pull); round trip REQ await req.send(m), await req.receive() <- REP echoing`,
    sizes,
    open: (context) => openZeromqSession(codec, context),
  };
}

let sessions = 0;

async function openZeromqSession(codec: Codec, context: OpenContext): Promise<Session> {
  if (!('zmq' in loaded)) throw new Error(zeromqUnavailable ?? 'zeromq is not loaded');
  const { zmq } = loaded;
  const cleanup = new Cleanup();
  try {
    const id = ++sessions;
    const params: ZeromqPeerParams = {
      pull: `ipc://${join(context.tmpDir, `zmq-${id}-stream`)}`,
      reply: `ipc://${join(context.tmpDir, `zmq-${id}-rtt`)}`,
    };
    const push = new zmq.Push({ linger: 0 });
    cleanup.add(() => push.close());
    const request = new zmq.Request({ linger: 0 });
    cleanup.add(() => request.close());
    await push.bind(params.pull);
    await request.bind(params.reply);
    const peer = forkPeer('zeromq-peer');
    cleanup.add(() => peer.stop());
    await peer.control.call('open', params);
    const templates = new Map<number, Buffer>();
    const message = (size: number, seq: number): Uint8Array => {
      if (codec === 'msgpack') return encode(sampleObject(seq));
      let template = templates.get(size);
      if (template === undefined) templates.set(size, (template = rawTemplate(size)));
      // A new buffer each time: ZeroMQ may still hold the previous one (it sends without copying).
      const buffer = Buffer.allocUnsafe(size);
      template.copy(buffer);
      stampSeq(buffer, 0, size, seq);
      return buffer;
    };
    return asyncPeerSession({
      control: peer.control,
      codec,
      message,
      send: (bytes) => push.send(bytes as Uint8Array),
      sendPing: (bytes) => request.send(bytes as Uint8Array),
      async receiveEcho(hash) {
        const [echo] = await request.receive();
        return codec === 'raw'
          ? hashRaw(hash, echo!, 0, echo!.length)
          : hashObject(hash, decode(echo!));
      },
      close: () => cleanup.run(),
    });
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}
