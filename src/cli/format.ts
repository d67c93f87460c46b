// Human-readable output of the CLI.
import type { SegmentReport } from '../lifecycle/inspect.js';

function bytes(n: number | undefined): string {
  if (n === undefined) return '-';
  if (n >= 2 ** 30 && n % 2 ** 30 === 0) return `${n / 2 ** 30}G`;
  if (n >= 2 ** 20 && n % 2 ** 20 === 0) return `${n / 2 ** 20}M`;
  if (n >= 2 ** 10 && n % 2 ** 10 === 0) return `${n / 2 ** 10}K`;
  return String(n);
}

function age(ms: number | null | undefined): string {
  if (ms === undefined || ms === null) return '-';
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

function producers(report: SegmentReport): string {
  if (report.producers === undefined) return '-';
  const alive = report.producers.filter((p) => p.alive).length;
  return alive === report.producers.length ? String(alive) : `${alive}/${report.producers.length}`;
}

/** `shmring ls`: one row per segment. */
export function formatTable(reports: SegmentReport[]): string {
  if (reports.length === 0) return 'no shmring segments';
  const rows = [['NAME', 'KIND', 'CAPACITY', 'IN USE', 'SENDERS', 'HEARTBEAT', 'STATE']];
  for (const r of reports) {
    rows.push([
      r.name,
      r.kind ?? '-',
      bytes(r.capacity),
      bytes(r.bytesInUse),
      producers(r),
      age(r.heartbeatAgeMs),
      r.state,
    ]);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `shmring stat`: one field per line. */
export function formatReport(report: SegmentReport): string {
  const who = (ref: { pid: number; alive: boolean } | null | undefined): string =>
    ref ? `${ref.pid} (${ref.alive ? 'alive' : 'gone'})` : '-';
  const lines: Array<[string, string]> = [
    ['name', report.name],
    ['backing', report.backing],
    ['state', report.state + (report.problem ? `: ${report.problem}` : '')],
    ['size', `${report.sizeBytes} bytes`],
    ['mode', `0${report.mode.toString(8)}`],
    ['owner uid', String(report.uid)],
  ];
  if (report.kind !== undefined) {
    lines.push(
      ['kind', report.kind],
      ['capacity', `${report.capacity} bytes (max message ${report.maxMessageLength})`],
      ['codec', report.codec ?? '- (not recorded)'],
      ['in use', `${report.bytesInUse} bytes`],
      ['creator', who(report.creator)],
      ['created', report.createdAt ?? '-'],
      ['consumer', who(report.consumer)],
      [
        'producers',
        `${report.openProducers} open: ${report.producers!.map(who).join(', ') || '-'}`,
      ],
      ['heartbeat age', age(report.heartbeatAgeMs)],
      [
        'flags',
        [
          report.ended && 'ended',
          report.consumerClosed && 'consumer-closed',
          report.broken && 'broken',
        ]
          .filter(Boolean)
          .join(', ') || '-',
      ],
    );
  }
  return lines.map(([key, value]) => `${key.padEnd(14)}${value}`).join('\n');
}
