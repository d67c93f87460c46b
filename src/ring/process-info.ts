// Who a process is, in a form that survives pid reuse: pid plus its start time.
import { readFileSync } from 'node:fs';

/**
 * The start time of process `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat),
 * or 0 when it cannot be read (no such process, no procfs). A pid the kernel has since
 * reused shows a different start time.
 */
export function processStartTime(pid: number = process.pid): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return 0;
  }
  // The command name (field 2) is in parentheses and may hold spaces or ')': fields after
  // the last ')' start with field 3, so field 22 is the 20th of them.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[19]);
  return Number.isSafeInteger(ticks) && ticks >= 0 ? ticks : 0;
}
