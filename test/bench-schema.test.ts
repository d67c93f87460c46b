// The bench's JSON result file matches its fixed schema, and the reports render from it.
import { describe, expect, it } from 'vitest';
import { describeMachine } from '../bench/lib/machine.js';
import { buildReport, renderJsonReport } from '../bench/lib/report-json.js';
import { renderHtmlReport } from '../bench/lib/report-html.js';
import { renderMarkdownReport } from '../bench/lib/report-md.js';
import { renderTerminalReport } from '../bench/lib/report-table.js';
import { summarize } from '../bench/lib/results.js';
import {
  validateReport,
  type Figures,
  type IdleWaiting,
  type Report,
  type ResultRow,
} from '../bench/lib/schema.js';
import { lat, tput } from './helpers/bench-figures.js';

function syntheticRows(): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const transport of ['shmring-spsc-spin', 'unix-socket', 'fifo', 'unix-socket-coalesced']) {
    for (const size of [16, 256, 4096, 65536, 1 << 20]) {
      if (transport.endsWith('coalesced') && size > 4096) continue;
      rows.push(
        summarize(transport, 'raw', 'throughput', size, [
          tput(1e6 / size),
          tput(1.1e6 / size),
          tput(0.7e6 / size),
        ]),
      );
    }
    if (!transport.endsWith('coalesced'))
      for (const size of [16, 4096])
        rows.push(summarize(transport, 'raw', 'latency', size, [lat(50), lat(55), lat(60)]));
  }
  rows.push(summarize('unix-socket', 'msgpack', 'throughput', 0, [tput(4e5)]));
  rows.push(summarize('unix-socket', 'msgpack', 'latency', 0, [lat(60)]));
  rows.push(summarize('codec-json-parse', 'raw', 'throughput', 0, [tput(2e6), tput(2.1e6)]));
  return rows;
}

/** An idle-waiting measurement: 20 threads, 5% of a core. */
const IDLE: IdleWaiting = {
  channels: 1000,
  threadsBefore: 12,
  threads: 20,
  idleSec: 2,
  cpuMs: 100,
  cpuPercent: 5,
  woken: 4,
  wakeMs: 0.8,
  closeMs: 30,
};

function syntheticReport(): Report {
  return buildReport(describeMachine(new Date('2026-11-23T03:48:09.539Z')), syntheticRows());
}

describe('the JSON report', () => {
  it('matches the schema, also after a round trip through JSON', () => {
    const report = syntheticReport();
    expect(validateReport(report)).toEqual([]);
    const parsed = JSON.parse(renderJsonReport(report)) as unknown;
    expect(validateReport(parsed)).toEqual([]);
    expect(Object.keys(parsed as object)).toEqual(['machine', 'results']);
    expect(Object.keys((parsed as Report).machine).sort()).toEqual([
      'cores',
      'cpu',
      'date',
      'node',
      'os',
    ]);
    expect(Object.keys((parsed as Report).results[0]!).sort()).toEqual([
      'codec',
      'mbPerSec',
      'msgsPerSec',
      'p50us',
      'p99us',
      'pattern',
      'runs',
      'size',
      'transport',
    ]);
  });

  it('has null for the figures a pattern does not have', () => {
    for (const row of syntheticReport().results) {
      if (row.pattern === 'throughput') expect([row.p50us, row.p99us]).toEqual([null, null]);
      else expect([row.msgsPerSec, row.mbPerSec]).toEqual([null, null]);
    }
  });

  const broken: [string, (r: Report & Record<string, unknown>) => void, RegExp][] = [
    [
      'a missing machine field',
      (r) => delete (r.machine as Partial<Report['machine']>).cpu,
      /machine: missing "cpu"/,
    ],
    ['a bad date', (r) => (r.machine.date = 'yesterday'), /machine.date/],
    ['an extra top-level key', (r) => (r.extra = 1), /unexpected "extra"/],
    [
      'an unknown codec',
      (r) => ((r.results[0] as { codec: string }).codec = 'json'),
      /codec: not one of/,
    ],
    [
      'an unknown pattern',
      (r) => ((r.results[0] as { pattern: string }).pattern = 'burst'),
      /pattern: not one of/,
    ],
    ['a fractional size', (r) => (r.results[0]!.size = 1.5), /size/],
    [
      'a throughput row without msgs/s',
      (r) => (r.results[0]!.msgsPerSec = null),
      /"msgsPerSec" must be a number for throughput/,
    ],
    [
      'a throughput row with a latency',
      (r) => (r.results[0]!.p50us = 3),
      /"p50us" must be null for throughput/,
    ],
    ['a negative figure', (r) => (r.results[0]!.mbPerSec = -1), /finite number >= 0/],
    ['NaN', (r) => (r.results[0]!.mbPerSec = Number.NaN), /finite number >= 0/],
    ['no runs', (r) => (r.results[0]!.runs = []), /runs: not a non-empty array/],
    [
      'a run with an extra key',
      (r) => ((r.results[0]!.runs[0] as Figures & { x?: number }).x = 1),
      /runs\[0\]: unexpected "x"/,
    ],
    ['a duplicate row', (r) => r.results.push(r.results[0]!), /duplicate row/],
    [
      'idle waiting with a fractional thread count',
      (r) => (r.idleWaiting = { ...IDLE, threads: 20.5 }),
      /idleWaiting.threads: not an integer >= 0/,
    ],
    [
      'idle waiting without its CPU time',
      (r) => {
        const { cpuMs: _, ...rest } = IDLE;
        r.idleWaiting = rest as IdleWaiting;
      },
      /idleWaiting: missing "cpuMs"/,
    ],
    [
      'idle waiting over no time',
      (r) => (r.idleWaiting = { ...IDLE, idleSec: 0 }),
      /idleWaiting.idleSec: not above 0/,
    ],
    [
      'idle waiting not an object',
      (r) => ((r as { idleWaiting: unknown }).idleWaiting = 3),
      /idleWaiting: not an object/,
    ],
    [
      'results not an array',
      (r) => ((r as { results: unknown }).results = {}),
      /results: not an array/,
    ],
  ];
  for (const [what, breakIt, problem] of broken) {
    it(`rejects ${what}`, () => {
      const report = JSON.parse(renderJsonReport(syntheticReport())) as Report &
        Record<string, unknown>;
      breakIt(report);
      expect(validateReport(report).join('\n')).toMatch(problem);
    });
  }

  it('is refused by buildReport when invalid', () => {
    expect(() => buildReport(describeMachine(), [{ ...syntheticRows()[0]!, runs: [] }])).toThrow(
      /schema/,
    );
  });
});

