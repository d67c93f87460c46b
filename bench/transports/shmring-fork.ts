// Messaging with a forked child, the child_process.fork() way (child.send(value), 'message'
// events): shmring's fork(), whose channel is a pair of shmring rings (msgpack, default wait
// 'adaptive'), and for the objects also Node's own fork() with serialization 'advanced' (raw
// Buffers over Node's fork are the fork-ipc-* rows). Both run the same peer script,
// bench/children/shmring-fork-peer.ts; control messages share the channel with the data.
import { CHECKSUM_SEED } from '../lib/checksum.js';
import { forkPeer, type PeerProcess } from '../lib/peer-process.js';
import {
  expectedObjects,
  hashObject,
  rawTemplate,
  sampleObject,
  stampSeq,
} from '../lib/payload.js';
import { sendAll, type CallbackSend } from '../lib/send-window.js';
import { sampleObjectBytes } from '../lib/payload.js';
import { PeerSession } from './peer-session.js';
import {
  OBJECT_SIZE,
  type Codec,
  type LatencyMeasurement,
  type LatencyRequest,
  type Pattern,
  type Session,
  type Transport,
} from './transport.js';

export function shmringForkTransport(
  codec: Codec,
  sizes: Record<Pattern, readonly number[]>,
): Transport {
  const what = codec === 'raw' ? 'Uint8Array payloads (msgpack bin)' : 'the sample objects';
  return {
    name: 'shmring-fork',
    codec,
    description: `shmring's fork(): child.send() / 'message' over two shmring SPSC rings (msgpack codec, wait 'adaptive', the defaults), ${what}; control messages share the rings; child.send() returning false (ring full) is waited on, as for Node's fork`,
    sizes,
    open: () => openForkSession(codec === 'raw', true),
  };
}

/** Node's fork() with the sample objects, to compare with shmring-fork (msgpack). */
export function nodeForkObjectsTransport(): Transport {
  return {
    name: 'fork-ipc-advanced-objects',
    codec: 'raw', // not msgpack: the V8 serializer (MB/s counts the objects' msgpack size, as for the other object rows)
    description:
      "child_process.fork() IPC, serialization 'advanced', child.send() of the sample objects (same peer script as shmring-fork)",
    sizes: { throughput: [OBJECT_SIZE], latency: [OBJECT_SIZE] },
    open: () => openForkSession(false, false),
  };
}

async function openForkSession(raw: boolean, shmring: boolean): Promise<Session> {
  let received: (message: unknown) => void = () => undefined;
  const peer = forkPeer('shmring-fork-peer', {
    shmring,
    serialization: 'advanced',
    onOther: (message) => received(message),
  });
  const send = (peer.child.send as CallbackSend).bind(peer.child);
  const payloads = new Map<number, Buffer>();
  /** Message `seq`: the size's one Buffer stamped anew (both forks serialize or copy it at once), or a sample object. */
  const message = (size: number, seq: number): unknown => {
    if (!raw) return sampleObject(seq);
    let buf = payloads.get(size);
    if (buf === undefined) payloads.set(size, (buf = rawTemplate(size)));
    stampSeq(buf, 0, size, seq);
    return buf;
  };
  const session = new PeerSession({
    control: peer.control,
    codec: raw ? 'raw' : 'msgpack', // what the peer counts and checks: payloads or objects
    async send({ size, count, firstSeq }) {
      await sendAll(send, (seq) => message(size, seq), firstSeq, count);
      return raw ? size * count : sampleObjectBytes(firstSeq, count);
    },
    sendPing: (seq, size) => void send(message(size, seq), noop),
    close: () => peer.stop(),
  });
  peer.onExit((error) => session.abort(error));
  await peer.control.ready;
  if (raw) {
    received = (echo) => session.echo(echo as Uint8Array, 0, (echo as Uint8Array).length);
    return session;
  }
  // PeerSession hashes echoes from their msgpack bytes; a fork hands out the decoded objects.
  const objects = new ObjectPingPong(peer, (seq) => void send(message(OBJECT_SIZE, seq), noop));
  received = (echo) => objects.echo(echo);
  peer.onExit((error) => objects.abort(error));
  return {
    throughput: (request) => session.throughput(request),
    latency: (request) => objects.latency(request),
    close: () => session.close(),
  };
}

/** Ping-pong of sample objects that come back decoded. */
class ObjectPingPong {
  private onEcho: ((value: unknown) => void) | null = null;
  private abortLatency: ((error: Error) => void) | null = null;

  constructor(
    private readonly peer: PeerProcess,
    private readonly ping: (seq: number) => void,
  ) {}

  async latency({ roundTrips, firstSeq }: LatencyRequest): Promise<LatencyMeasurement> {
    await this.peer.control.call('echo', { count: roundTrips });
    const rttUs = new Float64Array(roundTrips);
    let received = 0;
    let checksum = CHECKSUM_SEED;
    let previous = 0n;
    const done = new Promise<void>((resolve, reject) => {
      this.abortLatency = reject;
      this.onEcho = (value) => {
        const now = process.hrtime.bigint();
        rttUs[received] = Number(now - previous) / 1000;
        previous = now;
        checksum = hashObject(checksum, value);
        if (++received === roundTrips) resolve();
        else this.ping(firstSeq + received);
      };
    });
    previous = process.hrtime.bigint();
    this.ping(firstSeq);
    try {
      await done;
    } finally {
      this.onEcho = this.abortLatency = null;
    }
    const echoed = await this.peer.control.call<number>('echoed');
    if (echoed !== roundTrips)
      throw new Error(`the peer echoed ${echoed} messages, expected ${roundTrips}`);
    return {
      rttUs,
      verification: {
        expected: expectedObjects(firstSeq, roundTrips),
        actual: { count: received, checksum },
      },
    };
  }

  echo(value: unknown): void {
    this.onEcho?.(value);
  }

  abort(error: Error): void {
    this.abortLatency?.(error);
  }
}

function noop(): void {}
