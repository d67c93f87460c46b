// Typed errors with Node-style `code`s, shared by every layer.

/**
 * Every `code` a ShmringError carries; a new code is added here first. Failed system calls are
 * Node-style errors from the addon (`code` EEXIST, ENOENT, ... with `errno` and `syscall`), and
 * bad arguments are TypeError / RangeError with ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE or
 * ERR_OUT_OF_RANGE, as in Node.
 */
export type ShmringErrorCode =
  /** A wait given an AbortSignal was aborted. */
  | 'ABORT_ERR'
  /** A segment owned by another uid that `allowUids` does not name. */
  | 'EACCES'
  /** The resource is taken: an SPSC channel's one sender slot, every MPSC slot, a waiter in use. */
  | 'EBUSY'
  /** The NATS server refused the connection. */
  | 'ECONNREFUSED'
  /** The receiver's process died (its heartbeat stopped). */
  | 'ECONNRESET'
  /** A channel of that name exists; the message says whether it is stale and how to remove it. */
  | 'EEXIST'
  /** No free producer slot is left in an MPSC channel. */
  | 'EMFILE'
  /** No such channel (NATS: its streams do not exist). */
  | 'ENOENT'
  /** The receiver closed the channel. */
  | 'EPIPE'
  /** A `timeoutMs` elapsed. */
  | 'ETIMEDOUT'
  /** fork(): send() after the channel closed, as Node's IPC. */
  | 'ERR_IPC_CHANNEL_CLOSED'
  /** fork(): disconnect() of a channel already disconnected, as Node's IPC. */
  | 'ERR_IPC_DISCONNECTED'
  /** Not a shmring segment of this format version, or a ring of the other kind. */
  | 'ERR_SHMRING_BAD_FORMAT'
  /** A message that could not be decoded; it was skipped and later messages still arrive. */
  | 'ERR_SHMRING_BAD_FRAME'
  /** The channel's shared memory was found corrupt earlier; nothing more goes through it. */
  | 'ERR_SHMRING_BROKEN'
  /** A synchronous send while asynchronous sends of the same sender are pending. */
  | 'ERR_SHMRING_BUSY'
  /** A commit of a claim that the receiver cleared meanwhile (its sender was taken for dead). */
  | 'ERR_SHMRING_CLAIM_LOST'
  /** The endpoint was closed. */
  | 'ERR_SHMRING_CLOSED'
  /** The channel was created with another codec (both are named in the message). */
  | 'ERR_SHMRING_CODEC_MISMATCH'
  /** A record of the ring failed validation (lengths, positions, flags), named by position. */
  | 'ERR_SHMRING_CORRUPT'
  /** Every sender closed and every message was received. */
  | 'ERR_SHMRING_END_OF_STREAM'
  /** The buffer handed to createRing already holds a ring. */
  | 'ERR_SHMRING_EXISTS'
  /** A fragmented message larger than the receiver accepts; it was skipped. */
  | 'ERR_SHMRING_FRAME_TOO_LARGE'
  /** The installed @msgpack/msgpack lacks internals the codec relies on. */
  | 'ERR_SHMRING_MSGPACK_VERSION'
  /** `shmring/nats` was imported without the optional @nats-io packages installed. */
  | 'ERR_SHMRING_NATS_MISSING'
  /** Commit or abort of a ring record that is not claimed. */
  | 'ERR_SHMRING_NOT_CLAIMED'
  /** The segment's creator has not finished writing its ring yet. */
  | 'ERR_SHMRING_NOT_READY'
  /** The named segment exists but is not a shmring segment. */
  | 'ERR_SHMRING_NOT_SHMRING'
  /** A call that a transport does not offer (sendSync/receiveSync over NATS). */
  | 'ERR_SHMRING_NOT_SUPPORTED'
  /** No native addon loads under this Node and system (no prebuild fits, no source build). */
  | 'ERR_SHMRING_NO_ADDON'
  /** A channel call from inside one of its own handlers that would re-enter it. */
  | 'ERR_SHMRING_REENTRANT'
  /** A ring too small to carry fragments of a message that needs them. */
  | 'ERR_SHMRING_RING_TOO_SMALL'
  /** Something Node's API offers that shmring cannot do, such as sending a handle over fork(). */
  | 'ERR_SHMRING_UNSUPPORTED'
  /** A big-endian host: segments are little-endian. */
  | 'ERR_SHMRING_UNSUPPORTED_PLATFORM'
  /** A write on a frame writer whose previous message is not fully written. */
  | 'ERR_SHMRING_WRITER_BUSY';

