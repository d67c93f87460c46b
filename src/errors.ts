// Typed errors with Node-style `code`s, shared by every layer.

/** An error raised by shmring itself (not by a syscall), with a stable `code`. */
export class ShmringError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
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
  constructor(signal?: AbortSignal) {
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
