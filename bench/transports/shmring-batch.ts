// shmring channels between the bench process and a peer process (bench/children/shmring-batch-peer.ts)
// through the package's batch and zero-copy calls, without blocking the event loop:
//   'batch': the parent sends arrays of values with `sender.trySendBatch(values)`, the rest with
//   `await sender.sendBatch(rest)` when the ring is full; the peer takes arrays with
//   `for await (const batch of receiver.batches())`.
//   'batch-records' (raw payloads): the parent sends as 'batch'; the peer reads records in
//   place with `await receiver.receiveRecords((bytes, offset, length) => ...)`.
//   'zero-copy' (raw payloads): the parent writes runs of records in place with
//   `sender.trySendRecords(count, length, write)` (the rest with `await sender.sendRecords(...)`),
//   `write` putting each payload straight into the shared memory; the peer reads records in
//   place with `await receiver.receiveRecords((bytes, offset, length) => ...)`. A round trip
//   claims one record with `sender.tryClaim(length)` (falling back to `await
//   sender.claim(length)`), writes it into `sender.bytes` at the index and `sender.commit(index)`.
// Round trips go the same way both ways. Channels as in shmring-sync.ts.
import { hashValue, messageMaker } from '../lib/channel-calls.js';
import type { RecordWriter } from '../../src/index.js';
import { hashRaw, MIN_RAW_SIZE } from '../lib/payload.js';
import { putRawPayload, rawTemplateOf, wordsOf } from '../lib/shmring-records.js';
import { Cleanup } from '../lib/shmring-segments.js';
import { CHANNEL_CAPACITY, openPeerChannels, WAIT_TEXT } from './shmring-sync.js';
import { asyncPeerSession } from './async-session.js';
import type { Codec, OpenContext, Pattern, Session, Transport } from './transport.js';

/** How both sides call the channel. */
export type BatchStyle = 'batch' | 'batch-records' | 'zero-copy';

/** What the peer is told to open. */
export interface BatchPeerParams {
  style: BatchStyle;
  codec: Codec;
  wait: 'adaptive';
  ping: string;
  pong: string;
}

const STYLE_TEXT: Record<BatchStyle, string> = {
  batch:
    "codec 'raw' (Uint8Array payloads) or 'msgpack' (the objects): n = sender.trySendBatch(values) on arrays of up to 256 values (256 KiB), then await sender.sendBatch(values.slice(n)) if n < values.length -> for await (const batch of receiver.batches()); round trip: one value with sender.trySend(v), else await sender.send(v), the peer echoes each value of its batch the same way, the parent takes the echo with await receiver.receiveBatch()",
  'batch-records':
    "codec 'raw': n = sender.trySendBatch(values) on arrays of up to 256 values (256 KiB), then await sender.sendBatch(values.slice(n)) if n < values.length -> await receiver.receiveRecords((bytes, offset, length) => ...) (streams only)",
  'zero-copy':
    "codec 'raw': n = sender.trySendRecords(count, length, (bytes, offset, i) => ...) on runs of up to 256 records, writing each payload in place, then await sender.sendRecords(count - n, ...) if n < count -> await receiver.receiveRecords((bytes, offset, length) => ...); round trip: i = sender.tryClaim(length), else await sender.claim(length); sender.bytes.set(payload, i); sender.commit(i), the same both ways (the peer's view claims and commits the echo, claimSync when the ring is full)",
};

export function shmringBatchTransport(
  style: BatchStyle,
  codec: Codec,
  sizes: Record<Pattern, readonly number[]>,
): Transport {
  if (style !== 'batch' && codec !== 'raw') throw new Error('records carry raw payloads only');
  return {
    name: `shmring-${style}`,
    codec,
    description: `shmring channel, ${WAIT_TEXT.adaptive}, ${CHANNEL_CAPACITY >> 20} MiB, ${STYLE_TEXT[style]}`,
    sizes,
    open: (context) => openBatchSession({ style, codec, wait: 'adaptive' }, context),
  };
}

async function openBatchSession(
  params: Omit<BatchPeerParams, 'ping' | 'pong'>,
  context: OpenContext,
): Promise<Session> {
  const { style, codec } = params;
  const cleanup = new Cleanup();
  try {
    const { peer, sender, receiver } = await openPeerChannels(
      'shmring-batch-peer',
      params,
      context,
      cleanup,
    );
    // One value: the round trip's ping (and the batch row's echo).
    const send =
      style !== 'zero-copy'
        ? (value: unknown) => (sender.trySend(value) ? undefined : sender.send(value))
        : (payload: unknown) => {
            const bytes = payload as Uint8Array;
            const index = sender.tryClaim(bytes.length);
            if (index < 0) return claimAndCommit(bytes);
            sender.bytes.set(bytes, index);
            sender.commit(index);
            return undefined;
          };
    const claimAndCommit = async (bytes: Uint8Array): Promise<void> => {
      const index = await sender.claim(bytes.length);
      sender.bytes.set(bytes, index);
      sender.commit(index);
    };
    const receiveEcho =
      style === 'batch'
        ? async (hash: number) => {
            for (const value of await receiver.receiveBatch()) hash = hashValue(codec, hash, value);
            return hash;
          }
        : async (hash: number) => {
            await receiver.receiveRecords((bytes, offset, length) => {
              hash = hashRaw(hash, bytes, offset, length);
            });
            return hash;
          };
    const sendBatch =
      style !== 'zero-copy'
        ? (values: unknown[]) => {
            const sent = sender.trySendBatch(values);
            return sent === values.length ? undefined : sender.sendBatch(values.slice(sent));
          }
        : undefined;
    // Zero-copy streams: each payload written where the receiver will read it.
    const words = wordsOf(sender.buffer);
    let template = rawTemplateOf(MIN_RAW_SIZE);
    let firstOfCall = 0;
    const writeRecord: RecordWriter = (bytes, offset, i) =>
      putRawPayload(template, bytes, words, offset, firstOfCall + i);
    const sendRecords = (size: number, firstSeq: number, count: number) => {
      template = rawTemplateOf(size);
      firstOfCall = firstSeq;
      const sent = sender.trySendRecords(count, size, writeRecord);
      if (sent === count) return undefined;
      firstOfCall += sent; // the call below starts again from its own record 0
      return sender.sendRecords(count - sent, size, writeRecord);
    };
    return asyncPeerSession({
      control: peer.control,
      codec,
      message: messageMaker(codec, style === 'zero-copy' ? 1 : 256),
      send,
      sendBatch,
      sendRecords: style === 'zero-copy' ? sendRecords : undefined,
      sendPing: send,
      receiveEcho,
      close: () => cleanup.run(),
    });
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}
