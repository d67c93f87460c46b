// The HTML report (`--html FILE`): one self-contained page, charts drawn as inline SVG (no script,
// no network). Every transport keeps its colour and marker in every chart (lib/report-style.ts).
// Log axes carry only dots and lines (a bar's length means nothing there); bars are on linear
// axes from zero. Each figure shows the spread of its runs: a whisker from the smallest to the
// largest run, through the median's mark. Codec-only rows (no transport) have a section of their own.
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
import { isCodecOnly, seriesOf, sizesOf, type FigureKey } from './results.js';
import { marker, stylesOf, type SeriesStyle } from './report-style.js';
import type { Report, ResultRow } from './schema.js';
import { checkGoals, renderGoalsHtml } from './goals.js';
import { renderIdleHtml } from './report-idle.js';

type Style = (transport: string) => SeriesStyle;
type Scale = { at: (v: number) => number; ticks: number[] };

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

/** A log10 axis over [min, max], widened to whole decades. */
function logScale(values: number[], from: number, to: number): Scale {
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
function linearScale(values: number[], from: number, to: number): Scale {
  const max = Math.max(...values, 1e-9);
  const step = 10 ** Math.floor(Math.log10(max / 5));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => max / s <= 6) ?? step * 10;
  const top = Math.ceil(max / nice) * nice;
  const ticks: number[] = [];
  for (let t = 0; t <= top + nice / 2; t += nice) ticks.push(t);
  return { at: (v) => from + (v / top) * (to - from), ticks };
}

/** The smallest and largest run of a figure of `row` (the median when no run has it). */
function runRange(row: ResultRow, key: FigureKey): [number, number] {
  const values = row.runs.map((run) => run[key]).filter((v): v is number => v !== null);
  const median = row[key] ?? 0;
  return values.length === 0 ? [median, median] : [Math.min(...values), Math.max(...values)];
}

function svg(kind: string, title: string, width: number, height: number, parts: string[]): string {
  return `<svg class="chart" data-chart="${kind}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(title)}">${parts.join('')}</svg>`;
}

/** A vertical whisker at x from y1 to y2 (or horizontal at y from x1 to x2), with caps. */
function whisker(vertical: boolean, at: number, from: number, to: number, color: string): string {
  const p = (n: number): string => n.toFixed(1);
  const cap = 4;
  return vertical
    ? `<path d="M${p(at)},${p(from)}V${p(to)}M${p(at - cap)},${p(from)}H${p(at + cap)}M${p(at - cap)},${p(to)}H${p(at + cap)}" stroke="${color}" stroke-width="1.3" fill="none" class="whisker"/>`
    : `<path d="M${p(from)},${p(at)}H${p(to)}M${p(from)},${p(at - cap)}V${p(at + cap)}M${p(to)},${p(at - cap)}V${p(at + cap)}" stroke="${color}" stroke-width="1.3" fill="none" class="whisker"/>`;
}

/** A legend entry: the marker (and the line, for line charts) and the label. */
function legendEntry(
  style: SeriesStyle,
  x: number,
  y: number,
  label: string,
  line: boolean,
): string {
  const stroke = line
    ? `<line x1="${x}" x2="${x + 30}" y1="${y}" y2="${y}" stroke="${style.color}" stroke-width="${style.filled ? 2.5 : 1.6}"${style.dashed ? ' stroke-dasharray="7 4"' : ''}/>`
    : '';
  return `${stroke}${marker(style, x + 15, y, 4.5, null)}<text x="${x + 38}" y="${y + 4}" class="legend">${esc(label)}</text>`;
}

/** Throughput (one figure) against payload size, one line per transport, log-log, whiskers for the spread. */
function throughputChart(
  rows: readonly ResultRow[],
  key: 'msgsPerSec' | 'mbPerSec',
  title: string,
  style: Style,
): string {
  const keep = (r: ResultRow): boolean =>
    r.pattern === 'throughput' && r.size > 0 && r[key] !== null && !isCodecOnly(r.transport);
  const sizes = sizesOf(rows, keep);
  const series = seriesOf(rows, keep);
  if (sizes.length === 0) return '';
  const W = 1100,
    L = 70,
    R = 300,
    T = 40,
    B = 50;
  const H = Math.max(480, T + 10 + series.length * 19 + B);
  const x = (size: number): number =>
    L + (sizes.length === 1 ? 0.5 : sizes.indexOf(size) / (sizes.length - 1)) * (W - L - R);
  const y = logScale(
    series.flatMap((s) => s.rows.flatMap((r) => runRange(r, key))),
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
    const st = style(s.transport);
    const label = seriesLabel(s.transport, s.codec);
    const points = s.rows.map((r) => [x(r.size), y.at(r[key]!), r] as const);
    parts.push(
      `<polyline fill="none" stroke="${st.color}" stroke-width="${st.filled ? 2.5 : 1.6}"${st.dashed ? ' stroke-dasharray="7 4"' : ''} points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`,
    );
    for (const [px, py, r] of points) {
      const [lo, hi] = runRange(r, key);
      parts.push(whisker(true, px, y.at(lo), y.at(hi), st.color));
      parts.push(
        marker(
          st,
          px,
          py,
          4,
          esc(
            `${label}, ${formatSize(r.size)}: ${formatCount(r.msgsPerSec ?? 0)} msgs/s, ${formatFigure(r.mbPerSec ?? 0)} MB/s (runs ${key === 'msgsPerSec' ? formatCount(lo) : formatFigure(lo)} .. ${key === 'msgsPerSec' ? formatCount(hi) : formatFigure(hi)})`,
          ),
        ),
      );
    }
    parts.push(legendEntry(st, W - R + 20, T + 10 + i * 19, label, true));
  });
  return svg('throughput', title, W, H, parts);
}