describe('the reports', () => {
  const report = syntheticReport();
  const descriptions = new Map([['fifo', 'a FIFO <made> with mkfifo']]);

  it('print every row with its ratio to unix-socket in the terminal', () => {
    const text = renderTerminalReport(report.results);
    for (const name of [
      'shmring-spsc-spin',
      'unix-socket',
      'fifo',
      'unix-socket-coalesced',
      'codec-json-parse',
      'unix-socket (msgpack)',
    ])
      expect(text).toContain(name);
    expect(text).toMatch(/unix-socket +[\d.]+k? 1\.00x/);
    expect(text).toContain('†'); // the synthetic throughput runs spread by 40%
  });

  it('render Markdown tables', () => {
    const md = renderMarkdownReport(report, descriptions);
    expect(md).toContain('| transport | 16 B | 256 B | 4 KiB | 64 KiB | 1 MiB |');
    expect(md).toContain('a FIFO <made> with mkfifo');
    expect(md).toMatch(/## Run-to-run spread above 25%\n\n- /);
  });

  it('render a self-contained HTML page with SVG charts', () => {
    const html = renderHtmlReport(report, descriptions);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/(src|href)="?(https?:)?\/\//);
    expect(html).not.toContain('<script');
    expect(html).toContain('a FIFO &lt;made&gt; with mkfifo');
    expect(html).not.toContain('NaN');
  });

  it('render without a baseline or with no rows at all', () => {
    const alone = report.results.filter((r) => r.transport === 'fifo');
    expect(renderTerminalReport(alone)).toContain('—');
    expect(renderHtmlReport({ ...report, results: alone }, descriptions)).not.toContain('NaN');
    expect(renderMarkdownReport({ ...report, results: [] }, descriptions)).toContain(
      '# IPC benchmark',
    );
  });
});

describe('the idle-waiting section', () => {
  const report = buildReport(describeMachine(), syntheticRows(), IDLE);
  const descriptions = new Map<string, string>();

  it('is in the JSON report when measured, and matches the schema', () => {
    const parsed = JSON.parse(renderJsonReport(report)) as Report;
    expect(validateReport(parsed)).toEqual([]);
    expect(parsed.idleWaiting).toEqual(IDLE);
    expect(Object.keys(JSON.parse(renderJsonReport(syntheticReport())) as object)).not.toContain(
      'idleWaiting',
    );
  });

  it('is printed in every report and read by its two goals', () => {
    const text = renderTerminalReport(report.results, IDLE);
    expect(text).toContain('Idle waiting: 1000 channels in one process');
    expect(text).toMatch(/CPU while idle +5\.00% of a core \(100 ms in 2\.0 s\)/);
    const goal = (what: string): string =>
      text.split('\n').find((line) => line.includes(`receive() in one process: ${what}`)) ?? '';
    expect(goal('native threads')).toMatch(
      /the waits add +8 +<= 16 +reached +shmring-idle-waiting: 20 threads/,
    );
    expect(goal('CPU while idle')).toMatch(/ 5\.00% of a core +<= 1\.00% of a core +missed /);
    const quiet = renderTerminalReport(report.results, { ...IDLE, threads: 29, cpuPercent: 0.2 });
    expect(quiet).toMatch(/the waits add +17 +<= 16 +missed/);
    expect(quiet).toMatch(/CPU while idle +0\.20% of a core +<= 1\.00% of a core +reached/);
    expect(renderMarkdownReport(report, descriptions)).toMatch(
      /### Idle waiting: 1000 channels[^]*\| native threads while all wait \| 20 \(12 before/,
    );
    expect(renderHtmlReport(report, descriptions)).toMatch(
      /<h3>Idle waiting: 1000 channels[^]*<th>native threads while all wait<\/th><td class="text">20 \(12 before/,
    );
  });

  it('is left out, and its goals not measured, when it did not run', () => {
    const text = renderTerminalReport(report.results);
    expect(text).not.toContain('Idle waiting');
    expect(text).toMatch(/the waits add +— +<= 16 +not measured +shmring-idle-waiting did not run/);
    expect(renderMarkdownReport(syntheticReport(), descriptions)).not.toContain('Idle waiting');
  });
});
