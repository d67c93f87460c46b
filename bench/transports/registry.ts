// Every transport of `npm run bench`, in the order they run (and appear in the reports).
//
// To add one (e.g. a shmring row): write bench/transports/<name>.ts exporting a Transport (see
// ./transport.ts) and add it to TRANSPORTS below. A transport that talks to a child process can
// reuse the plumbing of the baselines: forkPeer() (lib/peer-process.ts) starts a peer script of
// bench/children/ with a control channel, lib/receiver.ts is the receiving peer's side, and
// PeerSession (./peer-session.ts) runs the arm/send/result and echo protocol given a send()
// and a sendPing(); a shmring row creates its segment in open() (named with context.runId),
// passes the name to the peer in a control call, and removes it in close().
import { codecTransport } from './codec.js';
import { forkIpcTransport } from './fork-ipc.js';
import { messagePortTransport } from './message-port.js';
import { NATS_NAME, natsTransports, natsUnavailable } from './nats.js';
import { futexPingPongTransport } from './futex-pingpong.js';
import { nodeForkObjectsTransport, shmringForkTransport } from './shmring-fork.js';
import { shmringAsyncTransport } from './shmring-async.js';
import { shmringBatchTransport } from './shmring-batch.js';
import { shmringInternalTransport } from './shmring-internal.js';
import { shmringMpscTransport } from './shmring-mpsc.js';
import { shmringSyncTransport } from './shmring-sync.js';
import { streamTransport } from './stream.js';
import { ZEROMQ_NAME, zeromqTransport, zeromqUnavailable } from './zeromq.js';
import {
  LATENCY_SIZES,
  OBJECT_SIZE,
  RAW_SIZES,
  type Codec,
  type Pattern,
  type Transport,
} from './transport.js';
import type { StreamKind } from '../lib/stream-channels.js';
import { BASELINE_TRANSPORT } from '../lib/results.js';

export type * from './transport.js';
export { LATENCY_SIZES, OBJECT_SIZE, RAW_SIZES } from './transport.js';

/** Coalescing only changes anything for messages well below 64 KiB. */
const COALESCED_SIZES = RAW_SIZES.filter((size) => size <= 4096);

const STREAMS: { kind: StreamKind; name: string; description: string }[] = [
  {
    kind: 'stdio',
    name: 'stdio-socketpair',
    description: 'child stdio "pipe" (on Linux an AF_UNIX socketpair, not pipe(2))',
  },
  {
    kind: 'fifo',
    name: 'fifo',
    description: 'kernel pipe: a FIFO made with mkfifo (pipe(2) semantics, 64 KiB pipe buffer)',
  },
  {
    kind: 'unix',
    name: 'unix-socket',
    description: 'Unix domain stream socket',
  },
  {
    kind: 'tcp',
    name: 'tcp-nodelay',
    description: 'TCP on 127.0.0.1, Nagle off (setNoDelay) on both ends',
  },
];

/** Per-message and coalesced rows of one byte stream, raw payloads. */
function rawStreamTransports({ kind, name, description }: (typeof STREAMS)[number]): Transport[] {
  return [
    streamTransport({
      name,
      kind,
      coalesce: false,
      codec: 'raw',
      description: `${description}; length-prefixed frames, one write() per message${name === BASELINE_TRANSPORT ? ' (the baseline of the ratios)' : ''}`,
      sizes: { throughput: RAW_SIZES, latency: LATENCY_SIZES },
    }),
    streamTransport({
      name: `${name}-coalesced`,
      kind,
      coalesce: true,
      codec: 'raw',
      description: `${description}; frames coalesced into 64 KiB writes`,
      sizes: { throughput: COALESCED_SIZES, latency: [] },
    }),
  ];
}

/** The sample objects, MessagePack-encoded, over the Unix socket. */
const OBJECT_TRANSPORTS: Transport[] = [
  streamTransport({
    name: 'unix-socket',
    kind: 'unix',
    coalesce: false,
    codec: 'msgpack',
    description:
      'Unix domain stream socket, one write() per message; the sender encodes and the receiver decodes each object with @msgpack/msgpack',
    sizes: { throughput: [OBJECT_SIZE], latency: [OBJECT_SIZE] },
  }),
  streamTransport({
    name: 'unix-socket-coalesced',
    kind: 'unix',
    coalesce: true,
    codec: 'msgpack',
    description:
      'Unix domain stream socket, frames coalesced into 64 KiB writes; the sender encodes and the receiver decodes each object with @msgpack/msgpack',
    sizes: { throughput: [OBJECT_SIZE], latency: [] },
  }),
];

/** MPSC rows: up to 64 KiB. */
const MPSC_SIZES = RAW_SIZES.filter((size) => size <= 65536);

/** Sizes of a row with raw payloads and sample objects: the raw sizes, plus OBJECT_SIZE for the objects. */
interface RowSizes {
  throughput: readonly number[];
  latency: readonly number[];
  objects: { throughput: boolean; latency: boolean };
}

