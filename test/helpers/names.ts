// Unique segment names per test, traceable to this run (see global-setup.ts).
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let counter = 0;

/** A POSIX shm name no other test (or run) uses: /shmring-test-<run>-<pid>-<n>-<tag>. */
export function uniqueShmName(tag = 'seg'): string {
  const run = process.env.SHMRING_TEST_RUN ?? 'adhoc';
  return `/shmring-test-${run}-${process.pid}-${++counter}-${tag}`;
}

/** A unique path under the OS temp dir for file-backed segments. */
export function uniqueFilePath(tag = 'file'): string {
  return join(tmpdir(), uniqueShmName(tag).slice(1));
}

/** Top byte of every System V key the tests use, so the suite can find leaks. */
export const TEST_SYSV_KEY_TAG = 0x5a;
let sysvCounter = 0;

/** A System V key unique to this process: the tag byte, 12 bits of pid, a counter. */
export function uniqueSysvKey(): number {
  return (TEST_SYSV_KEY_TAG << 24) | ((process.pid & 0xfff) << 12) | (++sysvCounter & 0xfff);
}
