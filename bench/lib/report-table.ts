// The final tables in the terminal: plain text, columns aligned.
import { buildTables, cellText, LEGEND, type Table } from './report-model.js';
import type { IdleWaiting, ResultRow } from './schema.js';
import { checkGoals, renderGoalsText } from './goals.js';
import { renderIdleText } from './report-idle.js';

/** One table as aligned text lines. */
export function renderTextTable(table: Table): string {
  const header = ['transport', ...table.columns];
  const body = table.rows.map((row) => [row.label, ...row.cells.map(cellText)]);
  const widths = header.map((_, i) =>
    Math.max(...[header, ...body].map((line) => [...line[i]!].length)),
  );
  const pad = (text: string, i: number): string =>
    i === 0 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!);
  const line = (cells: string[]): string => cells.map(pad).join('  ').trimEnd();
  return [
    table.title,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ].join('\n');
}

/** All result tables, the legend, idle waiting (when measured) and the goals, for stdout. */
export function renderTerminalReport(rows: readonly ResultRow[], idle?: IdleWaiting): string {
  return (
    [
      ...buildTables(rows).map(renderTextTable),
      LEGEND.join('\n'),
      ...(idle === undefined ? [] : [renderIdleText(idle)]),
      renderGoalsText(checkGoals(rows, idle)),
    ].join('\n\n') + '\n'
  );
}
