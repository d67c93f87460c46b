// Sessions whose parent side sends and receives with awaited calls, one message at a time (the
// shmring async rows, ZeroMQ): the peer protocol of lib/receiver.ts (arm -> messages -> result,
// echo -> round trips -> echoed) over the control channel.
//
// throughput: arm -> start the clock -> `send(message)` for each (or `sendBatch(messages)` for
// each array of them), awaited when it returns a promise -> result -> stop;
// latency: echo -> for each round trip `await sendPing(message)`, `await receiveEcho()` -> echoed.
import { batchLength } from '../lib/channel-calls.js';
import { CHECKSUM_SEED } from '../lib/checksum.js';
import type { ControlClient } from '../lib/control.js';
import { expectedTally, payloadBytes } from '../lib/payload.js';
import type { ReceiverResult } from '../lib/receiver.js';
import { checkEchoed } from '../lib/sync-peer-session.js';
import type { Codec, Session } from './transport.js';

export interface AsyncLink {
  control: ControlClient;
  codec: Codec;
  /** Message `seq` of `size` bytes (or a sample object). */
  message(size: number, seq: number): unknown;
  /** Hands one message of a stream over; a promise when it was not sent at once (awaited then). */
  send(message: unknown): Promise<void> | undefined;
  /**
   * If set, a stream's messages go through this instead of send(), in arrays of
   * batchLength(size) (lib/channel-calls.ts); the array may be reused once it returns or its
   * promise resolves. message() must then return distinct objects for that many calls in a row.
   */
  sendBatch?(messages: unknown[]): Promise<void> | undefined;
  /**
   * If set, a stream's messages go through this instead of send(): raw messages
   * `firstSeq .. firstSeq+count-1` of `size` bytes, written in place, in runs of
   * batchLength(size) messages.
   */
  sendRecords?(size: number, firstSeq: number, count: number): Promise<void> | undefined;
  /** Sends one message to be echoed (the same as send() where one channel does both). */
  sendPing(message: unknown): Promise<void> | undefined;
  /** The next echo, folded into `hash`. */
  receiveEcho(hash: number): Promise<number>;
  /** Releases everything; never throws. */
  close(): Promise<void>;
}

export function asyncPeerSession(link: AsyncLink): Session {
  const { control, codec } = link;
  return {
    async throughput({ size, count, firstSeq }) {
      const expected = expectedTally(codec, size, firstSeq, count);
      await control.call('arm', { codec, count, size });
      const start = process.hrtime.bigint();
      const { sendBatch, sendRecords } = link;
      if (sendRecords !== undefined) {
        const length = batchLength(size);
        for (let seq = firstSeq; seq < firstSeq + count; seq += length) {
          const sending = sendRecords(size, seq, Math.min(length, firstSeq + count - seq));
          if (sending !== undefined) await sending;
        }
      } else if (sendBatch === undefined) {
        for (let seq = firstSeq; seq < firstSeq + count; seq++) {
          const sending = link.send(link.message(size, seq));
          if (sending !== undefined) await sending;
        }
      } else {
        const batch: unknown[] = [];
        const length = batchLength(size);
        for (let seq = firstSeq; seq < firstSeq + count; seq++) {
          batch.push(link.message(size, seq));
          if (batch.length === length || seq === firstSeq + count - 1) {
            const sending = sendBatch(batch);
            if (sending !== undefined) await sending;
            batch.length = 0;
          }
        }
      }
      const result = await control.call<ReceiverResult>('result');
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (result.error !== null) throw new Error(`the peer got a wrong value: ${result.error}`);
      return {
        messages: count,
        payloadBytes: payloadBytes(codec, size, firstSeq, count),
        seconds,
        verification: {
          expected,
          actual: { count: result.count + result.unexpected, checksum: result.checksum },
        },
      };
    },
    async latency({ size, roundTrips, firstSeq }) {
      const expected = expectedTally(codec, size, firstSeq, roundTrips);
      await control.call('echo', { count: roundTrips });
      const rttUs = new Float64Array(roundTrips);
      let checksum = CHECKSUM_SEED;
      let previous = process.hrtime.bigint();
      for (let i = 0; i < roundTrips; i++) {
        await link.sendPing(link.message(size, firstSeq + i));
        checksum = await link.receiveEcho(checksum);
        const now = process.hrtime.bigint();
        rttUs[i] = Number(now - previous) / 1000;
        previous = now;
      }
      await checkEchoed(control, roundTrips);
      return { rttUs, verification: { expected, actual: { count: roundTrips, checksum } } };
    },
    close: () => link.close().catch(() => undefined),
  };
}
