// worker_threads MessagePort, in one process (for reference): Uint8Arrays posted (structured
// clone, so copied) on a MessageChannel to a worker running bench/children/port-peer.ts.
// postMessage() has no backpressure, so the sender keeps at most a window of messages in flight,
// credited by the worker's acknowledgements.
import { MessageChannel } from 'node:worker_threads';
import { ControlClient, workerEndpoint } from '../lib/control.js';
import { peerWorker } from '../lib/peer-process.js';
import { rawTemplate, stampSeq } from '../lib/payload.js';
import { PeerSession } from './peer-session.js';
import { LATENCY_SIZES, RAW_SIZES, type Session, type Transport } from './transport.js';

/** Messages in flight for a payload size: about 8 MiB, between 8 and 4096 messages. */
export function windowFor(size: number): number {
  return Math.max(8, Math.min(4096, Math.floor((8 << 20) / size)));
}

export function messagePortTransport(): Transport {
  return {
    name: 'worker-messageport',
    codec: 'raw',
    description:
      'worker_threads MessagePort between the main thread and a worker of the same process (reference only), structured clone of a Uint8Array',
    sizes: { throughput: RAW_SIZES, latency: LATENCY_SIZES },
    open: openPortSession,
  };
}

async function openPortSession(): Promise<Session> {
  const { port1, port2 } = new MessageChannel();
  const worker = peerWorker('port-peer', { workerData: { port: port2 }, transferList: [port2] });
  const control = new ControlClient(workerEndpoint(worker));
  let acked = 0;
  let onAck: (() => void) | null = null;
  const payloads = new Map<number, Uint8Array>();
  const payload = (size: number, seq: number): Uint8Array => {
    let buf = payloads.get(size);
    if (buf === undefined) payloads.set(size, (buf = new Uint8Array(rawTemplate(size))));
    stampSeq(buf, 0, size, seq);
    return buf;
  };
  let closing = false;
  const session = new PeerSession({
    control,
    codec: 'raw',
    async send({ size, count, firstSeq }) {
      const window = windowFor(size);
      acked = 0;
      for (let i = 0; i < count; i++) {
        if (i - acked >= window) await new Promise<void>((resolve) => (onAck = resolve));
        port1.postMessage(payload(size, firstSeq + i));
      }
      return size * count;
    },
    sendPing(seq, size) {
      port1.postMessage(payload(size, seq));
    },
    async close() {
      closing = true;
      port1.close();
      await worker.terminate();
    },
  });
  port1.on('message', (message: Uint8Array | number) => {
    if (typeof message === 'number') {
      acked = message;
      const wake = onAck;
      onAck = null;
      wake?.();
    } else session.echo(message, 0, message.length);
  });
  const broken = (error: Error): void => {
    control.fail(error);
    session.abort(error);
  };
  worker.on('error', broken);
  worker.on('exit', (code) => {
    if (!closing) broken(new Error(`worker exited (code ${code})`));
  });
  await control.ready;
  return session;
}
