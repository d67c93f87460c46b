// The Markdown report (`--md FILE`).
import {
  buildTables,
  cellText,
  LEGEND,
  METHOD_NOTES,
  type Descriptions,
  type Table,
} from './report-model.js';
import { formatCount, formatFigure, formatSize } from './format.js';
import { isNoisy, mainFigure } from './results.js';
import type { Report } from './schema.js';
import { checkGoals, renderGoalsMarkdown } from './goals.js';
import { renderIdleMarkdown } from './report-idle.js';

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** One table in GitHub Markdown. */
export function renderMarkdownTable(table: Table): string {
  const header = `| transport | ${table.columns.map(escapeCell).join(' | ')} |`;
  const align = `|---|${table.columns.map(() => '---:').join('|')}|`;
  const body = table.rows.map(
    (row) =>
      `| ${escapeCell(row.label)} | ${row.cells.map((c) => escapeCell(cellText(c))).join(' | ')} |`,
  );
  return [`### ${table.title}`, '', header, align, ...body].join('\n');
}

/** The whole report in Markdown. */
export function renderMarkdownReport(report: Report, descriptions: Descriptions): string {
  const { machine, results, idleWaiting } = report;
  const names = [...descriptions.keys()];
  const noisy = results.filter(isNoisy).map((row) => {
    const key = mainFigure(row.pattern);
    const format = key === 'msgsPerSec' ? formatCount : formatFigure;
    const runs = row.runs
      .map((run) => run[key])
      .filter((v): v is number => v !== null)
      .map(format)
      .join(', ');
    return `- ${row.transport} (${row.codec}) ${row.pattern} ${formatSize(row.size)}: ${key === 'msgsPerSec' ? 'msgs/s' : 'p50 µs'} ${runs}`;
  });
  return [
    '# IPC benchmark: shmring and baselines',
    '',
    `- date: ${machine.date}`,
    `- CPU: ${machine.cpu}, ${machine.cores} cores`,
    `- ${machine.os}, node ${machine.node}`,
    `- runs per figure: ${Math.max(0, ...results.map((r) => r.runs.length))} (median reported)`,
    '',
    ...LEGEND.map((line) => `${line}  `),
    '',
    ...buildTables(results).flatMap((table) => [renderMarkdownTable(table), '']),
    ...(idleWaiting === undefined ? [] : [renderIdleMarkdown(idleWaiting), '']),
    renderGoalsMarkdown(checkGoals(results, idleWaiting)),
    '',
    '## Transports',
    '',
    ...names.map((name) => `- \`${name}\`: ${descriptions.get(name) ?? ''}`),
    '',
    '## Run-to-run spread above 25%',
    '',
    ...(noisy.length > 0 ? noisy : ['- none']),
    '',
    '## Method',
    '',
    ...METHOD_NOTES.map((note) => `- ${note}`),
    '',
  ].join('\n');
}
