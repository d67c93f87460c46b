// What a transport of the benchmark is: a named way of moving messages between two peers, which
// the runner opens once (a Session: child process, sockets, segments...) and then asks, many
// times and interleaved with other transports, for throughput and latency measurements.
import type { Verification } from '../lib/checksum.js';
import type { Codec, Pattern } from '../lib/schema.js';

export type { Codec, Pattern };

/** Raw payload sizes of the comparison (bytes). */
export const RAW_SIZES: readonly number[] = [16, 256, 4096, 65536, 1 << 20];
/** Raw payload sizes of the ping-pong latency rows. */
export const LATENCY_SIZES: readonly number[] = [16, 4096];
/** The `size` of the msgpack sample-object rows. */
export const OBJECT_SIZE = 0;

/** Given to Transport.open(). */
export interface OpenContext {
  /** A directory of this run's own (for sockets, FIFOs, file-backed segments); removed at the end. */
  tmpDir: string;
  /** A short id unique to this run, for names outside tmpDir (e.g. POSIX shm segment names). */
  runId: string;
}

/** One-way streaming: send `count` messages as fast as the transport allows. */
export interface ThroughputRequest {
  /** Payload bytes of a raw message; OBJECT_SIZE (0) for msgpack sample objects. */
  size: number;
  count: number;
  /** Sequence number of the first message (they never repeat within a session). */
  firstSeq: number;
}

/** Ping-pong: `roundTrips` times, send one message and wait for it to come back. */
export interface LatencyRequest {
  size: number;
  roundTrips: number;
  firstSeq: number;
}

export interface ThroughputMeasurement {
  messages: number;
  /** Payload bytes moved (encoded bytes for objects), framing not counted. */
  payloadBytes: number;
  /** From the first send to the consumer's confirmation that it had them all. */
  seconds: number;
  /** The consumer's count and checksum against the producer's (see lib/payload.ts). */
  verification: Verification;
}

export interface LatencyMeasurement {
  /** Each round trip's time in microseconds (from process.hrtime.bigint()). */
  rttUs: Float64Array;
  /** The echoed messages' count and checksum against what was sent. */
  verification: Verification;
}

/**
 * An open transport. The runner calls throughput() and latency() one at a time (never
 * concurrently), for the sizes the transport declares, and close() exactly once at the end, or
 * after a failure (a measurement that throws, times out, or fails its verification), after which
 * it opens a new session.
 */
export interface Session {
  /** Streams messages `firstSeq ..` one way; measures and verifies. */
  throughput(request: ThroughputRequest): Promise<ThroughputMeasurement>;
  /** Runs round trips; measures each and verifies what came back. */
  latency(request: LatencyRequest): Promise<LatencyMeasurement>;
  /** Releases everything the session created (processes, sockets, files, segments); never throws. */
  close(): Promise<void>;
}

export interface Transport {
  /** Row name in the results: `unix-socket` is the baseline; shmring's rows start with `shmring-`. */
  name: string;
  codec: Codec;
  /** One line for the reports' legends. */
  description: string;
  /** The sizes it is measured at, per pattern (empty: the pattern does not apply). */
  sizes: Record<Pattern, readonly number[]>;
  /** Sets up the peers; the session serves every measurement of this run until closed. */
  open(context: OpenContext): Promise<Session>;
}
