// The idle-waiting section of the reports (terminal, Markdown, HTML): a process holding many
// channels, each awaiting receive(), measured while nothing arrives (lib/idle-waiting.ts).
// Absolute figures of this process: nothing to compare them with.
import { formatFigure } from './format.js';
import type { IdleWaiting } from './schema.js';

/** Its name in --list, --only and the goals. */
export const IDLE_WAITING_NAME = 'shmring-idle-waiting';

/** What the measurement does, in the reports and --list. */
export const IDLE_WAITING_METHOD =
  "One process creates the channels (createChannel, 64 KiB rings, codec 'raw', the default 'adaptive' wait) and calls `await receiver.receive()` on each; once all wait and their spin is over, the bench reads the process's native threads (Threads: in /proc/PID/status) and its CPU time (process.cpuUsage(), every thread) over a stretch of idleness; then another process sends one value to a few of the channels (each receive() must resolve with its value, the others keep waiting: else the run fails), and every receiver is closed while it waits.";

const title = (idle: IdleWaiting): string =>
  `Idle waiting: ${idle.channels} channels in one process, each awaiting receive()`;

/** The figures as (label, value) lines. */
function linesOf(idle: IdleWaiting): [string, string][] {
  return [
    [
      'native threads while all wait',
      `${idle.threads} (${idle.threadsBefore} before the channels were opened)`,
    ],
    [
      'CPU while idle',
      `${formatFigure(idle.cpuPercent)}% of a core (${formatFigure(idle.cpuMs)} ms in ${idle.idleSec.toFixed(1)} s)`,
    ],
    [
      'woken by one value each',
      `${idle.woken} channels, each with its value, in at most ${formatFigure(idle.wakeMs)} ms from send()`,
    ],
    [`closing all ${idle.channels} while they wait`, `${formatFigure(idle.closeMs)} ms`],
  ];
}

const HEADER: [string, string] = ['figure', 'measured'];

/** The section as aligned text lines, for the terminal. */
export function renderIdleText(idle: IdleWaiting): string {
  const lines = [HEADER, ...linesOf(idle)];
  const widths = HEADER.map((_, i) => Math.max(...lines.map((line) => [...line[i]].length)));
  const line = ([label, value]: [string, string]): string =>
    `${label.padEnd(widths[0]!)}  ${value}`;
  return [
    title(idle),
    line(HEADER),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...linesOf(idle).map(line),
  ].join('\n');
}

/** The section in Markdown. */
export function renderIdleMarkdown(idle: IdleWaiting): string {
  const row = (cells: string[]): string =>
    `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [
    `### ${title(idle)}`,
    '',
    IDLE_WAITING_METHOD,
    '',
    row(HEADER),
    '|---|---|',
    ...linesOf(idle).map(row),
  ].join('\n');
}

/** The section in HTML (`esc` escapes text). */
export function renderIdleHtml(idle: IdleWaiting, esc: (text: string) => string): string {
  const head = `<tr>${HEADER.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const body = linesOf(idle)
    .map(([label, value]) => `<tr><th>${esc(label)}</th><td class="text">${esc(value)}</td></tr>`)
    .join('');
  return `<h3>${esc(title(idle))}</h3><p class="meta">${esc(IDLE_WAITING_METHOD)}</p><table>${head}${body}</table>`;
}
