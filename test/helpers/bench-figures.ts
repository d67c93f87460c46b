// Figures of synthetic bench runs, for the report tests.
import type { Figures } from '../../bench/lib/schema.js';

/** A throughput run: `msgsPerSec`, and MB/s as if each message were 10 bytes. */
export const tput = (msgsPerSec: number): Figures => ({
  msgsPerSec,
  mbPerSec: msgsPerSec / 1e5,
  p50us: null,
  p99us: null,
});

/** A latency run: p50 `p50us`, p99 twice that. */
export const lat = (p50us: number): Figures => ({
  msgsPerSec: null,
  mbPerSec: null,
  p50us,
  p99us: p50us * 2,
});
