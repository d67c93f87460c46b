// Smoke test of `npm run bench -- --quick`: it runs, exits 0, and writes valid reports covering
// the baseline at every size and pattern. No assertion on any speed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runChild } from './helpers/child.js';
import { validateReport, type Report } from '../bench/lib/schema.js';
import { TRANSPORTS, LATENCY_SIZES, OBJECT_SIZE, RAW_SIZES } from '../bench/transports/registry.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench --quick', () => {
  it('runs every transport and writes valid JSON, Markdown and HTML reports', async () => {
    const files = { json: join(dir, 'b.json'), md: join(dir, 'b.md'), html: join(dir, 'b.html') };
    const started = Date.now();
    const result = await runChild(resolve(ROOT, 'bench', 'main.ts'), ['--quick', '--json', files.json, '--md', files.md, '--html', files.html], {}, 110_000);
    const seconds = (Date.now() - started) / 1000;
    expect(result.stderr).not.toMatch(/FAILED/);
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    expect(result.stdout).toContain('Streaming throughput');
    expect(seconds).toBeLessThan(90); // the whole comparison, not a speed figure

    const report = JSON.parse(readFileSync(files.json, 'utf8')) as Report;
    expect(validateReport(report)).toEqual([]);
    const has = (transport: string, codec: string, pattern: string, size: number): boolean =>
      report.results.some((r) => r.transport === transport && r.codec === codec && r.pattern === pattern && r.size === size);
    for (const size of RAW_SIZES) expect(has('unix-socket', 'raw', 'throughput', size), `throughput ${size}`).toBe(true);
    for (const size of LATENCY_SIZES) expect(has('unix-socket', 'raw', 'latency', size), `latency ${size}`).toBe(true);
    expect(has('unix-socket', 'msgpack', 'throughput', OBJECT_SIZE)).toBe(true);
    expect(has('unix-socket', 'msgpack', 'latency', OBJECT_SIZE)).toBe(true);
    for (const t of TRANSPORTS) expect(report.results.some((r) => r.transport === t.name && r.codec === t.codec), t.name).toBe(true);

    const md = readFileSync(files.md, 'utf8');
    const html = readFileSync(files.html, 'utf8');
    for (const t of TRANSPORTS) {
      expect(md).toContain(t.name);
      expect(html).toContain(t.name);
    }
    expect(html).toContain('<svg');
  }, 120_000);
});
