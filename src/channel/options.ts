// Channel options: what users pass to createChannel/openChannel, checked once, up front.
import { checkOptionNames, invalidArgType, invalidArgValue } from '../errors.js';
import { checkCodecName, type Codec, type CodecOption } from '../codec/index.js';
import { CODEC_NAME_MAX_LENGTH, checkCapacity } from '../ring/index.js';
import { DEFAULT_MODE } from '../segment/index.js';
import type { WaitMode } from '../wait/index.js';
import type { WaitOptions } from './endpoints.js';

const WAIT_MODES: readonly WaitMode[] = ['spin', 'adaptive', 'park'];

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
  /**
   * 'msgpack' (default), 'raw' (Uint8Array in, Uint8Array out) or your own { name, encode,
   * decode }. The creator's codec is recorded in the channel: an opener without this option
   * adopts a built-in one, and an opener with a different codec is refused
   * (ERR_SHMRING_CODEC_MISMATCH).
   */
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
  /**
   * At creation, when the name is taken: 'stale' removes the existing segment and creates a
   * new one if it is stale (its creator, its receiver and every sender are gone: a crash left
   * it), and still fails with EEXIST if anyone using it is alive. Default 'never'.
   */
  takeOver?: 'never' | 'stale';
  /** Receiver: the largest message it accepts (default 1 GiB); larger ones are reported and skipped. */
  maxMessageBytes?: number;
  /**
   * Receiver: bytes that messages part-way through reassembly may hold together, across all
   * senders (default 1 GiB); a message that would go over it is reported and skipped.
   */
  maxReassemblyBytes?: number;
}

/** Every option name ChannelOptions has (others are refused: a typo would go unnoticed). */
export const CHANNEL_OPTION_NAMES: ReadonlySet<string> = new Set([
  'capacity',
  'producers',
  'codec',
  'mode',
  'unlink',
  'backing',
  'allowUids',
  'keepOpen',
  'takeOver',
  'maxMessageBytes',
  'maxReassemblyBytes',
  'wait',
  'spinMicros',
  'yieldMicros',
  'heartbeatTimeoutMs',
]);

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
  takeOver: 'never' | 'stale';
  maxMessageBytes: number | undefined;
  maxReassemblyBytes: number | undefined;
}

function oneOf<V extends string>(
  name: string,
  value: unknown,
  allowed: readonly V[],
  fallback: V,
): V {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value);
  if (!allowed.includes(value as V))
    throw invalidArgValue(name, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  return value as V;
}

// Checked here, before any endpoint attaches: a sender that attached and then failed would
// count as a producer, and closing it again could end the stream.
function codecOption<T>(value: CodecOption<T> | undefined): CodecOption<T> | undefined {
  if (value === undefined || value === 'msgpack' || value === 'raw') return value;
  if (typeof value === 'string')
    throw invalidArgValue('codec', "must be 'msgpack', 'raw' or a codec object", value);
  const codec = value as Partial<Codec<T>> | null;
  if (
    codec === null ||
    typeof codec !== 'object' ||
    typeof codec.encode !== 'function' ||
    typeof codec.decode !== 'function'
  )
    throw invalidArgType(
      'codec',
      "'msgpack', 'raw' or an object with name, encode() and decode()",
      value,
    );
  checkCodecName(value as Codec<unknown>, CODEC_NAME_MAX_LENGTH);
  return value;
}

function optional<V>(name: string, value: unknown, type: 'number' | 'boolean', fallback: V): V {
  if (value === undefined) return fallback;
  if (typeof value !== type) throw invalidArgType(name, `of type ${type}`, value);
  return value as V;
}

function uidList(value: unknown): readonly number[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidArgType('allowUids', 'an array of user ids', value);
  if (!value.every((uid) => Number.isInteger(uid) && uid >= 0)) {
    throw invalidArgValue('allowUids', 'must be an array of user ids', value);
  }
  return value as number[];
}

/**
 * Validates options: wrong types get ERR_INVALID_ARG_TYPE, wrong values ERR_INVALID_ARG_VALUE
 * or ERR_OUT_OF_RANGE, names ChannelOptions does not have ERR_SHMRING_UNKNOWN_OPTION
 * (`allowed`: the names the calling function takes).
 */
export function resolveOptions<T>(
  options: ChannelOptions<T> | undefined,
  allowed: ReadonlySet<string> = CHANNEL_OPTION_NAMES,
  what = 'a channel',
): ResolvedOptions<T> {
  if (options !== undefined && (options === null || typeof options !== 'object'))
    throw invalidArgType('options', 'an object', options);
  const o = options ?? {};
  checkOptionNames(what, o, allowed);
  return {
    capacity: checkCapacity(o.capacity ?? DEFAULT_CAPACITY),
    kind:
      oneOf('producers', o.producers, ['single', 'multi'], 'single') === 'single' ? 'spsc' : 'mpsc',
    codec: codecOption(o.codec),
    mode: optional('mode', o.mode, 'number', DEFAULT_MODE),
    unlink: oneOf('unlink', o.unlink, ['on-close', 'after-attach', 'never'], 'on-close'),
    backing: oneOf('backing', o.backing, ['shm', 'file', 'sysv'], 'shm'),
    allowUids: uidList(o.allowUids),
    keepOpen: optional('keepOpen', o.keepOpen, 'boolean', false),
    takeOver: oneOf('takeOver', o.takeOver, ['never', 'stale'], 'never'),
    maxMessageBytes: optional('maxMessageBytes', o.maxMessageBytes, 'number', undefined),
    maxReassemblyBytes: optional('maxReassemblyBytes', o.maxReassemblyBytes, 'number', undefined),
    wait:
      o.wait === undefined ? undefined : oneOf<WaitMode>('wait', o.wait, WAIT_MODES, 'adaptive'),
    spinMicros: optional('spinMicros', o.spinMicros, 'number', undefined),
    yieldMicros: optional('yieldMicros', o.yieldMicros, 'number', undefined),
    heartbeatTimeoutMs: optional('heartbeatTimeoutMs', o.heartbeatTimeoutMs, 'number', undefined),
  };
}
