// POSIX shared-memory object names, checked before any syscall sees them.
import { invalidArgType, invalidArgValue } from '../errors.js';

/** NAME_MAX for the file that shm_open creates under /dev/shm, leading slash excluded. */
export const MAX_NAME_BYTES = 255;

/**
 * Checks a POSIX shm name: a leading '/', no other '/', 1..255 bytes after it, no NUL.
 * Throws TypeError for a non-string and RangeError (ERR_INVALID_ARG_VALUE) for a bad shape.
 */
export function validateShmName(name: unknown): string {
  if (typeof name !== 'string') throw invalidArgType('name', 'of type string', name);
  if (!name.startsWith('/')) throw invalidArgValue('name', "must start with '/'", name);
  const rest = name.slice(1);
  if (rest.length === 0)
    throw invalidArgValue('name', "must have at least one character after '/'", name);
  if (rest.includes('/'))
    throw invalidArgValue('name', "must not contain '/' after the first character", name);
  if (rest.includes('\0')) throw invalidArgValue('name', 'must not contain NUL bytes', name);
  if (rest === '.' || rest === '..')
    throw invalidArgValue('name', "must not be '/.' or '/..'", name);
  if (Buffer.byteLength(rest) > MAX_NAME_BYTES)
    throw invalidArgValue('name', `must be at most ${MAX_NAME_BYTES} bytes after '/'`, name);
  return name;
}

/** The /dev/shm path of a POSIX shm name (glibc places them there). */
export function shmPath(name: string): string {
  return `/dev/shm${name}`;
}