const ALL: RowSizes = {
  throughput: RAW_SIZES,
  latency: LATENCY_SIZES,
  objects: { throughput: true, latency: true },
};

/** The raw and the object transport of one row (the object one only where it has sizes). */
function rawAndObjects(
  make: (codec: Codec, sizes: Record<Pattern, readonly number[]>) => Transport,
  sizes: RowSizes,
): Transport[] {
  const objects = {
    throughput: sizes.objects.throughput ? [OBJECT_SIZE] : [],
    latency: sizes.objects.latency ? [OBJECT_SIZE] : [],
  };
  return [
    make('raw', { throughput: sizes.throughput, latency: sizes.latency }),
    ...(objects.throughput.length + objects.latency.length > 0 ? [make('msgpack', objects)] : []),
  ];
}

/**
 * shmring's rows, every one through the package's public calls (the description of each names
 * them), except the internal ring: the ceiling those calls are measured against.
 */
const SHMRING_TRANSPORTS: Transport[] = [
  ...rawAndObjects(
    (codec, sizes) => shmringAsyncTransport('for-await', 'adaptive', codec, sizes),
    ALL,
  ),
  ...rawAndObjects((codec, sizes) => shmringAsyncTransport('message', 'adaptive', codec, sizes), {
    throughput: [16, 4096],
    latency: [16],
    objects: { throughput: true, latency: false },
  }),
  ...rawAndObjects((codec, sizes) => shmringBatchTransport('batch', codec, sizes), ALL),
  shmringBatchTransport('batch-records', 'raw', { throughput: RAW_SIZES, latency: [] }),
  shmringBatchTransport('zero-copy', 'raw', { throughput: RAW_SIZES, latency: LATENCY_SIZES }),
  ...rawAndObjects((codec, sizes) => shmringSyncTransport('sync', 'spin', codec, sizes), ALL),
  ...rawAndObjects((codec, sizes) => shmringSyncTransport('sync', 'adaptive', codec, sizes), ALL),
  ...rawAndObjects((codec, sizes) => shmringSyncTransport('try', 'spin', codec, sizes), {
    throughput: [16, 4096],
    latency: [16],
    objects: { throughput: true, latency: false },
  }),
  ...rawAndObjects((codec, sizes) => shmringAsyncTransport('for-await', 'park', codec, sizes), {
    throughput: [],
    latency: LATENCY_SIZES,
    objects: { throughput: false, latency: true },
  }),
  ...rawAndObjects((codec, sizes) => shmringSyncTransport('sync', 'park', codec, sizes), {
    throughput: [],
    latency: LATENCY_SIZES,
    objects: { throughput: false, latency: true },
  }),
  // Not shmring: the floor of 'park', measured right after it (wake-up costs on a VM drift over time).
  futexPingPongTransport(),
  shmringMpscTransport(1, 'spin', MPSC_SIZES),
  shmringMpscTransport(4, 'adaptive', MPSC_SIZES),
  shmringForkTransport('msgpack', { throughput: [OBJECT_SIZE], latency: [OBJECT_SIZE] }),
  shmringForkTransport('raw', { throughput: COALESCED_SIZES, latency: LATENCY_SIZES }),
  shmringInternalTransport({ throughput: RAW_SIZES, latency: [16] }),
];

/** ZeroMQ, the peer a Node user picks for fast local messaging (when its package loads here). */
const ZEROMQ_TRANSPORTS: Transport[] =
  zeromqUnavailable !== null
    ? []
    : rawAndObjects((codec, sizes) => zeromqTransport(codec, sizes), ALL);

/** Transports that cannot run on this machine, with the reason (the reports say it). */
export const UNAVAILABLE: readonly { name: string; reason: string }[] = [
  ...(zeromqUnavailable !== null ? [{ name: ZEROMQ_NAME, reason: zeromqUnavailable }] : []),
  ...(natsUnavailable !== null ? [{ name: NATS_NAME, reason: natsUnavailable }] : []),
];

/** All transports, shmring's first. */
export const TRANSPORTS: readonly Transport[] = [
  ...SHMRING_TRANSPORTS,
  ...STREAMS.flatMap(rawStreamTransports),
  forkIpcTransport('json'),
  forkIpcTransport('advanced'),
  nodeForkObjectsTransport(),
  messagePortTransport(),
  ...ZEROMQ_TRANSPORTS,
  ...OBJECT_TRANSPORTS,
  ...natsTransports(),
  codecTransport('msgpack-encode'),
  codecTransport('msgpack-decode'),
  codecTransport('shmring-encode'),
  codecTransport('shmring-decode'),
  codecTransport('json-stringify'),
  codecTransport('json-parse'),
];

/** Unique key of a transport: its name and codec (a name may have a raw and a msgpack row). */
export function transportKey(transport: Pick<Transport, 'name' | 'codec'>): string {
  return `${transport.name}/${transport.codec}`;
}
