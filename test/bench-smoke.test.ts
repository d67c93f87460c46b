// Smoke test of `npm run bench -- --quick`: it runs, exits 0, and writes valid reports covering
// the baseline and shmring's rows at every size and pattern and the idle-waiting section, prints
// the goals, and leaves no segment in /dev/shm. No assertion on any speed, thread count or CPU time.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runChild } from './helpers/child.js';
import { validateReport, type Report } from '../bench/lib/schema.js';
import { TRANSPORTS, LATENCY_SIZES, OBJECT_SIZE, RAW_SIZES } from '../bench/transports/registry.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The bench's own segment names in /dev/shm (`/shmring-bench-<runId>-...`, bench/lib/shmring-segments.ts). */
function benchSegments(): string[] {
  return readdirSync('/dev/shm').filter((name) => /^shmring-bench-[0-9a-f]{8}-/.test(name));
}

describe('bench --quick', () => {
  it('runs every transport and writes valid JSON, Markdown and HTML reports', async () => {
    const files = { json: join(dir, 'b.json'), md: join(dir, 'b.md'), html: join(dir, 'b.html') };
    const segmentsBefore = new Set(benchSegments());
    const result = await runChild(
      resolve(ROOT, 'bench', 'main.ts'),
      ['--quick', '--json', files.json, '--md', files.md, '--html', files.html],
      {},
      280_000, // under a minute on a quiet machine; far more beside the rest of the suite
    );
    expect(result.stderr).not.toMatch(/FAILED/);
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    expect(result.stdout).toContain('Streaming throughput');

    const report = JSON.parse(readFileSync(files.json, 'utf8')) as Report;
    expect(validateReport(report)).toEqual([]);
    const has = (transport: string, codec: string, pattern: string, size: number): boolean =>
      report.results.some(
        (r) =>
          r.transport === transport &&
          r.codec === codec &&
          r.pattern === pattern &&
          r.size === size,
      );
    for (const size of RAW_SIZES)
      expect(has('unix-socket', 'raw', 'throughput', size), `throughput ${size}`).toBe(true);
    for (const size of LATENCY_SIZES)
      expect(has('unix-socket', 'raw', 'latency', size), `latency ${size}`).toBe(true);
    expect(has('unix-socket', 'msgpack', 'throughput', OBJECT_SIZE)).toBe(true);
    expect(has('unix-socket', 'msgpack', 'latency', OBJECT_SIZE)).toBe(true);
    for (const t of TRANSPORTS)
      expect(
        report.results.some((r) => r.transport === t.name && r.codec === t.codec),
        t.name,
      ).toBe(true);
    // Idle waiting: measured, and every one of the channels sent a value woke with it (the
    // bench fails otherwise); its figures are not asserted.
    const idle = report.idleWaiting;
    expect(idle).toBeDefined();
    expect(idle!.channels).toBe(1000);
    expect(idle!.woken).toBeGreaterThan(0);
    expect(idle!.threads).toBeGreaterThanOrEqual(idle!.threadsBefore);
    expect(idle!.idleSec).toBeGreaterThan(0.5);
    const idleSection = result.stdout.slice(result.stdout.indexOf('Idle waiting'));
    expect(idleSection).toMatch(
      /^Idle waiting: 1000 channels in one process, each awaiting receive\(\)\n/,
    );
    for (const line of [
      /\nnative threads while all wait +\d+ \(\d+ before the channels were opened\)\n/,
      /\nCPU while idle +[\d.]+% of a core \([\d.]+ ms in [\d.]+ s\)\n/,
      /\nwoken by one value each +\d+ channels, each with its value/,
      /\nclosing all 1000 while they wait +[\d.]+ ms\n/,
    ])
      expect(idleSection).toMatch(line);
    for (const t of TRANSPORTS.filter(
      (t) => t.name.startsWith('shmring-') || t.name === 'futex-pingpong',
    )) {
      for (const pattern of ['throughput', 'latency'] as const) {
        for (const size of t.sizes[pattern])
          expect(
            has(t.name, t.codec, pattern, size),
            `${t.name} (${t.codec}) ${pattern} ${size}`,
          ).toBe(true);
      }
    }
    expect(TRANSPORTS.filter((t) => t.name.startsWith('shmring-')).length).toBeGreaterThan(0);
    expect(benchSegments().filter((name) => !segmentsBefore.has(name))).toEqual([]);

    // The goals: every one whose rows this bench has is checked against this run's rows (their
    // outcome is not asserted); the others say why they are not measured.
    const goals = result.stdout.slice(result.stdout.indexOf('Goals'));
    expect(goals).toMatch(/^Goals/);
    expect(goals).toMatch(/\d+ of \d+ goals reached/);
    expect(goals).not.toContain('a row it needs did not run');
    const idleGoals = goals.split('\n').filter((line) => line.includes('receive() in one process'));
    expect(idleGoals).toHaveLength(2);
    for (const line of idleGoals) expect(line).toMatch(/ (reached|missed) +shmring-idle-waiting: /);
    // User words: no internal vocabulary in what the user reads.
    expect(result.stdout).not.toMatch(/\b(issues?|targets?)\b/i);

    const md = readFileSync(files.md, 'utf8');
    const html = readFileSync(files.html, 'utf8');
    for (const t of TRANSPORTS) {
      expect(md).toContain(t.name);
      expect(html).toContain(t.name);
    }
    expect(html).toContain('<svg');
    expect(md).toContain('## Goals');
    expect(html).toContain('Goals');
    expect(md).toMatch(
      /### Idle waiting: 1000 channels[^\n]*\n[^]*\| CPU while idle \| [\d.]+% of a core/,
    );
    expect(html).toMatch(
      /<h3>Idle waiting: 1000 channels[^<]*<\/h3>[^]*<th>CPU while idle<\/th><td[^>]*>[\d.]+% of a core/,
    );
    for (const text of [md, html]) expect(text).not.toMatch(/\b(issues?|targets?)\b/i);
  }, 300_000);

  it('lists the idle-waiting measurement with the transports', async () => {
    const result = await runChild(resolve(ROOT, 'bench', 'main.ts'), ['--list'], {}, 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^shmring-idle-waiting +One process creates the channels/m);
    for (const t of TRANSPORTS) expect(result.stdout).toContain(t.name);
  }, 90_000);
});
