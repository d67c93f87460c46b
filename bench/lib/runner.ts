// Runs the comparison: rounds of jobs, each round every (pattern, size) in turn and within it every
// transport (A B C ... A B C ...), so that all rows of one size are measured close together in
// time. A session per transport is opened on first use and kept for the whole run.
//
// Throughput jobs are sized by time: round 1 probes the rate with growing message counts, later
// rounds warm up with a short run; every run (probes and warm-ups included) is verified.
// Latency jobs warm up with some round trips, then run as many as fit the target time.
// A job that fails (error, timeout, failed verification) is recorded, its session is closed and
// reopened on next use, and the run goes on.
import { describeMismatch, verified, type Verification } from './checksum.js';
import { formatSize } from './format.js';
import type { ProgressSink } from './progress.js';
import type { Figures, Pattern } from './schema.js';
import { latencyPercentiles } from './stats.js';
import type { OpenContext, Session, Transport } from '../transports/transport.js';

export interface Settings {
  rounds: number;
  throughput: {
    /** Duration of a measured run. */
    targetSec: number;
    /** Duration of the warm-up run before it (rounds after the first). */
    warmupSec: number;
    /** Round 1: grow the count until a probe run lasts this long. */
    probeSec: number;
    maxCount: number;
  };
  latency: {
    warmupRoundTrips: number;
    minRoundTrips: number;
    maxRoundTrips: number;
    /** Measured round trips are capped to about this duration. */
    targetSec: number;
  };
  /** A job running longer than this fails. */
  jobTimeoutSec: number;
}

export const FULL_SETTINGS: Settings = {
  rounds: 3,
  throughput: { targetSec: 0.4, warmupSec: 0.08, probeSec: 0.05, maxCount: 50_000_000 },
  latency: { warmupRoundTrips: 1000, minRoundTrips: 2000, maxRoundTrips: 10_000, targetSec: 0.6 },
  jobTimeoutSec: 60,
};

/** A smoke test of every row in under a minute: three short runs per figure. */
export const QUICK_SETTINGS: Settings = {
  rounds: 3,
  throughput: { targetSec: 0.02, warmupSec: 0.005, probeSec: 0.008, maxCount: 5_000_000 },
  latency: { warmupRoundTrips: 100, minRoundTrips: 150, maxRoundTrips: 600, targetSec: 0.025 },
  jobTimeoutSec: 30,
};

export interface Cell {
  transport: Transport;
  pattern: Pattern;
  size: number;
}

export interface CellRuns {
  cell: Cell;
  /** Figures of each successful measured run. */
  runs: Figures[];
}

export interface Failure {
  cell: Cell;
  round: number;
  error: string;
}

export class VerificationError extends Error {}

/** Throws a VerificationError if the measurement's tallies differ. */
export function checkVerification(v: Verification, what: string): void {
  if (!verified(v))
    throw new VerificationError(`${what}: verification failed: ${describeMismatch(v)}`);
}

/** The (pattern, size) slots of a round, in order: throughput by size, then latency; objects last in each. */
export function slotsOf(transports: readonly Transport[]): { pattern: Pattern; size: number }[] {
  const order = (a: number, b: number): number => (a === 0 ? 1 : b === 0 ? -1 : a - b);
  return (['throughput', 'latency'] as const).flatMap((pattern) =>
    [...new Set(transports.flatMap((t) => t.sizes[pattern]))]
      .sort(order)
      .map((size) => ({ pattern, size })),
  );
}

/** Every cell of a round, interleaved: for each slot, every transport that has it. */
export function cellsOf(transports: readonly Transport[]): Cell[] {
  return slotsOf(transports).flatMap(({ pattern, size }) =>
    transports
      .filter((transport) => transport.sizes[pattern].includes(size))
      .map((transport) => ({ transport, pattern, size })),
  );
}

function cellKey(cell: Cell): string {
  return `${cell.transport.name}/${cell.transport.codec}/${cell.pattern}/${cell.size}`;
}

export function describeCell(cell: Cell): string {
  const codec = cell.transport.codec === 'raw' ? '' : ` (${cell.transport.codec})`;
  return `${cell.transport.name}${codec} ${cell.pattern} ${formatSize(cell.size)}`;
}

