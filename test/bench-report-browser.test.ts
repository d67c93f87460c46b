// The HTML report in a real browser: headless Chromium (Debian's `chromium`, which .ci/run
// installs) loads a report rendered from a small synthetic result file, with a probe script added
// in front of it that records errors and, once the page has loaded, measures every chart and its
// marks as laid out (getBBox) and writes its findings into the DOM, which `--dump-dom` prints.
// Without chromium the test is skipped with the reason, except in CI, where it fails.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../bench/lib/report-html.js';
import { summarize } from '../bench/lib/results.js';
import {
  assertValidReport,
  type Figures,
  type Report,
  type ResultRow,
} from '../bench/lib/schema.js';
import { lat, tput } from './helpers/bench-figures.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const MISSING = 'headless Chromium is not installed (apt-get install -y chromium)';
if (CHROMIUM === undefined && process.env.CI === undefined)
  process.stderr.write(`bench-report-browser: skipped: ${MISSING}\n`);

const dir = mkdtempSync(join(tmpdir(), 'bench-report-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIZES = [16, 4096, 1 << 20];

/** A small result file: shmring and socket rows at three sizes, latencies, objects, codec-only rows. */
function syntheticResults(): ResultRow[] {
  const rows: ResultRow[] = [];
  const spread = (base: number, make: (n: number) => Figures): Figures[] =>
    [0.8, 1, 1.3].map((f) => make(base * f));
  for (const [i, transport] of [
    'shmring-for-await',
    'shmring-sync-spin',
    'unix-socket',
  ].entries()) {
    for (const size of SIZES)
      rows.push(
        summarize(
          transport,
          'raw',
          'throughput',
          size,
          spread(4e6 / (i + 1) / Math.sqrt(size), tput),
        ),
      );
    rows.push(summarize(transport, 'raw', 'latency', 16, spread(2 * (i + 1) ** 2, lat)));
    rows.push(summarize(transport, 'msgpack', 'throughput', 0, spread(1e6 / (i + 1), tput)));
    rows.push(summarize(transport, 'msgpack', 'latency', 0, spread(5 * (i + 1) ** 2, lat)));
  }
  rows.push(summarize('unix-socket-coalesced', 'raw', 'throughput', 16, spread(2e7, tput)));
  rows.push(summarize('codec-msgpack-decode', 'msgpack', 'throughput', 0, spread(1.5e6, tput)));
  rows.push(summarize('codec-json-parse', 'raw', 'throughput', 0, spread(2e6, tput)));
  return rows;
}

/** Runs before the report's own content: records errors, then measures the charts once loaded. */
const PROBE = `<script>
window.__errors = [];
addEventListener('error', (e) => __errors.push(String(e.message || (e.target && e.target.outerHTML))), true);
for (const level of ['error', 'warn']) {
  const original = console[level];
  console[level] = (...args) => { __errors.push(level + ': ' + args.join(' ')); original.apply(console, args); };
}
addEventListener('load', () => {
  const charts = [...document.querySelectorAll('svg.chart')].map((svg) => {
    const drawn = (selector) => [...svg.querySelectorAll(selector)].filter((el) => {
      const box = el.getBBox();
      return box.width > 0 && box.height > 0;
    }).length;
    const box = svg.getBoundingClientRect();
    return { kind: svg.dataset.chart, width: box.width, height: box.height,
      marks: svg.querySelectorAll('.mark').length, drawnMarks: drawn('.mark'),
      whiskers: drawn('.whisker'), bars: drawn('.bar'), keys: drawn('.key'),
      colors: [...new Set([...svg.querySelectorAll('.mark')].map((el) => el.getAttribute('stroke')))],
      lines: [...new Set([...svg.querySelectorAll('polyline')].map((el) => el.getAttribute('stroke') + ' ' + el.getAttribute('stroke-dasharray')))] };
  });
  const probe = document.createElement('pre');
  probe.id = 'probe';
  probe.textContent = JSON.stringify({ errors: __errors, charts });
  document.body.append(probe);
});
</script>`;

interface ChartFindings {
  kind: string;
  width: number;
  height: number;
  marks: number;
  drawnMarks: number;
  whiskers: number;
  bars: number;
  keys: number;
  colors: string[];
  /** The distinct (colour, dash) pairs of the lines. */
  lines: string[];
}

/** Loads `file` in headless Chromium; resolves with the dumped DOM and the browser's log lines. */
function dumpDom(file: string): Promise<{ dom: string; log: string }> {
  const profile = mkdtempSync(join(dir, 'profile-'));
  const child = spawn(
    CHROMIUM!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      '--enable-logging=stderr',
      '--window-size=1200,900',
      '--dump-dom',
      pathToFileURL(file).href,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let dom = '';
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (dom += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ dom, log });
      else reject(new Error(`chromium exited (${signal ?? `code ${code}`}):\n${log.slice(-2000)}`));
    });
  });
}

