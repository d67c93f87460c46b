// The link to the server: the NATS client is loaded here, on first use, and only here, so
// the rest of shmring never needs the optional @nats-io packages.
import { createRequire } from 'node:module';

import type { MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';

import { ShmringError } from '../errors.js';
import type { ResolvedNatsOptions } from './options.js';

/** One channel end's connection and JetStream handles. */
export interface NatsLink {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** A new, empty header set. */
  headers(): MsgHdrs;
  /** The server's largest message (payload and headers). */
  readonly maxPayload: number;
  /** Closes the connection if the link opened it (a connection passed in stays open). */
  close(): Promise<void>;
}

/** require() from this module: the @nats-io packages are CommonJS. */
const requireHere = createRequire(import.meta.url);

/**
 * The optional package `name`, loaded on first use. With require(), not import(): under
 * Node 22 with tsx's loader, import() of these CommonJS packages was seen to hand out a
 * namespace whose exports were all undefined (and `default` an empty object) once other
 * modules had loaded, while require() returns the complete module.
 */
function load<M>(name: string): M {
  try {
    return requireHere(name) as M; // require() keeps its own cache: loaded once per process
  } catch (error) {
    throw new ShmringError(
      'ERR_SHMRING_NATS_MISSING',
      `shmring/nats needs the optional peer dependency ${name}: npm install @nats-io/transport-node @nats-io/jetstream`,
      { cause: error },
    );
  }
}

/** Connects (or adopts `nc`), retrying reconnects for as long as the caller lets operations wait. */
export async function openLink(o: ResolvedNatsOptions<unknown>): Promise<NatsLink> {
  const transport = load<typeof import('@nats-io/transport-node')>('@nats-io/transport-node');
  const jetstreamModule = load<typeof import('@nats-io/jetstream')>('@nats-io/jetstream');
  let nc = o.nc;
  const owned = nc === undefined;
  if (nc === undefined) {
    try {
      nc = await transport.connect({
        // Reconnect for good: operations give up on their own deadline (ECONNRESET).
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        ...o.connection,
        servers: o.servers,
      });
    } catch (error) {
      throw new ShmringError(
        'ECONNREFUSED',
        `cannot connect to NATS at ${String(o.servers ?? 'localhost:4222')}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  const conn = nc;
  const jsm = await jetstreamModule.jetstreamManager(conn);
  return {
    nc: conn,
    js: jetstreamModule.jetstream(conn),
    jsm,
    headers: () => transport.headers(),
    maxPayload: conn.info?.max_payload ?? 1 << 20,
    close: async () => {
      if (!owned || conn.isClosed()) return;
      await conn.flush().catch(() => {}); // acknowledgements still buffered
      await conn.close();
    },
  };
}
