// Gives the run a unique id for segment names, and fails the run if any segment with
// that id is left in /dev/shm (or a System V segment with the tests' key tag) at the end.
import { randomBytes } from 'node:crypto';
import { readdirSync, unlinkSync } from 'node:fs';

import { Segment, sysvKeys } from '../../src/segment/index.js';
import { TEST_SYSV_KEY_TAG } from './names.js';

export const RUN_PREFIX = 'shmring-test-';

export function setup(): () => void {
  const runId = randomBytes(4).toString('hex');
  process.env.SHMRING_TEST_RUN = runId;
  return () => {
    const shmLeft = readdirSync('/dev/shm').filter((entry) =>
      entry.startsWith(`${RUN_PREFIX}${runId}-`),
    );
    const left = [...shmLeft];
    const sysvLeft = sysvKeys().filter((key) => key >>> 24 === TEST_SYSV_KEY_TAG);
    left.push(...sysvLeft.map((key) => `System V key 0x${key.toString(16)}`));
    if (left.length > 0) {
      // vitest reports an error thrown here but still exits 0, so fail the run explicitly.
      console.error(`FAIL: the test suite leaked ${left.length} segment(s): ${left.join(', ')}`);
      process.exitCode = 1;
      // Then tidy up, so one failing run does not leave the machine dirty.
      for (const entry of shmLeft) unlinkSync(`/dev/shm/${entry}`);
      for (const key of sysvLeft) Segment.removeSysv(key);
    }
  };
}
