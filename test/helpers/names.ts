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
