// Sessions whose messages move in synchronous loops on both sides (the shmring rows and the
// futex ping-pong): the peer protocol of lib/receiver.ts (arm -> messages -> result, echo ->
// round trips -> echoed) over the control channel, but the parent writes or ping-pongs without
// returning to its event loop, and the peer consumes or echoes in a loop of its own, started
// right after it has answered `arm` / `echo`. Blocking waits go in slices, between which a side
// checks that its peer still runs; it gives up after STALL_MS without progress.
import { emptyTally, type Tally } from './checksum.js';
import { serveControl, type ControlClient, type Endpoint, type Handler } from './control.js';
import { expectedTally } from './payload.js';
import type {
  Codec,
  LatencyMeasurement,
  LatencyRequest,
  Session,
  ThroughputMeasurement,
  ThroughputRequest,
} from '../transports/transport.js';
import { isProcessAlive } from '../../src/lifecycle/liveness.js';

/** What a synchronous transport provides to its session. */
export interface SyncLink {
  control: ControlClient;
  codec: Codec;
  /** Writes messages `firstSeq .. firstSeq+count-1`, blocking while the transport is full; returns the payload bytes. */
  produce(size: number, firstSeq: number, count: number): number;
  /** Sends message `seq`, blocks until its echo is back, and returns `hash` with the echo folded in. */
  roundTrip(size: number, seq: number, hash: number): number;
  /** Releases the transport's resources and stops the peer; never throws. */
  close(): Promise<void>;
}

export class SyncPeerSession implements Session {
  constructor(private readonly link: SyncLink) {}

  async throughput({ size, count, firstSeq }: ThroughputRequest): Promise<ThroughputMeasurement> {
    const { control, codec } = this.link;
    const expected = expectedTally(codec, size, firstSeq, count);
    await control.call('arm', { count, size });
    const start = process.hrtime.bigint();
    const payloadBytes = this.link.produce(size, firstSeq, count);
    const actual = await control.call<Tally>('result');
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { messages: count, payloadBytes, seconds, verification: { expected, actual } };
  }

  async latency({ size, roundTrips, firstSeq }: LatencyRequest): Promise<LatencyMeasurement> {
    const { control, codec } = this.link;
    const expected = expectedTally(codec, size, firstSeq, roundTrips);
    await control.call('echo', { count: roundTrips, size });
    const rttUs = new Float64Array(roundTrips);
    let checksum = emptyTally().checksum;
    // One clock read per round trip (~70 ns on this VM): each one ends a round trip and starts the next.
    let previous = process.hrtime.bigint();
    for (let i = 0; i < roundTrips; i++) {
      checksum = this.link.roundTrip(size, firstSeq + i, checksum);
      const now = process.hrtime.bigint();
      rttUs[i] = Number(now - previous) / 1000;
      previous = now;
    }
    await checkEchoed(control, roundTrips);
    return { rttUs, verification: { expected, actual: { count: roundTrips, checksum } } };
  }

  close(): Promise<void> {
    return this.link.close().catch(() => undefined);
  }
}

/** Asks the peer how many messages it echoed; throws unless all `roundTrips`. */
export async function checkEchoed(control: ControlClient, roundTrips: number): Promise<void> {
  const echoed = await control.call<number>('echoed');
  if (echoed !== roundTrips)
    throw new Error(`the peer echoed ${echoed} messages, expected ${roundTrips}`);
}

/** The peer's side of a SyncPeerSession: its loops, and its own operations (e.g. `open`). */
export interface SyncPeer {
  /** Receives `count` messages of `size` bytes (0: objects), blocking; returns their tally. */
  consume(count: number, size: number): Tally;
  /** Echoes `count` messages back one by one, blocking. */
  echo(count: number, size: number): void;
}

/** Serves arm/result/echo/echoed with the peer's loops, plus `handlers`. */
export function serveSyncPeer(
  endpoint: Endpoint,
  peer: SyncPeer,
  handlers: Record<string, Handler>,
): void {
  let pending: Promise<Tally> = Promise.resolve(emptyTally());
  // The loop starts after the reply to arm / echo is out (replies are sent from a microtask).
  const later = (run: () => Tally): void => {
    pending = new Promise((resolve, reject) =>
      setImmediate(() => {
        try {
          resolve(run());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      }),
    );
    pending.catch(() => undefined); // reported through result / echoed
  };
  serveControl(endpoint, {
    ...handlers,
    arm: ({ count, size }: { count: number; size: number }) =>
      later(() => peer.consume(count, size)),
    result: () => pending,
    echo: ({ count, size }: { count: number; size: number }) =>
      later(() => {
        peer.echo(count, size);
        return { count, checksum: 0 };
      }),
    echoed: async () => (await pending).count,
  });
}

/** A blocking loop that makes no progress for this long fails (a peer hangs). */
export const STALL_MS = 10_000;
/** Blocking waits last at most this long before the peer is checked. */
const WAIT_SLICE_MS = 200;

/** True once process `pid` has exited, including as a zombie not reaped yet (a parent blocked in a loop reaps nothing). */
export function processExited(pid: number | undefined): boolean {
  return pid === undefined || !isProcessAlive(pid);
}

/** Says whether the other side of a blocking wait is gone. */
export type PeerCheck = () => boolean;

/** In a peer: whether the parent is gone (the peer was handed to another parent). */
export const parentGone: PeerCheck = (
  (parent) => () =>
    process.ppid !== parent
)(process.ppid);

/**
 * Repeats `attempt(timeoutMs)`, a blocking wait of at most that long that returns 0 when
 * nothing happened, until it returns something else. Throws once `peerGone()` or after STALL_MS.
 */
export function waitFor(
  attempt: (timeoutMs: number) => number,
  what: string,
  peerGone: PeerCheck,
): number {
  let n = attempt(WAIT_SLICE_MS);
  if (n !== 0) return n; // the common case: no clock read of ours
  for (
    const deadline = performance.now() + STALL_MS - WAIT_SLICE_MS;
    n === 0;
    n = attempt(WAIT_SLICE_MS)
  ) {
    if (peerGone()) throw new Error(`${what}: the peer process is gone`);
    if (performance.now() >= deadline)
      throw new Error(`${what}: nothing for ${STALL_MS / 1000} s (stalled)`);
  }
  return n;
}
