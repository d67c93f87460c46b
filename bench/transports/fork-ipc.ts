// child_process.fork() IPC: Buffers sent with child.send(), serialization 'json' (a Buffer travels
// as {type: 'Buffer', data: [numbers]}) or 'advanced' (V8 serializer). The peer is
// bench/children/fork-peer.ts; control messages share the channel with the data.
import { forkPeer } from '../lib/peer-process.js';
import { rawTemplate, stampSeq } from '../lib/payload.js';
import { PeerSession } from './peer-session.js';
import { LATENCY_SIZES, RAW_SIZES, type Session, type Transport } from './transport.js';
import { sendAll } from '../lib/send-window.js';

type Serialization = 'json' | 'advanced';

/** The bytes of a Buffer as it arrives over fork IPC with either serialization. */
export function forkMessageBytes(message: unknown): ArrayLike<number> {
  if (message instanceof Uint8Array) return message;
  const data = (message as { data?: unknown } | null)?.data;
  if (Array.isArray(data)) return data as number[];
  throw new TypeError('not a Buffer sent over fork IPC');
}

export function forkIpcTransport(serialization: Serialization): Transport {
  return {
    name: `fork-ipc-${serialization}`,
    codec: 'raw',
    description: `child_process.fork() IPC channel, serialization '${serialization}', one child.send() per Buffer`,
    sizes: { throughput: RAW_SIZES, latency: LATENCY_SIZES },
    open: () => openForkSession(serialization),
  };
}

async function openForkSession(serialization: Serialization): Promise<Session> {
  let session: PeerSession | null = null;
  const peer = forkPeer('fork-peer', {
    serialization,
    onOther: (message) => {
      const bytes = forkMessageBytes(message);
      session?.echo(bytes, 0, bytes.length);
    },
  });
  const { child, control } = peer;
  const payloads = new Map<number, Buffer>();
  /** One Buffer per size, stamped before each send (send() serializes it at once, so it can be reused). */
  const payload = (size: number, seq: number): Buffer => {
    let buf = payloads.get(size);
    if (buf === undefined) payloads.set(size, (buf = rawTemplate(size)));
    stampSeq(buf, 0, size, seq);
    return buf;
  };
  session = new PeerSession({
    control,
    codec: 'raw',
    async send({ size, count, firstSeq }) {
      // send() returns false once the channel's write queue is long: then wait until it is written.
      await sendAll(
        (message, written) => child.send(message as Buffer, written),
        (seq) => payload(size, seq),
        firstSeq,
        count,
      );
      return size * count;
    },
    sendPing(seq, size) {
      child.send(payload(size, seq));
    },
    close: () => peer.stop(),
  });
  peer.onExit((error) => session?.abort(error));
  await control.ready;
  return session;
}
