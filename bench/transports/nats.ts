// shmring/nats over loopback: the public API (createChannel / openChannel from src/nats)
// through a nats-server with JetStream that the session starts (memory storage, its own
// store directory under the run's tmpDir) and stops. Both ends live in the bench process;
// every message goes to the server and back (publish, acknowledgement, pull, ack).
//
// throughput: send() one after the other (each waits for the server's acknowledgement, as
// the API does) while a receive() loop takes them; latency: ping over one channel, echoed
// over a second one.
import { encode } from '@msgpack/msgpack';

import { CHECKSUM_SEED } from '../lib/checksum.js';
import { findNatsServer, startNatsServer, type NatsServer } from '../lib/nats-server.js';
import {
  expectedTally,
  hashObject,
  hashRaw,
  rawTemplate,
  sampleObject,
  stampSeq,
} from '../lib/payload.js';
import {
  createChannel,
  openChannel,
  type NatsReceiver,
  type NatsSender,
} from '../../src/nats/index.js';
import {
  OBJECT_SIZE,
  type Codec,
  type OpenContext,
  type Pattern,
  type Session,
  type Transport,
} from './transport.js';

/** A receive that takes longer than this fails the measurement (a lost message, a dead server). */
const RECEIVE_TIMEOUT_MS = 30_000;
/** Encoded bytes of one sample object (they all have the same size). */
const OBJECT_BYTES = encode(sampleObject(0)).byteLength;
/** Stream bytes of each channel: the largest message and plenty of room for back-pressure. */
const CAPACITY = 64 << 20;

/**
 * Few sizes: a round trip per message dominates every figure (so sizes add little), and the
 * rows must keep `bench --quick` short.
 */
const ROWS: ReadonlyArray<{ codec: Codec; sizes: Record<Pattern, readonly number[]> }> = [
  { codec: 'raw', sizes: { throughput: [16, 65536], latency: [16] } },
  { codec: 'msgpack', sizes: { throughput: [OBJECT_SIZE], latency: [OBJECT_SIZE] } },
];

export const NATS_NAME = 'nats-jetstream';

/** Why the NATS rows cannot run, or null when they can. */
export const natsUnavailable: string | null =
  findNatsServer() === undefined
    ? 'nats-server is not installed (Debian: apt-get install nats-server)'
    : null;

/** The NATS rows (none where nats-server is not installed: see natsUnavailable). */
export function natsTransports(): Transport[] {
  if (natsUnavailable !== null) return [];
  return ROWS.map(({ codec, sizes }) => ({
    name: NATS_NAME,
    codec,
    description: `shmring/nats (send -> JetStream stream -> durable pull consumer -> receive), codec '${codec}', nats-server on 127.0.0.1, memory storage; both ends in the bench process`,
    sizes,
    open: (context) => openNatsSession(codec, context),
  }));
}

type Value = Uint8Array | ReturnType<typeof sampleObject>;

interface Pair {
  sender: NatsSender<Value>;
  receiver: NatsReceiver<Value>;
}

async function channelPair(name: string, servers: string, codec: Codec): Promise<Pair> {
  const receiver = await createChannel<Value>(name, { servers, codec, capacity: CAPACITY });
  const sender = await openChannel<Value>(name, { servers, codec });
  return { sender, receiver };
}

async function openNatsSession(codec: Codec, context: OpenContext): Promise<Session> {
  let server: NatsServer | undefined;
  const pairs: Pair[] = [];
  // All at once: a receiver's close waits for its pull under way (up to a second).
  const close = async (): Promise<void> => {
    await Promise.all(
      pairs.map(async ({ sender, receiver }) => {
        await sender.close().catch(() => undefined);
        await receiver.close().catch(() => undefined);
      }),
    );
    await server?.stop().catch(() => undefined);
  };
  try {
    server = await startNatsServer(context.tmpDir);
    const label = `bench-${context.runId}-${codec}`;
    const ping = await channelPair(`${label}-ping`, server.url, codec);
    pairs.push(ping);
    const pong = await channelPair(`${label}-pong`, server.url, codec);
    pairs.push(pong);
    const templates = new Map<number, Uint8Array>();
    const message = (size: number, seq: number): Value => {
      if (codec !== 'raw') return sampleObject(seq);
      let bytes = templates.get(size);
      if (bytes === undefined) templates.set(size, (bytes = new Uint8Array(rawTemplate(size))));
      stampSeq(bytes, 0, size, seq); // send() encodes (copies) at once: the buffer may be reused
      return bytes;
    };
    const hash = (h: number, value: Value): number =>
      codec === 'raw'
        ? hashRaw(h, value as Uint8Array, 0, (value as Uint8Array).byteLength)
        : hashObject(h, value);
    const receive = (pair: Pair): Promise<Value> =>
      pair.receiver.receive({ timeoutMs: RECEIVE_TIMEOUT_MS });

    return {
      async throughput({ size, count, firstSeq }) {
        const start = process.hrtime.bigint();
        const received = (async () => {
          let checksum = CHECKSUM_SEED;
          for (let i = 0; i < count; i++) checksum = hash(checksum, await receive(ping));
          return checksum;
        })();
        for (let i = 0; i < count; i++) await ping.sender.send(message(size, firstSeq + i));
        const payloadBytes = count * (codec === 'raw' ? size : OBJECT_BYTES);
        const checksum = await received;
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        return {
          messages: count,
          payloadBytes,
          seconds,
          verification: {
            expected: expectedTally(codec, size, firstSeq, count),
            actual: { count, checksum },
          },
        };
      },
      async latency({ size, roundTrips, firstSeq }) {
        const echo = (async () => {
          for (let i = 0; i < roundTrips; i++) await pong.sender.send(await receive(ping));
        })();
        const rttUs = new Float64Array(roundTrips);
        let checksum = CHECKSUM_SEED;
        for (let i = 0; i < roundTrips; i++) {
          const sentAt = process.hrtime.bigint();
          await ping.sender.send(message(size, firstSeq + i));
          const back = await receive(pong);
          rttUs[i] = Number(process.hrtime.bigint() - sentAt) / 1000;
          checksum = hash(checksum, back);
        }
        await echo;
        return {
          rttUs,
          verification: {
            expected: expectedTally(codec, size, firstSeq, roundTrips),
            actual: { count: roundTrips, checksum },
          },
        };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
