// Is a process that once used a segment still alive? A pid alone can be reused by the
// kernel, so a process is identified by its pid and its start time together.
import { processStartTime } from '../ring/process-info.js';

/**
 * True if `pid` runs and (when `startTime` is known, i.e. non-zero) is the same process
 * that recorded that start time. False for pid 0 (nobody).
 */
export function isProcessAlive(pid: number, startTime = 0): boolean {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return startTime === 0 || processStartTime(pid) === startTime;
}
