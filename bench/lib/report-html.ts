// The HTML report (`--html FILE`): one self-contained page, charts drawn as inline SVG (no script,
// no network): throughput by payload size per transport on log scales, latency bars, objects.
import {
  buildTables,
  cellText,
  LEGEND,
  METHOD_NOTES,
  seriesLabel,
  type Descriptions,
  type Table,
} from './report-model.js';
import { formatCount, formatFigure, formatSize } from './format.js';
import { BASELINE_TRANSPORT, seriesOf, sizesOf } from './results.js';
import type { Report, ResultRow } from './schema.js';
import { checkGoals, renderGoalsHtml } from './goals.js';

const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
  '#393b79',
  '#ad494a',
  '#637939',
  '#7b4173',
  '#3182bd',
  '#e6550d',
];

/** An axis tick: 1, 500, 1k, 2.5k, 1M, 100M (no trailing zeros). */
function tickLabel(n: number): string {
  const text = formatCount(n);
  return text.includes('.') ? text.replace(/\.?0+(?=[kMG]?$)/, '') : text;
}

function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Colour and dash of a series: a coalesced row shares the colour of its per-message row, dashed. */
function styler(): (
  transport: string,
  codec: string,
) => { color: string; dash: string; width: number } {
  const colors = new Map<string, string>();
  return (transport, codec) => {
    const coalesced = transport.endsWith('-coalesced');
    const base = `${coalesced ? transport.slice(0, -'-coalesced'.length) : transport}|${codec}`;
    let color = colors.get(base);
    if (color === undefined) {
      color =
        base === `${BASELINE_TRANSPORT}|raw` ? '#000000' : PALETTE[colors.size % PALETTE.length]!;
      colors.set(base, color);
    }
    return { color, dash: coalesced ? '7 4' : '', width: transport.startsWith('shmring-') ? 3 : 2 };
  };
}

/** A log10 axis over [min, max], widened to whole decades. */
function logScale(
  values: number[],
  from: number,
  to: number,
): { at: (v: number) => number; ticks: number[] } {
  const positive = values.filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.min(...positive, 1e9)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...positive, 1))));
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
  return {
    at: (v) => from + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (to - from),
    ticks,
  };
}

/** A linear axis from 0 over values, with about 5 round ticks. */
function linearScale(
  values: number[],
  from: number,
  to: number,
): { at: (v: number) => number; ticks: number[] } {
  const max = Math.max(...values, 1e-9);
  const step = 10 ** Math.floor(Math.log10(max / 5));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => max / s <= 6) ?? step * 10;
  const top = Math.ceil(max / nice) * nice;
  const ticks: number[] = [];
  for (let t = 0; t <= top + nice / 2; t += nice) ticks.push(t);
  return { at: (v) => from + (v / top) * (to - from), ticks };
}