describe('the HTML report in headless Chromium', () => {
  it.skipIf(CHROMIUM === undefined && process.env.CI === undefined)(
    'loads without errors and draws every chart with all its marks',
    async () => {
      expect(CHROMIUM, `in CI: ${MISSING}`).toBeDefined();
      const report: Report = {
        machine: {
          cpu: 'test CPU',
          cores: 2,
          node: 'v20.0.0',
          os: 'Linux',
          date: '2026-11-30T12:00:00.000Z',
        },
        results: syntheticResults(),
      };
      const json = join(dir, 'results.json');
      writeFileSync(json, JSON.stringify(report));
      assertValidReport(report);
      const descriptions = new Map(
        report.results.map((r) => [r.transport, `the ${r.transport} row`]),
      );
      const html = renderHtmlReport(report, descriptions);
      const page = join(dir, 'report.html');
      writeFileSync(page, html.replace('<head>', `<head>${PROBE}`));

      const { dom, log } = await dumpDom(page);
      const probe = /<pre id="probe">(.*?)<\/pre>/s.exec(dom);
      expect(
        probe,
        `no findings in the page:\n${dom.slice(0, 500)}\n${log.slice(-1500)}`,
      ).not.toBeNull();
      const text = probe![1]!
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');
      const findings = JSON.parse(text) as { errors: string[]; charts: ChartFindings[] };

      expect(findings.errors).toEqual([]);
      // The report logs nothing: any console line of the page is a problem.
      expect(log.split('\n').filter((line) => line.includes(':CONSOLE'))).toEqual([]);

      const raw = report.results.filter(
        (r) => r.codec === 'raw' && !r.transport.startsWith('codec-'),
      );
      const throughputRows = raw.filter((r) => r.pattern === 'throughput').length;
      const latencySeries = (size: number): number =>
        report.results.filter((r) => r.pattern === 'latency' && r.size === size).length;
      const objectSeries = report.results.filter(
        (r) => r.pattern === 'throughput' && r.size === 0 && !r.transport.startsWith('codec-'),
      ).length;
      // One mark per figure: a point per throughput row, p50 and p99 per latency row, a bar end per object row.
      const expected: [string, number][] = [
        ['throughput', throughputRows],
        ['throughput', throughputRows],
        ['latency', 2 * latencySeries(16)],
        ['latency', 2 * latencySeries(0)],
        ['objects', objectSeries],
        ['codec', 2],
      ];
      expect(findings.charts.map((c) => [c.kind, c.marks])).toEqual(expected);
      for (const chart of findings.charts) {
        expect(chart.width, chart.kind).toBeGreaterThan(500);
        expect(chart.height, chart.kind).toBeGreaterThan(100);
        expect(chart.drawnMarks, `${chart.kind}: marks laid out with a size`).toBe(chart.marks);
        // Every run spreads (0.8x .. 1.3x): a whisker per mark.
        expect(chart.whiskers, `${chart.kind}: whiskers`).toBe(chart.marks);
      }
      const [msgs, mb, latency16] = findings.charts;
      expect(msgs!.keys).toBe(4); // a legend entry per transport of the chart
      expect(mb!.keys).toBe(4);
      expect(
        findings.charts
          .filter((c) => c.kind === 'objects' || c.kind === 'codec')
          .every((c) => c.bars === c.marks),
      ).toBe(true);
      // Log axes carry no bars.
      expect(msgs!.bars + mb!.bars + latency16!.bars).toBe(0);
      // One colour per transport (a coalesced row: its per-message row's colour, dashed).
      expect(msgs!.lines.length).toBe(4);
      expect(msgs!.colors.length).toBe(3);
      expect(latency16!.colors.length).toBe(3);
    },
    90_000,
  );
});
