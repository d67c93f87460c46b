// Codec only, in this process: how fast the sample objects encode and decode, the ceiling of any
// transport that carries them. `shmring-encode` and `-decode` run shmring's MessagePack codec
// (what its senders and receivers run); JSON rows are for reference (codec 'raw' in the results: the
// schema's codecs are raw and msgpack).
//
// Verification: decode rows hash every decoded object; encode rows decode every 256th encoding
// (a small, fixed share of the loop) and hash those.
import { Decoder, Encoder } from '@msgpack/msgpack';

import { createMsgpackCodec } from '../../src/index.js';
import { CHECKSUM_SEED, type Tally } from '../lib/checksum.js';
import { hashObject, sampleObject } from '../lib/payload.js';
import { OBJECT_SIZE, type Session, type ThroughputRequest, type Transport } from './transport.js';

export type CodecOperation =
  | 'msgpack-encode'
  | 'msgpack-decode'
  | 'shmring-encode'
  | 'shmring-decode'
  | 'json-stringify'
  | 'json-parse';

/** Encoded messages that decode rows cycle through. */
const DECODE_RING = 4096;
/** Encode rows verify the encodings whose sequence number is a multiple of this. */
const SAMPLE_EVERY = 256;

/** One codec's operations on encodings of type E (a string for JSON, bytes for msgpack). */
interface CodecOps<E extends { length: number }> {
  encode(value: unknown): E;
  decode(encoded: E): unknown;
  /** A copy of an encoding that outlives the next encode(). */
  keep(encoded: E): E;
}

function jsonOps(): CodecOps<string> {
  return {
    encode: (value) => JSON.stringify(value),
    decode: (text) => JSON.parse(text) as unknown,
    keep: (text) => text,
  };
}

function msgpackOps(): CodecOps<Uint8Array> {
  const encoder = new Encoder();
  const decoder = new Decoder();
  return {
    encode: (value) => encoder.encodeSharedRef(value),
    decode: (bytes) => decoder.decode(bytes),
    keep: (bytes) => bytes.slice(),
  };
}

function shmringOps(): CodecOps<Uint8Array> {
  const codec = createMsgpackCodec();
  return {
    encode: (value) => codec.encode(value),
    decode: (bytes) => codec.decode(bytes),
    keep: (bytes) => bytes.slice(),
  };
}

const OPS = { json: jsonOps, msgpack: msgpackOps, shmring: shmringOps };
const LIBRARIES = {
  json: 'JSON',
  msgpack: '@msgpack/msgpack',
  shmring: "shmring's MessagePack codec (createMsgpackCodec())",
};

/** Tally of objects at the given sequence numbers. */
function tallyOf(seqs: Iterable<number>): Tally {
  let count = 0;
  let checksum = CHECKSUM_SEED;
  for (const seq of seqs) {
    checksum = hashObject(checksum, sampleObject(seq));
    count++;
  }
  return { count, checksum };
}

function* sampledSeqs(firstSeq: number, count: number): Generator<number> {
  for (let seq = firstSeq; seq < firstSeq + count; seq++) if (seq % SAMPLE_EVERY === 0) yield seq;
}

function* ringSeqs(firstSeq: number, count: number): Generator<number> {
  for (let i = 0; i < count; i++) yield firstSeq + (i % DECODE_RING);
}

function encodeRun<E extends { length: number }>(
  codec: CodecOps<E>,
  { count, firstSeq }: ThroughputRequest,
): { bytes: number; sampled: Tally } {
  let bytes = 0;
  let checksum = CHECKSUM_SEED;
  let sampled = 0;
  for (let seq = firstSeq; seq < firstSeq + count; seq++) {
    const encoded = codec.encode(sampleObject(seq));
    bytes += encoded.length;
    if (seq % SAMPLE_EVERY === 0) {
      checksum = hashObject(checksum, codec.decode(encoded));
      sampled++;
    }
  }
  return { bytes, sampled: { count: sampled, checksum } };
}

function decodeRun<E extends { length: number }>(
  codec: CodecOps<E>,
  ring: E[],
  { count }: ThroughputRequest,
): { bytes: number; tally: Tally } {
  let bytes = 0;
  let checksum = CHECKSUM_SEED;
  for (let i = 0; i < count; i++) {
    const encoded = ring[i % DECODE_RING]!;
    checksum = hashObject(checksum, codec.decode(encoded));
    bytes += encoded.length;
  }
  return { bytes, tally: { count, checksum } };
}

function codecSession<E extends { length: number }>(
  codec: CodecOps<E>,
  decoding: boolean,
): Session {
  return {
    async throughput(request) {
      const { count, firstSeq } = request;
      if (!decoding) {
        const expected = tallyOf(sampledSeqs(firstSeq, count));
        const start = process.hrtime.bigint();
        const { bytes, sampled } = encodeRun(codec, request);
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        return {
          messages: count,
          payloadBytes: bytes,
          seconds,
          verification: { expected, actual: sampled },
        };
      }
      const ring = Array.from({ length: DECODE_RING }, (_, i) =>
        codec.keep(codec.encode(sampleObject(firstSeq + i))),
      );
      const expected = tallyOf(ringSeqs(firstSeq, count));
      const start = process.hrtime.bigint();
      const { bytes, tally } = decodeRun(codec, ring, request);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      return {
        messages: count,
        payloadBytes: bytes,
        seconds,
        verification: { expected, actual: tally },
      };
    },
    latency: () => Promise.reject(new Error('codec-only rows have no latency')),
    close: async () => undefined,
  };
}

export function codecTransport(operation: CodecOperation): Transport {
  const [format, direction] = operation.split('-') as [keyof typeof OPS, string];
  const decoding = direction === 'decode' || direction === 'parse';
  return {
    name: `codec-${operation}`,
    codec: format === 'json' ? 'raw' : 'msgpack',
    description: `codec only, one thread: ${LIBRARIES[format]} ${direction} of the sample object (no transport)`,
    sizes: { throughput: [OBJECT_SIZE], latency: [] },
    open: async () => codecSession<string | Uint8Array>(OPS[format](), decoding),
  };
}