/** An error raised by shmring itself (not by a syscall), with a stable `code`. */
export class ShmringError extends Error {
  readonly code: ShmringErrorCode;
  constructor(code: ShmringErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ShmringError';
    this.code = code;
  }
}

/**
 * An aborted wait, shaped like Node's own AbortError (name 'AbortError', code 'ABORT_ERR'),
 * with the signal's reason as `cause`. Still a ShmringError for `instanceof` checks.
 */
export class AbortError extends ShmringError {
  constructor(signal?: { readonly reason?: unknown }) {
    super('ABORT_ERR', 'The operation was aborted', { cause: signal?.reason });
    this.name = 'AbortError';
  }
}

/** A TypeError with code ERR_SHMRING_UNENCODABLE: the codec cannot encode the value. */
export function unencodable(reason: string, options?: { cause?: unknown }): TypeError {
  return Object.assign(new TypeError(`cannot send this value: ${reason}`, options), {
    code: 'ERR_SHMRING_UNENCODABLE',
  });
}

/**
 * Rejects option names `allowed` does not list (a misspelt option would otherwise be ignored
 * without a word): ERR_SHMRING_UNKNOWN_OPTION naming the option and the valid ones.
 */
export function checkOptionNames(
  what: string,
  options: object,
  allowed: ReadonlySet<string>,
): void {
  for (const name of Object.keys(options)) {
    if (!allowed.has(name)) {
      throw Object.assign(
        new TypeError(
          `${what} has no option "${name}"; the options are: ${[...allowed].sort().join(', ')}`,
        ),
        { code: 'ERR_SHMRING_UNKNOWN_OPTION' },
      );
    }
  }
}

/** ERR_SHMRING_END_OF_STREAM: what a receive call gets once the stream has ended. */
export function endOfStreamError(): ShmringError {
  return new ShmringError(
    'ERR_SHMRING_END_OF_STREAM',
    'the channel has ended: every sender closed and all messages were received',
  );
}

/** ERR_SHMRING_CLOSED: what a call on a closed receiver gets. */
export function receiverClosedError(): ShmringError {
  return new ShmringError('ERR_SHMRING_CLOSED', 'the receiver is closed');
}

/** Throws a TypeError with code ERR_INVALID_ARG_TYPE, as Node does for wrong types. */
export function invalidArgType(name: string, expected: string, actual: unknown): TypeError {
  const shown = actual === null ? 'null' : typeof actual;
  return Object.assign(
    new TypeError(`The "${name}" argument must be ${expected}. Received ${shown}`),
    {
      code: 'ERR_INVALID_ARG_TYPE',
    },
  );
}

/** A RangeError with code ERR_OUT_OF_RANGE, as Node does for values out of range. */
export function outOfRange(name: string, range: string, actual: unknown): RangeError {
  return Object.assign(
    new RangeError(
      `The value of "${name}" is out of range. It must be ${range}. Received ${String(actual)}`,
    ),
    {
      code: 'ERR_OUT_OF_RANGE',
    },
  );
}

/** A RangeError with code ERR_INVALID_ARG_VALUE, for values of the right type but wrong shape. */
export function invalidArgValue(name: string, reason: string, actual: unknown): RangeError {
  return Object.assign(
    new RangeError(`The argument '${name}' ${reason}. Received ${JSON.stringify(actual)}`),
    {
      code: 'ERR_INVALID_ARG_VALUE',
    },
  );
}

/** Validates an integer argument in [min, max]. */
export function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < min || value > max)
    throw outOfRange(name, `an integer >= ${min} and <= ${max}`, value);
  return value;
}
