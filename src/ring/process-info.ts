// Who a process is, in a form that survives pid reuse: pid plus its start time.
import { readFileSync } from 'node:fs';

export interface ProcessStat {
  /** The state letter: R, S, D, T, ... Z for a zombie (exited, not yet reaped). */
  state: string;
  /** Clock ticks since boot at which the process started. */
  startTime: number;
}

/** Fields 3 and 22 of /proc/<pid>/stat, or undefined when it cannot be read (no such process). */
export function readProcessStat(pid: number): ProcessStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or ')': fields after
  // the last ')' start with field 3, so field 22 is the 20th of them.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[19]);
  return { state: rest[0], startTime: Number.isSafeInteger(ticks) && ticks >= 0 ? ticks : 0 };
}

/**
 * The start time of process `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat),
 * or 0 when it cannot be read (no such process, no procfs). A pid the kernel has since
 * reused shows a different start time.
 */
export function processStartTime(pid: number = process.pid): number {
  return readProcessStat(pid)?.startTime ?? 0;
}
