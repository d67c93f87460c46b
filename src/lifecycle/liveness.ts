// Is a process that once used a segment still alive? A pid alone can be reused by the
// kernel, so a process is identified by its pid and its start time together.
import { readProcessStat } from '../ring/process-info.js';

/**
 * True if `pid` runs and (when `startTime` is known, i.e. non-zero) is the same process
 * that recorded that start time. False for pid 0 (nobody) and for a zombie: it has exited,
 * only its parent has not reaped it yet.
 */
export function isProcessAlive(pid: number, startTime = 0): boolean {
  if (!(pid > 0)) return false;
  const stat = readProcessStat(pid);
  if (stat === undefined) return existsUnseen(pid);
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === 0 || stat.startTime === startTime;
}

// /proc hides it (mounted with hidepid, say): kill(pid, 0) still tells whether it exists.
function existsUnseen(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