/** `promise`, or a rejection once `seconds` have passed. */
export function withTimeout<T>(promise: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no result after ${seconds} s`)),
      seconds * 1000,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Initial message count of a throughput probe. */
function firstProbeCount(size: number): number {
  return size === 0 ? 1024 : Math.max(4, Math.min(1024, Math.floor(65536 / size)));
}

export class Runner {
  private readonly sessions = new Map<Transport, Session>();
  private readonly nextSeq = new Map<Transport, number>();
  /** Messages/s of each throughput cell, from its latest run. */
  private readonly rates = new Map<string, number>();
  /** Seconds each cell's job took last time (for the time-left estimate). */
  private readonly durations = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly transports: readonly Transport[],
    private readonly settings: Settings,
    private readonly context: OpenContext,
    private readonly progress: ProgressSink,
  ) {}

  /** Runs every round; resolves with the runs of each cell and the failures. */
  async run(): Promise<{ cells: CellRuns[]; failures: Failure[] }> {
    const cells = cellsOf(this.transports);
    const results = new Map<string, CellRuns>(
      cells.map((cell) => [cellKey(cell), { cell, runs: [] }]),
    );
    const failures: Failure[] = [];
    const total = cells.length * this.settings.rounds;
    let index = 0;
    for (let round = 1; round <= this.settings.rounds; round++) {
      for (const [i, cell] of cells.entries()) {
        if (this.closed) break;
        const left =
          this.estimate(cells.slice(i), round) +
          (this.settings.rounds - round) * this.estimate(cells, round + 1);
        this.progress.job(
          index++,
          total,
          `round ${round}/${this.settings.rounds} · ${describeCell(cell)}`,
          left,
        );
        const started = performance.now();
        try {
          const figures = await withTimeout(
            this.job(cell),
            this.settings.jobTimeoutSec,
            describeCell(cell),
          );
          results.get(cellKey(cell))!.runs.push(figures);
        } catch (error) {
          if (this.closed) break; // interrupted: the failure is ours
          const message = error instanceof Error ? error.message : String(error);
          failures.push({ cell, round, error: message });
          this.progress.note(`FAILED round ${round} ${describeCell(cell)}: ${message}`);
          await this.closeSession(cell.transport);
        }
        // Round 1 includes probing and starting sessions: only later rounds tell how long a round takes.
        if (round > 1 || cell.pattern === 'latency')
          this.durations.set(cellKey(cell), (performance.now() - started) / 1000);
      }
    }
    this.progress.done();
    return { cells: [...results.values()], failures };
  }

  /** Closes every open session (at the end, or on an interrupt); later jobs are skipped. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sessions.keys()].map((transport) => this.closeSession(transport)));
  }

  private async closeSession(transport: Transport): Promise<void> {
    const session = this.sessions.get(transport);
    this.sessions.delete(transport);
    this.nextSeq.delete(transport);
    if (session !== undefined)
      await withTimeout(session.close(), 10, `closing ${transport.name}`).catch(() => undefined);
  }

  private async session(transport: Transport): Promise<Session> {
    let session = this.sessions.get(transport);
    if (session === undefined) {
      session = await transport.open(this.context);
      this.sessions.set(transport, session);
    }
    return session;
  }

  /** Runs one measurement of `count` messages with the session's next sequence numbers, and checks it. */
  private async verifiedRun<M extends { verification: Verification }>(
    cell: Cell,
    count: number,
    run: (firstSeq: number) => Promise<M>,
  ): Promise<M> {
    const firstSeq = this.nextSeq.get(cell.transport) ?? 0;
    this.nextSeq.set(cell.transport, firstSeq + count);
    const measurement = await run(firstSeq);
    checkVerification(measurement.verification, describeCell(cell));
    return measurement;
  }

  private job(cell: Cell): Promise<Figures> {
    return cell.pattern === 'throughput' ? this.throughputJob(cell) : this.latencyJob(cell);
  }

  private async throughputJob(cell: Cell): Promise<Figures> {
    const session = await this.session(cell.transport);
    const { targetSec, warmupSec, probeSec, maxCount } = this.settings.throughput;
    const measure = (count: number) =>
      this.verifiedRun(cell, count, (firstSeq) =>
        session.throughput({ size: cell.size, count, firstSeq }),
      );
    const countFor = (rate: number, seconds: number): number =>
      Math.max(2, Math.min(maxCount, Math.round(rate * seconds)));
    let rate = this.rates.get(cellKey(cell));
    if (rate === undefined) {
      let count = firstProbeCount(cell.size);
      for (;;) {
        const m = await measure(count);
        rate = count / m.seconds;
        if (m.seconds >= probeSec || count >= maxCount) break;
        count = Math.min(
          maxCount,
          Math.ceil(count * Math.min(10, Math.max(2, (1.2 * probeSec) / m.seconds))),
        );
      }
    } else {
      const m = await measure(countFor(rate, warmupSec));
      rate = m.messages / m.seconds;
    }
    const m = await measure(countFor(rate, targetSec));
    const msgsPerSec = m.messages / m.seconds;
    this.rates.set(cellKey(cell), msgsPerSec);
    return { msgsPerSec, mbPerSec: m.payloadBytes / m.seconds / 1e6, p50us: null, p99us: null };
  }

  private async latencyJob(cell: Cell): Promise<Figures> {
    const session = await this.session(cell.transport);
    const { warmupRoundTrips, minRoundTrips, maxRoundTrips, targetSec } = this.settings.latency;
    const measure = (roundTrips: number) =>
      this.verifiedRun(cell, roundTrips, (firstSeq) =>
        session.latency({ size: cell.size, roundTrips, firstSeq }),
      );
    const warm = await measure(warmupRoundTrips);
    const typicalUs = latencyPercentiles(warm.rttUs).p50;
    const roundTrips = Math.max(
      minRoundTrips,
      Math.min(maxRoundTrips, Math.floor((targetSec * 1e6) / Math.max(typicalUs, 0.01))),
    );
    const { p50, p99 } = latencyPercentiles((await measure(roundTrips)).rttUs);
    return { msgsPerSec: null, mbPerSec: null, p50us: p50, p99us: p99 };
  }

  /** Estimated seconds for the given cells in round `round` (what they took last time, else a guess). */
  private estimate(cells: readonly Cell[], round: number): number {
    const { throughput, latency } = this.settings;
    const unopened = new Set(
      cells.map((cell) => cell.transport).filter((t) => !this.sessions.has(t)),
    );
    const startup = round === 1 ? unopened.size * 0.4 : 0;
    return cells.reduce((sum, cell) => {
      const known = this.durations.get(cellKey(cell));
      if (known !== undefined) return sum + known;
      if (cell.pattern === 'latency')
        return sum + latency.targetSec + latency.warmupRoundTrips * 60e-6 + 0.02;
      const probing = round === 1 && !this.rates.has(cellKey(cell));
      return (
        sum +
        throughput.targetSec +
        (probing ? 4 * throughput.probeSec : throughput.warmupSec) +
        0.02
      );
    }, startup);
  }
}
