// Channel options: what users pass to createChannel/openChannel, checked once, up front.
import { invalidArgType, invalidArgValue } from '../errors.js';
import type { Codec, CodecOption } from '../codec/index.js';
import { checkCapacity } from '../ring/index.js';
import { DEFAULT_MODE } from '../segment/index.js';
import type { WaitOptions } from './endpoints.js';

/**
 * What happens to the segment's name:
 * - 'on-close' (default): the creator removes it when it closes;
 * - 'after-attach': removed as soon as the first producer has mapped it, so a crash leaves nothing behind;
 * - 'never': it stays until removed (`shmring rm`), and messages wait in it for a later receiver.
 */
export type UnlinkPolicy = 'on-close' | 'after-attach' | 'never';

/** Where the ring lives: a POSIX shm name ('/name'), a regular file path, or a System V key. */
export type Backing = 'shm' | 'file' | 'sysv';

export interface ChannelOptions<T = unknown> extends WaitOptions {
  /** Ring data bytes, a power of two (default 1 MiB). Larger messages are sent in fragments. */
  capacity?: number;
  /** 'single' (SPSC, default) or 'multi' (MPSC: any number of senders, up to 64 at once). */
  producers?: 'single' | 'multi';
  /** 'msgpack' (default), 'raw' (Uint8Array in, Uint8Array out) or your own { encode, decode }. */
  codec?: CodecOption<T>;
  /** Permission bits of a new segment (default 0o600: owner only). */
  mode?: number;
  /** When the segment's name goes away (default 'on-close'). */
  unlink?: UnlinkPolicy;
  /** The segment's backing (default 'shm'). With 'sysv' the name is the numeric key. */
  backing?: Backing;
  /** Other users whose segments this process may attach to (default: only its own). */
  allowUids?: readonly number[];
  /**
   * At creation: the stream does not end when the last sender closes, and new senders may
   * attach at any time (a server's inbox, a persistent queue). Default false.
   */
  keepOpen?: boolean;
}

export const DEFAULT_CAPACITY = 1 << 20;

export interface ResolvedOptions<T> extends WaitOptions {
  capacity: number;
  kind: 'spsc' | 'mpsc';
  codec: CodecOption<T> | undefined;
  mode: number;
  unlink: UnlinkPolicy;
  backing: Backing;
  allowUids: readonly number[];
  keepOpen: boolean;
}

function oneOf<V extends string>(
  name: string,
  value: unknown,
  allowed: readonly V[],
  fallback: V,
): V {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as V))
    throw invalidArgValue(name, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  return value as V;
}

// Checked here, before any endpoint attaches: a sender that attached and then failed would
// count as a producer, and closing it again could end the stream.
function codecOption<T>(value: CodecOption<T> | undefined): CodecOption<T> | undefined {
  if (value === undefined || value === 'msgpack' || value === 'raw') return value;
  const codec = value as Partial<Codec<T>> | null;
  if (
    codec !== null &&
    typeof codec === 'object' &&
    typeof codec.encode === 'function' &&
    typeof codec.decode === 'function'
  )
    return value;
  throw invalidArgValue(
    'codec',
    "must be 'msgpack', 'raw' or an object with encode() and decode()",
    value,
  );
}

function uidList(value: unknown): readonly number[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((uid) => Number.isInteger(uid) && uid >= 0)) {
    throw invalidArgValue('allowUids', 'must be an array of user ids', value);
  }
  return value as number[];
}

/** Validates options; unknown values get ERR_INVALID_ARG_VALUE, wrong types ERR_INVALID_ARG_TYPE. */
export function resolveOptions<T>(options: ChannelOptions<T> | undefined): ResolvedOptions<T> {
  if (options !== undefined && (options === null || typeof options !== 'object'))
    throw invalidArgType('options', 'an object', options);
  const o = options ?? {};
  return {
    capacity: checkCapacity(o.capacity ?? DEFAULT_CAPACITY),
    kind:
      oneOf('producers', o.producers, ['single', 'multi'], 'single') === 'single' ? 'spsc' : 'mpsc',
    codec: codecOption(o.codec),
    mode: o.mode ?? DEFAULT_MODE,
    unlink: oneOf('unlink', o.unlink, ['on-close', 'after-attach', 'never'], 'on-close'),
    backing: oneOf('backing', o.backing, ['shm', 'file', 'sysv'], 'shm'),
    allowUids: uidList(o.allowUids),
    keepOpen: o.keepOpen ?? false,
    wait: o.wait,
    spinMicros: o.spinMicros,
    yieldMicros: o.yieldMicros,
    heartbeatTimeoutMs: o.heartbeatTimeoutMs,
  };
}