/** One row of a horizontal chart: a transport and its marks. */
interface ChartRow {
  label: string;
  style: SeriesStyle;
  /** Figures on the row: value, run range, tooltip, opacity of the mark. */
  figures: { value: number; range: [number, number]; text: string; opacity: number }[];
  /** Text at the right end. */
  note: string;
}

/**
 * Rows of marks along one horizontal axis: on a log axis a dot plot (the transport's marker per
 * figure); on a linear axis bars from zero, the marker at their end. Whiskers: the runs' range.
 */
function rowChart(
  kind: string,
  title: string,
  rows: ChartRow[],
  unit: string,
  log: boolean,
): string {
  if (rows.length === 0) return '';
  const W = 1100,
    L = 290,
    R = 170,
    T = 40,
    rowH = 22;
  const H = T + rows.length * rowH + 56;
  const values = rows.flatMap((r) => r.figures.flatMap((f) => [f.value, ...f.range]));
  const scale: Scale = log ? logScale(values, L, W - R) : linearScale(values, L, W - R);
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
  rows.forEach((row, i) => {
    const cy = T + i * rowH + rowH / 2;
    parts.push(
      `<text x="${L - 10}" y="${cy + 4}" class="legend" text-anchor="end">${esc(row.label)}</text>`,
    );
    // Several figures on a row (p50, p99): each whisker on a line of its own, a little apart.
    row.figures.forEach((f, k) => {
      const wy = cy + (k - (row.figures.length - 1) / 2) * 5;
      if (!log)
        parts.push(
          `<rect x="${L}" y="${cy - 7}" width="${Math.max(1, scale.at(f.value) - L).toFixed(1)}" height="14" fill="${row.style.color}" fill-opacity="${row.style.filled ? 0.85 : 0.3}" stroke="${row.style.color}"${row.style.dashed ? ' stroke-dasharray="5 3"' : ''} class="bar"><title>${esc(`${row.label}: ${f.text}`)}</title></rect>`,
        );
      parts.push(
        whisker(
          false,
          wy,
          scale.at(f.range[0]),
          scale.at(f.range[1]),
          log ? row.style.color : '#222',
        ),
      );
      // The transport's marker: the dot of a dot plot, or at a bar's end.
      parts.push(
        marker(
          row.style,
          scale.at(f.value),
          cy,
          log ? 5 : 4,
          esc(`${row.label}: ${f.text}`),
          f.opacity,
        ),
      );
    });
    const end = Math.max(...row.figures.map((f) => scale.at(Math.max(f.value, f.range[1]))));
    parts.push(
      `<text x="${(end + 8).toFixed(1)}" y="${cy + 4}" class="value">${esc(row.note)}</text>`,
    );
  });
  return svg(kind, title, W, H, parts);
}

/** Round-trip latency at one size (or the objects): p50 and p99 per transport, a dot plot on a log axis. */
function latencyChart(rows: readonly ResultRow[], size: number, style: Style): string {
  const keep = (r: ResultRow): boolean =>
    r.pattern === 'latency' && r.size === size && r.p50us !== null && r.p99us !== null;
  const chartRows = seriesOf(rows, keep).map((s): ChartRow => {
    const row = s.rows[0]!;
    return {
      label: seriesLabel(s.transport, s.codec),
      style: style(s.transport),
      figures: [
        {
          value: row.p50us!,
          range: runRange(row, 'p50us'),
          text: `p50 ${formatFigure(row.p50us!)} µs`,
          opacity: 1,
        },
        {
          value: row.p99us!,
          range: runRange(row, 'p99us'),
          text: `p99 ${formatFigure(row.p99us!)} µs`,
          opacity: 0.45,
        },
      ],
      note: `${formatFigure(row.p50us!)} / ${formatFigure(row.p99us!)} µs`,
    };
  });
  return rowChart(
    'latency',
    `Round-trip latency, ${formatSize(size)}: p50 (solid mark) and p99 (faded mark), µs (lower is better)`,
    chartRows,
    'µs',
    true,
  );
}

