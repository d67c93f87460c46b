// Is a process that once used a segment still alive? A pid alone can be reused by the
// kernel, so a process is identified by its pid and its start time together; and a pid
// means something only in its own pid namespace, so across namespaces (containers) only
// heartbeats in shared memory tell.
import { pidNamespace, readProcessStat } from '../ring/process-info.js';
import { heartbeatNow, type SlotView } from './registry.js';

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

/** Whether a pid recorded in `namespace` names the same process here. */
export function samePidNamespace(namespace: number): boolean {
  return namespace !== 0 && namespace === pidNamespace();
}

/**
 * Whether the producer of an open registry slot is alive. Its heartbeat decides, judged
 * against the longer of its own timeout and `timeoutMs`; when it shares our pid namespace,
 * its pid and start time are the fast path: a process that is gone is dead at once
 * (`checkPid`: look even while the heartbeat is fresh), one that runs is alive even when
 * busy elsewhere and not beating.
 */
export function isProducerAlive(view: SlotView, timeoutMs: number, checkPid: boolean): boolean {
  const timeout = Math.max(timeoutMs, view.heartbeatTimeoutMs);
  const fresh = ((heartbeatNow() - view.heartbeat) | 0) < timeout;
  if (view.pid !== 0 && samePidNamespace(view.pidNamespace) && (checkPid || !fresh))
    return isProcessAlive(view.pid, view.startTime);
  return fresh;
}
