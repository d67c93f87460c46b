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
import { natsTransports } from './nats.js';
import { futexPingPongTransport } from './futex-pingpong.js';
import { nodeForkObjectsTransport, shmringForkTransport } from './shmring-fork.js';
import { shmringMpscTransport } from './shmring-mpsc.js';
import { shmringSpscTransport } from './shmring-spsc.js';
import { streamTransport } from './stream.js';
import { LATENCY_SIZES, OBJECT_SIZE, RAW_SIZES, type Transport } from './transport.js';
import type { StreamKind } from '../lib/stream-channels.js';

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
    description: 'Unix domain stream socket (the baseline of the ratios)',
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
      description: `${description}; length-prefixed frames, one write() per message`,
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
    description: 'Unix domain stream socket',
    sizes: { throughput: [OBJECT_SIZE], latency: [OBJECT_SIZE] },
  }),
  streamTransport({
    name: 'unix-socket-coalesced',
    kind: 'unix',
    coalesce: true,
    codec: 'msgpack',
    description: 'Unix domain stream socket, frames coalesced into 64 KiB writes',
    sizes: { throughput: [OBJECT_SIZE], latency: [] },
  }),
];

/** MPSC rows: up to 64 KiB (1 MiB ring). */
const MPSC_SIZES = RAW_SIZES.filter((size) => size <= 65536);

/** shmring's rows: SPSC raw (zero-copy records) and objects (channel API) per wait strategy, MPSC, fork(). */
const SHMRING_TRANSPORTS: Transport[] = [
  shmringSpscTransport({
    wait: 'spin',
    codec: 'raw',
    sizes: { throughput: RAW_SIZES, latency: LATENCY_SIZES },
  }),
  shmringSpscTransport({
    wait: 'adaptive',
    codec: 'raw',
    sizes: { throughput: RAW_SIZES, latency: LATENCY_SIZES },
  }),
  shmringSpscTransport({
    wait: 'park',
    codec: 'raw',
    sizes: { throughput: [], latency: LATENCY_SIZES },
  }),
  // Not shmring: the floor of 'park', measured right after it (wake-up costs on a VM drift over time).
  futexPingPongTransport(),
  shmringSpscTransport({
    wait: 'spin',
    codec: 'msgpack',
    sizes: { throughput: [OBJECT_SIZE], latency: [OBJECT_SIZE] },
  }),
  shmringSpscTransport({
    wait: 'adaptive',
    codec: 'msgpack',
    sizes: { throughput: [OBJECT_SIZE], latency: [OBJECT_SIZE] },
  }),
  shmringMpscTransport(1, 'spin', MPSC_SIZES),
  shmringMpscTransport(4, 'adaptive', MPSC_SIZES),
  shmringForkTransport('msgpack', { throughput: [OBJECT_SIZE], latency: [OBJECT_SIZE] }),
  shmringForkTransport('raw', { throughput: COALESCED_SIZES, latency: LATENCY_SIZES }),
];

/** All transports, shmring's first. */
export const TRANSPORTS: readonly Transport[] = [
  ...SHMRING_TRANSPORTS,
  ...STREAMS.flatMap(rawStreamTransports),
  forkIpcTransport('json'),
  forkIpcTransport('advanced'),
  nodeForkObjectsTransport(),
  messagePortTransport(),
  ...OBJECT_TRANSPORTS,
  ...natsTransports(),
  codecTransport('msgpack-encode'),
  codecTransport('msgpack-decode'),
  codecTransport('json-stringify'),
  codecTransport('json-parse'),
];

/** Unique key of a transport: its name and codec (a name may have a raw and a msgpack row). */
export function transportKey(transport: Pick<Transport, 'name' | 'codec'>): string {
  return `${transport.name}/${transport.codec}`;
}
