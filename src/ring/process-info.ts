// Who a process is, in a form that survives pid reuse: pid plus its start time, and the pid
// namespace in which that pid means something.
import { readFileSync, readlinkSync } from 'node:fs';

export interface ProcessStat {
  /** The state letter: R, S, D, T, ... Z for a zombie (exited, not yet reaped). */
  state: string;
  /** Clock ticks since boot at which the process started. */
  startTime: number;
}

function parseStat(stat: string): ProcessStat {
  // The command name (field 2) is in parentheses and may hold spaces or ')': fields after
  // the last ')' start with field 3, so field 22 is the 20th of them.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[19]);
  return { state: rest[0], startTime: Number.isSafeInteger(ticks) && ticks >= 0 ? ticks : 0 };
}

function readStat(path: string): ProcessStat | undefined {
  try {
    return parseStat(readFileSync(path, 'latin1'));
  } catch {
    return undefined;
  }
}

/** Fields 3 and 22 of /proc/<pid>/stat, or undefined when it cannot be read (no such process). */
export function readProcessStat(pid: number): ProcessStat | undefined {
  return readStat(`/proc/${pid}/stat`);
}

/**
 * This process's start time in clock ticks since boot (field 22 of /proc/self/stat), or 0
 * without procfs. Read through /proc/self, not /proc/<pid>: in a pid namespace process.pid
 * is the namespace's number, which names another process in the /proc we see.
 */
export function processStartTime(): number {
  return readStat('/proc/self/stat')?.startTime ?? 0;
}

let ownNamespace: number | undefined;

/**
 * The inode of this process's pid namespace (from /proc/self/ns/pid, "pid:[4026531836]"),
 * as a u32; 0 when unknown. Two processes compare pids only when these are equal.
 */
export function pidNamespace(): number {
  if (ownNamespace === undefined) {
    let inode = 0;
    try {
      const match = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'));
      if (match !== null) inode = Number(match[1]) % 2 ** 32;
    } catch {
      // no procfs: pids are never trusted across processes then, heartbeats decide
    }
    ownNamespace = inode;
  }
  return ownNamespace;
}
