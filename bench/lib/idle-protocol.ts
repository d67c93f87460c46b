// What the idle-waiting measurement (lib/idle-waiting.ts) and its peer (children/idle-waiters.ts)
// tell each other over the control channel, and the clock they share.

/** `open`: create `<prefix>-<i>` for i < channels, and call receive() on each. */
export interface OpenArgs {
  prefix: string;
  channels: number;
  capacity: number;
}

/** `cpu`: the peer's CPU time so far (every thread, user + system), µs, and when it was read. */
export interface CpuReading {
  cpuUs: number;
  atMs: number;
}

/** `woken`: wait for the receive() calls of `indices` to settle, at most `timeoutMs`. */
export interface WokenArgs {
  indices: number[];
  timeoutMs: number;
}

/** How a pending receive() call ended, and when (monotonicMs()): its value's bytes, or an error code. */
export type Outcome = ({ value: number[] } | { error: string }) & { atMs: number };

/** The reply to `woken`: the outcome of each index (null: still pending), and how many other calls settled. */
export interface WokenReply {
  outcomes: (Outcome | null)[];
  othersSettled: number;
}

/** CLOCK_MONOTONIC in ms: one clock for every process of the machine (performance.now() is per process). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
