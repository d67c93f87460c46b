// The parent side of a transport whose other end is a peer serving lib/receiver.ts (a child
// process or a worker): the measurement protocol is the same for all of them, only how messages
// are sent differs.
//
// throughput: call `arm` -> start the clock -> send -> call `result` (answered once the peer has
// every message) -> stop the clock; latency: call `echo` -> ping-pong -> call `echoed`.
import { Decoder } from '@msgpack/msgpack';
import { CHECKSUM_SEED } from '../lib/checksum.js';
import type { ControlClient } from '../lib/control.js';
import { expectedTally, hashObject, hashRaw } from '../lib/payload.js';
import type { ReceiverResult } from '../lib/receiver.js';
import type {
  Codec,
  LatencyMeasurement,
  LatencyRequest,
  Session,
  ThroughputMeasurement,
  ThroughputRequest,
} from './transport.js';

/** What a peer-backed transport provides. */
export interface PeerLink {
  control: ControlClient;
  codec: Codec;
  /** Sends messages `firstSeq .. firstSeq+count-1`; resolves with the payload bytes once all are handed over. */
  send(request: ThroughputRequest): Promise<number>;
  /** Sends message `seq` to be echoed; the transport hands the echo to PeerSession.echo(). */
  sendPing(seq: number, size: number): void;
  /** Releases the transport's resources and stops the peer. */
  close(): Promise<void>;
}

type EchoHandler = (bytes: ArrayLike<number>, start: number, length: number) => void;

export class PeerSession implements Session {
  private onEcho: EchoHandler | null = null;
  private strays = 0;
  private abortLatency: ((error: Error) => void) | null = null;
  private failure: Error | null = null;
  private readonly decoder = new Decoder();

  constructor(private readonly link: PeerLink) {}

  async throughput({ size, count, firstSeq }: ThroughputRequest): Promise<ThroughputMeasurement> {
    this.throwIfFailed();
    const expected = expectedTally(this.link.codec, size, firstSeq, count);
    await this.link.control.call('arm', { codec: this.link.codec, count, size });
    const start = process.hrtime.bigint();
    const payloadBytes = await this.link.send({ size, count, firstSeq });
    const result = await this.link.control.call<ReceiverResult>('result');
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (result.error !== null)
      throw new Error(`the peer could not decode a message: ${result.error}`);
    return {
      messages: count,
      payloadBytes,
      seconds,
      verification: {
        expected,
        actual: { count: result.count + result.unexpected, checksum: result.checksum },
      },
    };
  }

  async latency({ size, roundTrips, firstSeq }: LatencyRequest): Promise<LatencyMeasurement> {
    this.throwIfFailed();
    const { codec } = this.link;
    const expected = expectedTally(codec, size, firstSeq, roundTrips);
    await this.link.control.call('echo', { count: roundTrips });
    const rttUs = new Float64Array(roundTrips);
    let received = 0;
    let checksum = CHECKSUM_SEED;
    let sentAt = 0n;
    this.strays = 0;
    const done = new Promise<void>((resolve, reject) => {
      this.abortLatency = reject;
      this.onEcho = (bytes, start, length) => {
        rttUs[received] = Number(process.hrtime.bigint() - sentAt) / 1000;
        checksum =
          codec === 'raw'
            ? hashRaw(checksum, bytes, start, length)
            : hashObject(
                checksum,
                this.decoder.decode((bytes as Uint8Array).subarray(start, start + length)),
              );
        if (++received === roundTrips) {
          this.onEcho = null;
          resolve();
        } else {
          sentAt = process.hrtime.bigint();
          this.link.sendPing(firstSeq + received, size);
        }
      };
    });
    sentAt = process.hrtime.bigint();
    this.link.sendPing(firstSeq, size);
    try {
      await done;
    } finally {
      this.onEcho = null;
      this.abortLatency = null;
    }
    const echoed = await this.link.control.call<number>('echoed');
    if (echoed !== roundTrips)
      throw new Error(`the peer echoed ${echoed} messages, expected ${roundTrips}`);
    return {
      rttUs,
      verification: { expected, actual: { count: received + this.strays, checksum } },
    };
  }

  /** The transport received an echoed message (`bytes[start .. start+length)`). */
  echo(bytes: ArrayLike<number>, start: number, length: number): void {
    if (this.onEcho !== null) this.onEcho(bytes, start, length);
    else this.strays++;
  }

  /** The peer or the channel broke: fails the measurement in progress and every later one. */
  abort(error: Error): void {
    this.failure ??= error;
    this.abortLatency?.(error);
  }

  close(): Promise<void> {
    return this.link.close().catch(() => undefined);
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }
}
