// Gives the run a unique id for segment names, and fails the run if any segment with
// that id is left in /dev/shm when the suite ends.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';

export const RUN_PREFIX = 'shmring-test-';

export function setup(): () => void {
  const runId = randomBytes(4).toString('hex');
  process.env.SHMRING_TEST_RUN = runId;
  return () => {
    const left = readdirSync('/dev/shm').filter((entry) => entry.startsWith(`${RUN_PREFIX}${runId}-`));
    if (left.length > 0) {
      throw new Error(`the test suite leaked ${left.length} segment(s) in /dev/shm: ${left.join(', ')}`);
    }
  };
}