/** Throughput (one figure) against payload size, one line per transport, log-log. */
function throughputChart(
  rows: readonly ResultRow[],
  key: 'msgsPerSec' | 'mbPerSec',
  title: string,
  style: ReturnType<typeof styler>,
): string {
  const keep = (r: ResultRow): boolean =>
    r.pattern === 'throughput' && r.size > 0 && r[key] !== null;
  const sizes = sizesOf(rows, keep);
  const series = seriesOf(rows, keep);
  if (sizes.length === 0) return '';
  const W = 1100,
    H = 480,
    L = 70,
    R = 290,
    T = 40,
    B = 50;
  const x = (size: number): number =>
    L + (sizes.length === 1 ? 0.5 : sizes.indexOf(size) / (sizes.length - 1)) * (W - L - R);
  const y = logScale(
    series.flatMap((s) => s.rows.map((r) => r[key]!)),
    H - B,
    T,
  );
  const parts: string[] = [`<text x="${L}" y="22" class="title">${esc(title)}</text>`];
  for (const t of y.ticks) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y.at(t)}" y2="${y.at(t)}" class="grid"/>`);
    parts.push(
      `<text x="${L - 8}" y="${y.at(t) + 4}" class="tick" text-anchor="end">${tickLabel(t)}</text>`,
    );
  }
  for (const size of sizes) {
    parts.push(`<line x1="${x(size)}" x2="${x(size)}" y1="${T}" y2="${H - B}" class="grid"/>`);
    parts.push(
      `<text x="${x(size)}" y="${H - B + 20}" class="tick" text-anchor="middle">${formatSize(size)}</text>`,
    );
  }
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${H - 10}" class="axis" text-anchor="middle">payload size (log scale)</text>`,
  );
  series.forEach((s, i) => {
    const { color, dash, width } = style(s.transport, s.codec);
    const points = s.rows.map((r) => [x(r.size), y.at(r[key]!), r] as const);
    const label = seriesLabel(s.transport, s.codec);
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="${width}" stroke-dasharray="${dash}" points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`,
    );
    for (const [px, py, r] of points) {
      parts.push(
        `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3.5" fill="${color}"><title>${esc(`${label}, ${formatSize(r.size)}: ${formatCount(r.msgsPerSec ?? 0)} msgs/s, ${formatFigure(r.mbPerSec ?? 0)} MB/s`)}</title></circle>`,
      );
    }
    const ly = T + 10 + i * 19;
    parts.push(
      `<line x1="${W - R + 20}" x2="${W - R + 50}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="${width}" stroke-dasharray="${dash}"/>`,
    );
    parts.push(`<text x="${W - R + 56}" y="${ly + 4}" class="legend">${esc(label)}</text>`);
  });
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${parts.join('')}</svg>`;
}

/** Horizontal bars, one group per label; each bar is [value, label] of one shade. */
function barChart(
  title: string,
  groups: {
    label: string;
    color: string;
    bars: { value: number; text: string; shade: number }[];
  }[],
  unit: string,
  log: boolean,
): string {
  if (groups.length === 0) return '';
  const W = 1100,
    L = 290,
    R = 120,
    T = 40,
    rowH = 16,
    gap = 10;
  const H = T + groups.reduce((h, g) => h + g.bars.length * rowH + gap, 0) + 56;
  const values = groups.flatMap((g) => g.bars.map((b) => b.value));
  const scale = log ? logScale(values, L, W - R) : linearScale(values, L, W - R);
  const parts: string[] = [`<text x="10" y="22" class="title">${esc(title)}</text>`];
  for (const t of scale.ticks) {
    parts.push(
      `<line x1="${scale.at(t)}" x2="${scale.at(t)}" y1="${T - 6}" y2="${H - 50}" class="grid"/>`,
    );
    parts.push(
      `<text x="${scale.at(t)}" y="${H - 34}" class="tick" text-anchor="middle">${tickLabel(t)}</text>`,
    );
  }
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${H - 12}" class="axis" text-anchor="middle">${esc(unit)}${log ? ' (log scale)' : ''}</text>`,
  );
  let top = T;
  for (const g of groups) {
    parts.push(
      `<text x="${L - 8}" y="${top + (g.bars.length * rowH) / 2 + 4}" class="legend" text-anchor="end">${esc(g.label)}</text>`,
    );
    g.bars.forEach((b, i) => {
      const y = top + i * rowH;
      const x0 = log ? scale.at(scale.ticks[0]!) : L;
      const width = Math.max(1, scale.at(b.value) - x0);
      parts.push(
        `<rect x="${x0}" y="${y + 1}" width="${width.toFixed(1)}" height="${rowH - 3}" fill="${g.color}" fill-opacity="${b.shade}"><title>${esc(`${g.label}: ${b.text}`)}</title></rect>`,
      );
      parts.push(
        `<text x="${(x0 + width + 5).toFixed(1)}" y="${y + rowH - 4}" class="value">${esc(b.text)}</text>`,
      );
    });
    top += g.bars.length * rowH + gap;
  }
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${parts.join('')}</svg>`;
}

function latencyChart(
  rows: readonly ResultRow[],
  size: number,
  style: ReturnType<typeof styler>,
): string {
  const keep = (r: ResultRow): boolean =>
    r.pattern === 'latency' && r.size === size && r.p50us !== null;
  const groups = seriesOf(rows, keep).map((s) => {
    const row = s.rows[0]!;
    return {
      label: seriesLabel(s.transport, s.codec),
      color: style(s.transport, s.codec).color,
      bars: [
        { value: row.p50us!, text: `p50 ${formatFigure(row.p50us!)} µs`, shade: 0.9 },
        { value: row.p99us!, text: `p99 ${formatFigure(row.p99us!)} µs`, shade: 0.4 },
      ],
    };
  });
  const values = groups.flatMap((g) => g.bars.map((b) => b.value));
  const log = values.length > 0 && Math.max(...values) / Math.max(Math.min(...values), 1e-9) > 20;
  return barChart(`Round-trip latency, ${formatSize(size)} (shorter is better)`, groups, 'µs', log);
}

function objectsChart(rows: readonly ResultRow[], style: ReturnType<typeof styler>): string {
  const keep = (r: ResultRow): boolean =>
    r.pattern === 'throughput' && r.size === 0 && r.msgsPerSec !== null;
  const groups = seriesOf(rows, keep).map((s) => ({
    label: seriesLabel(s.transport, s.codec),
    color: style(s.transport, s.codec).color,
    bars: [
      {
        value: s.rows[0]!.msgsPerSec!,
        text: `${formatCount(s.rows[0]!.msgsPerSec!)} msgs/s`,
        shade: 0.85,
      },
    ],
  }));
  return barChart(
    'Small objects {id, ts, name, tags}: messages/s (longer is better)',
    groups,
    'msgs/s',
    false,
  );
}

function htmlTable(table: Table): string {
  const head = `<tr><th>transport</th>${table.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const body = table.rows
    .map(
      (row) =>
        `<tr><th>${esc(row.label)}</th>${row.cells.map((c) => `<td>${esc(cellText(c))}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<h3>${esc(table.title)}</h3><table>${head}${body}</table>`;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1150px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px}h3{font-size:15px;margin:20px 0 6px}
svg{display:block;margin:12px 0;background:#fff;border:1px solid #ddd}
.title{font-size:15px;font-weight:600}.tick{font-size:11px;fill:#555}.axis{font-size:12px;fill:#333}
.legend{font-size:12px}.value{font-size:11px;fill:#333}.grid{stroke:#e5e5e5}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 8px}
td{text-align:right;font-variant-numeric:tabular-nums}th{text-align:left;background:#f6f6f6}
.meta{color:#555}.ok{color:#176b1e}.miss{color:#a4161a;font-weight:600}`;

/** The whole report as one HTML page. */
export function renderHtmlReport(report: Report, descriptions: Descriptions): string {
  const { machine, results } = report;
  const style = styler();
  const latencySizes = sizesOf(results, (r) => r.pattern === 'latency' && r.size > 0);
  const names = [...descriptions.keys()];
  const charts = [
    throughputChart(
      results,
      'mbPerSec',
      'Streaming throughput: MB/s by payload size (log scale, higher is better)',
      style,
    ),
    throughputChart(
      results,
      'msgsPerSec',
      'Streaming throughput: messages/s by payload size (log scale, higher is better)',
      style,
    ),
    ...latencySizes.map((size) => latencyChart(results, size, style)),
    objectsChart(results, style),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>IPC benchmark: shmring and baselines</title><style>${CSS}</style></head>
<body>
<h1>IPC benchmark: shmring and baselines</h1>
<p class="meta">${esc(machine.date)} · ${esc(machine.cpu)}, ${machine.cores} cores · ${esc(machine.os)} · node ${esc(machine.node)} · median of ${Math.max(0, ...results.map((r) => r.runs.length))} runs</p>
<p class="meta">Dashed lines: writes coalesced into 64 KiB. Hover a point or bar for its figures.</p>
${charts.join('\n')}
<h2>Tables</h2>
${LEGEND.map((line) => `<p class="meta">${esc(line)}</p>`).join('\n')}
${buildTables(results).map(htmlTable).join('\n')}
${renderGoalsHtml(checkGoals(results), esc)}
<h2>Transports</h2>
<ul>${names.map((n) => `<li><code>${esc(n)}</code>: ${esc(descriptions.get(n) ?? '')}</li>`).join('')}</ul>
<h2>Method</h2>
<ul>${METHOD_NOTES.map((note) => `<li>${esc(note)}</li>`).join('')}</ul>
</body></html>
`;
}
