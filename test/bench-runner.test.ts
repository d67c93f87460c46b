// The bench runner, with in-process fake transports: interleaving, verification, failures.
import { describe, expect, it } from 'vitest';
import { cellsOf, QUICK_SETTINGS, Runner, type Settings } from '../bench/lib/runner.js';
import { silentProgress } from '../bench/lib/progress.js';
import { expectedTally } from '../bench/lib/payload.js';
import type { Session, Transport } from '../bench/transports/transport.js';

const SETTINGS: Settings = {
  rounds: 3,
  throughput: { targetSec: 0.002, warmupSec: 0.001, probeSec: 0.001, maxCount: 10_000 },
  latency: { warmupRoundTrips: 5, minRoundTrips: 10, maxRoundTrips: 20, targetSec: 0.001 },
  jobTimeoutSec: 5,
};

/** A transport that "moves" messages at about `rate` per second and reports `corrupt` tallies when told. */
function fake(
  name: string,
  log: string[],
  options: { corruptOn?: number } = {},
): Transport & { opened: number; closed: number } {
  let measurements = 0;
  const transport = {
    name,
    codec: 'raw' as const,
    description: `fake ${name}`,
    sizes: { throughput: [16, 4096], latency: [16] },
    opened: 0,
    closed: 0,
    async open(): Promise<Session> {
      transport.opened++;
      return {
        async throughput({ size, count, firstSeq }) {
          log.push(`${name} throughput ${size}`);
          await new Promise((resolve) => setTimeout(resolve, 1));
          const expected = expectedTally('raw', size, firstSeq, count);
          const actual =
            ++measurements === options.corruptOn
              ? { ...expected, checksum: expected.checksum ^ 1 }
              : expected;
          return {
            messages: count,
            payloadBytes: count * size,
            seconds: Math.max(1e-4, count / 1e6),
            verification: { expected, actual },
          };
        },
        async latency({ size, roundTrips, firstSeq }) {
          log.push(`${name} latency ${size}`);
          const expected = expectedTally('raw', size, firstSeq, roundTrips);
          return {
            rttUs: Float64Array.from({ length: roundTrips }, (_, i) => 10 + i),
            verification: { expected, actual: expected },
          };
        },
        async close() {
          transport.closed++;
        },
      };
    },
  };
  return transport;
}

const context = { tmpDir: '/nonexistent', runId: 'test' };

describe('Runner', () => {
  it('interleaves the transports size by size, round after round', async () => {
    const log: string[] = [];
    const a = fake('a', log);
    const b = fake('b', log);
    const runner = new Runner([a, b], SETTINGS, context, silentProgress);
    const { cells, failures } = await runner.run();
    expect([a.closed, b.closed]).toEqual([0, 0]);
    await runner.close();
    expect(failures).toEqual([]);
    const order = log.filter((line, i) => line !== log[i - 1]); // one entry per job
    expect(order).toEqual(
      Array.from({ length: 3 }, () => [
        'a throughput 16',
        'b throughput 16',
        'a throughput 4096',
        'b throughput 4096',
        'a latency 16',
        'b latency 16',
      ]).flat(),
    );
    expect(cells).toHaveLength(6);
    for (const { runs } of cells) expect(runs).toHaveLength(3);
    expect(cells[0]!.runs[0]!.msgsPerSec).toBeGreaterThan(0);
    expect(cells[4]!.runs[0]).toMatchObject({
      msgsPerSec: null,
      p50us: expect.any(Number),
      p99us: expect.any(Number),
    });
    expect([a.opened, b.opened, a.closed, b.closed]).toEqual([1, 1, 1, 1]);
  });

  it('records a failed verification, reopens the session, and goes on', async () => {
    const log: string[] = [];
    const bad = fake('bad', log, { corruptOn: 2 });
    const good = fake('good', log);
    const runner = new Runner([bad, good], SETTINGS, context, silentProgress);
    const { cells, failures } = await runner.run();
    await runner.close();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      round: 1,
      cell: { transport: bad, pattern: 'throughput', size: 16 },
    });
    expect(failures[0]!.error).toMatch(/verification failed: expected \d+ messages/);
    expect(
      cells.find(
        (c) => c.cell.transport === bad && c.cell.size === 16 && c.cell.pattern === 'throughput',
      )!.runs,
    ).toHaveLength(2);
    expect(cells.filter((c) => c.cell.transport === good).every((c) => c.runs.length === 3)).toBe(
      true,
    );
    expect(bad.opened).toBe(2);
    expect(bad.closed).toBe(2);
  });

  it('fails a job that takes too long', async () => {
    const slow: Transport = {
      ...fake('slow', []),
      sizes: { throughput: [16], latency: [] },
      open: async () => ({
        throughput: () => new Promise(() => undefined),
        latency: () => new Promise(() => undefined),
        close: async () => undefined,
      }),
    };
    const { failures } = await new Runner(
      [slow],
      { ...SETTINGS, rounds: 1, jobTimeoutSec: 0.05 },
      context,
      silentProgress,
    ).run();
    expect(failures.map((f) => f.error)).toEqual([expect.stringMatching(/no result after 0.05 s/)]);
  });

  it('puts the objects (size 0) last in each pattern', () => {
    const t = { ...fake('t', []), sizes: { throughput: [0, 4096, 16], latency: [0, 16] } };
    expect(cellsOf([t]).map((c) => `${c.pattern} ${c.size}`)).toEqual([
      'throughput 16',
      'throughput 4096',
      'throughput 0',
      'latency 16',
      'latency 0',
    ]);
    expect(QUICK_SETTINGS.rounds).toBeGreaterThanOrEqual(3);
  });
});
