// Options of NATS channels: what users pass to createChannel/openChannel, checked up front.
import type { NodeConnectionOptions } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';

import { resolveCodec, type Codec, type CodecOption } from '../codec/index.js';
import { checkInteger, invalidArgType, invalidArgValue } from '../errors.js';

export interface NatsChannelOptions<T = unknown> {
  /** The server(s) to connect to: 'nats://host:4222' or a list (default the client's: localhost). */
  servers?: string | string[];
  /** Further connection options passed to the client as they are (credentials, TLS, name...). */
  connection?: Omit<NodeConnectionOptions, 'servers'>;
  /** An open connection to use instead of connecting; it stays open when the channel closes. */
  nc?: NatsConnection;
  /** At creation: the stream's `max_bytes` (default 8 MiB). A full stream holds back senders. */
  capacity?: number;
  /** 'msgpack' (default), 'raw' or your own { encode, decode }: the message payload is its bytes. */
  codec?: CodecOption<T>;
  /**
   * At creation: 'on-close' (default) deletes the streams when the receiver closes (memory
   * storage); 'never' keeps them, on file storage, for a later receiver.
   */
  unlink?: 'on-close' | 'never';
  /** At creation: 'file' puts the streams on the server's file storage even with unlink 'on-close'. */
  backing?: 'memory' | 'file';
  /** Receiver: the stream does not end when the last sender closes. Default false. */
  keepOpen?: boolean;
  /** Sender: how often its registration is refreshed (default 2000 ms); 3 missed beats end it. */
  heartbeatMs?: number;
  /** How long an operation retries while the server is unreachable before ECONNRESET (default 10 s). */
  serverTimeoutMs?: number;
  /** At creation: how long a value handed to a receiver that died stays unacknowledged before it is redelivered (default 10 s). */
  ackWaitMs?: number;
}

export const DEFAULT_NATS_CAPACITY = 8 << 20;
/** Below this a stream cannot hold a fragment and its headers. */
export const MIN_NATS_CAPACITY = 16 << 10;

export interface ResolvedNatsOptions<T> {
  servers: string | string[] | undefined;
  connection: Omit<NodeConnectionOptions, 'servers'>;
  nc: NatsConnection | undefined;
  capacity: number;
  codec: Codec<T>;
  storage: 'file' | 'memory';
  deleteOnClose: boolean;
  keepOpen: boolean;
  heartbeatMs: number;
  serverTimeoutMs: number;
  ackWaitMs: number;
}

function choice<V extends string>(name: string, value: unknown, allowed: readonly V[]): V {
  if (value === undefined) return allowed[0];
  if (!allowed.includes(value as V))
    throw invalidArgValue(name, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  return value as V;
}

function servers(value: unknown): string | string[] | undefined {
  if (
    value === undefined ||
    typeof value === 'string' ||
    (Array.isArray(value) && value.every((s) => typeof s === 'string'))
  )
    return value;
  throw invalidArgType('servers', 'a string or an array of strings', value);
}

const MAX_MS = 2 ** 31 - 1;

/** Validates options; unknown values get ERR_INVALID_ARG_VALUE, wrong types ERR_INVALID_ARG_TYPE. */
export function resolveNatsOptions<T>(
  options: NatsChannelOptions<T> | undefined,
): ResolvedNatsOptions<T> {
  if (options !== undefined && (options === null || typeof options !== 'object'))
    throw invalidArgType('options', 'an object', options);
  const o = options ?? {};
  const unlink = choice('unlink', o.unlink, ['on-close', 'never']);
  const backing = choice('backing', o.backing, ['memory', 'file']);
  return {
    servers: servers(o.servers),
    connection: o.connection ?? {},
    nc: o.nc,
    capacity: checkInteger(
      'capacity',
      o.capacity ?? DEFAULT_NATS_CAPACITY,
      MIN_NATS_CAPACITY,
      2 ** 52,
    ),
    codec: resolveCodec(o.codec),
    storage: unlink === 'never' || backing === 'file' ? 'file' : 'memory',
    deleteOnClose: unlink === 'on-close',
    keepOpen: o.keepOpen ?? false,
    heartbeatMs: checkInteger('heartbeatMs', o.heartbeatMs ?? 2000, 50, MAX_MS),
    serverTimeoutMs: checkInteger('serverTimeoutMs', o.serverTimeoutMs ?? 10_000, 100, MAX_MS),
    ackWaitMs: checkInteger('ackWaitMs', o.ackWaitMs ?? 10_000, 1000, MAX_MS),
  };
}