/** Messages/s of the object rows that pass `keep`, as bars on a linear axis. */
function objectsChart(
  kind: string,
  rows: readonly ResultRow[],
  keep: (row: ResultRow) => boolean,
  title: string,
  style: Style,
): string {
  const chartRows = seriesOf(
    rows,
    (r) => r.pattern === 'throughput' && r.size === 0 && r.msgsPerSec !== null && keep(r),
  ).map((s): ChartRow => {
    const row = s.rows[0]!;
    const text = `${formatCount(row.msgsPerSec!)} msgs/s`;
    return {
      label: seriesLabel(s.transport, s.codec),
      style: style(s.transport),
      figures: [{ value: row.msgsPerSec!, range: runRange(row, 'msgsPerSec'), text, opacity: 1 }],
      note: text,
    };
  });
  return rowChart(kind, title, chartRows, 'msgs/s', false);
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
.meta{color:#555}.ok{color:#176b1e;text-align:left}.miss{color:#a4161a;font-weight:600;text-align:left}td.text{text-align:left}`;

/** The whole report as one HTML page. */
export function renderHtmlReport(report: Report, descriptions: Descriptions): string {
  const { machine, results, idleWaiting } = report;
  const style = stylesOf([
    ...new Set([...results.map((r) => r.transport), ...descriptions.keys()]),
  ]);
  const transports = results.filter((r) => !isCodecOnly(r.transport));
  const codecs = results.filter((r) => isCodecOnly(r.transport));
  // Raw sizes in order, then the objects.
  const latencySizes = sizesOf(transports, (r) => r.pattern === 'latency').sort(
    (a, b) => (a === 0 ? 1 : 0) - (b === 0 ? 1 : 0) || a - b,
  );
  const charts = [
    throughputChart(
      transports,
      'msgsPerSec',
      'Streaming throughput: messages/s by payload size (log scales, higher is better)',
      style,
    ),
    throughputChart(
      transports,
      'mbPerSec',
      'Streaming throughput: MB/s by payload size (log scales, higher is better)',
      style,
    ),
    ...latencySizes.map((size) => latencyChart(transports, size, style)),
    objectsChart(
      'objects',
      transports,
      () => true,
      'Small objects {id, ts, name, tags} between two processes: messages/s (higher is better)',
      style,
    ),
  ].filter((chart) => chart !== '');
  const allTables = buildTables(results);
  const codecTables = allTables.filter((t) => t.codecOnly === true);
  const transportTables = allTables.filter((t) => !codecTables.includes(t));
  const codecChart = objectsChart(
    'codec',
    codecs,
    () => true,
    'Encoding or decoding the small objects alone, in one process: messages/s (higher is better)',
    style,
  );
  const names = [...descriptions.keys()];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>IPC benchmark: shmring and baselines</title><style>${CSS}</style></head>
<body>
<h1>IPC benchmark: shmring and baselines</h1>
<p class="meta">${esc(machine.date)} · ${esc(machine.cpu)}, ${machine.cores} cores · ${esc(machine.os)} · node ${esc(machine.node)} · median of ${Math.max(0, ...results.map((r) => r.runs.length))} runs</p>
<p class="meta">Each transport has one colour and marker in every chart; filled marks: shmring, hollow marks: the others; dashed lines: writes coalesced into 64 KiB. Whiskers span the smallest to the largest run. Hover a mark for its figures.</p>
${charts.join('\n')}
<h2>Tables</h2>
${LEGEND.map((line) => `<p class="meta">${esc(line)}</p>`).join('\n')}
${transportTables.map(htmlTable).join('\n')}
${idleWaiting === undefined ? '' : renderIdleHtml(idleWaiting, esc)}
${renderGoalsHtml(checkGoals(results, idleWaiting), esc)}
${codecChart === '' && codecTables.length === 0 ? '' : `<h2>Encoding and decoding alone (no transport)</h2>\n<p class="meta">What a receiver that decodes, or a sender that encodes, can reach at most on one core: not a transport, shown apart.</p>\n${codecChart}\n${codecTables.map(htmlTable).join('\n')}`}
<h2>Transports</h2>
<ul>${names.map((n) => `<li><code>${esc(n)}</code>: ${esc(descriptions.get(n) ?? '')}</li>`).join('')}</ul>
<h2>Method</h2>
<ul>${METHOD_NOTES.map((note) => `<li>${esc(note)}</li>`).join('')}</ul>
</body></html>
`;
}
