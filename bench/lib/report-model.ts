// The result tables, independent of how they are rendered (terminal, Markdown, HTML):
// throughput (messages/s and MB/s by payload size), round-trip latency, and the small objects.
import { formatCount, formatFigure, formatRatio, formatSize } from './format.js';
import {
  baselineOf,
  isCodecOnly,
  isNoisy,
  ratioTo,
  seriesOf,
  sizesOf,
  type FigureKey,
} from './results.js';
import type { ResultRow } from './schema.js';

export interface Cell {
  /** The figure, formatted. */
  value: string;
  /** Its ratio to the unix-socket row of the same pattern and size ("—" when there is none). */
  ratio: string;
  /** "†" when the runs differ by more than 25%, "‡" when fewer runs than the others succeeded, else "". */
  flag: string;
}

export interface Table {
  title: string;
  columns: string[];
  rows: { label: string; cells: (Cell | null)[] }[];
  /** Rows that move nothing between processes (encoding or decoding alone). */
  codecOnly?: boolean;
}

/** Row label: the transport, with the codec when it is not raw. */
export function seriesLabel(transport: string, codec: string): string {
  return codec === 'raw' ? transport : `${transport} (${codec})`;
}

function cellOf(
  rows: readonly ResultRow[],
  row: ResultRow | undefined,
  key: FigureKey,
  format: (n: number) => string,
  fullRuns: number,
): Cell | null {
  const value = row?.[key];
  if (row === undefined || value === null || value === undefined) return null;
  const flag = row.runs.length < fullRuns ? '‡' : isNoisy(row) ? '†' : '';
  return {
    value: format(value),
    ratio: formatRatio(ratioTo(row, baselineOf(rows, row), key)),
    flag,
  };
}

/** The tables of a run's results. */
export function buildTables(rows: readonly ResultRow[]): Table[] {
  const fullRuns = Math.max(0, ...rows.map((row) => row.runs.length));
  const tables: Table[] = [];
  const rawThroughput = (row: ResultRow): boolean => row.pattern === 'throughput' && row.size > 0;
  const throughputSizes = sizesOf(rows, rawThroughput);
  const throughputTable = (
    title: string,
    key: FigureKey,
    format: (n: number) => string,
  ): Table => ({
    title,
    columns: throughputSizes.map(formatSize),
    rows: seriesOf(rows, rawThroughput).map((s) => ({
      label: seriesLabel(s.transport, s.codec),
      cells: throughputSizes.map((size) =>
        cellOf(
          rows,
          s.rows.find((r) => r.size === size),
          key,
          format,
          fullRuns,
        ),
      ),
    })),
  });
  if (throughputSizes.length > 0) {
    tables.push(
      throughputTable(
        'Streaming throughput: messages/s (ratio to unix-socket)',
        'msgsPerSec',
        formatCount,
      ),
    );
    tables.push(
      throughputTable(
        'Streaming throughput: MB/s (ratio to unix-socket)',
        'mbPerSec',
        formatFigure,
      ),
    );
  }

  const rawLatency = (row: ResultRow): boolean => row.pattern === 'latency' && row.size > 0;
  const latencySizes = sizesOf(rows, rawLatency);
  if (latencySizes.length > 0) {
    tables.push({
      title: 'Round-trip latency: µs (ratio to unix-socket)',
      columns: latencySizes.flatMap((size) => [
        `${formatSize(size)} p50`,
        `${formatSize(size)} p99`,
      ]),
      rows: seriesOf(rows, rawLatency).map((s) => ({
        label: seriesLabel(s.transport, s.codec),
        cells: latencySizes.flatMap((size) => {
          const row = s.rows.find((r) => r.size === size);
          return [
            cellOf(rows, row, 'p50us', formatFigure, fullRuns),
            cellOf(rows, row, 'p99us', formatFigure, fullRuns),
          ];
        }),
      })),
    });
  }

  // Codec-only rows have no latency, and a table of their own.
  const objectTable = (title: string, codecOnly: boolean): void => {
    const latency = !codecOnly;
    const series = seriesOf(
      rows,
      (row) => row.size === 0 && isCodecOnly(row.transport) === codecOnly,
    );
    if (series.length === 0) return;
    tables.push({
      title,
      codecOnly,
      columns: ['messages/s', 'MB/s', ...(latency ? ['RTT p50 µs', 'RTT p99 µs'] : [])],
      rows: series.map((s) => {
        const throughput = s.rows.find((r) => r.pattern === 'throughput');
        const rtt = s.rows.find((r) => r.pattern === 'latency');
        return {
          label: seriesLabel(s.transport, s.codec),
          cells: [
            cellOf(rows, throughput, 'msgsPerSec', formatCount, fullRuns),
            cellOf(rows, throughput, 'mbPerSec', formatFigure, fullRuns),
            ...(latency
              ? [
                  cellOf(rows, rtt, 'p50us', formatFigure, fullRuns),
                  cellOf(rows, rtt, 'p99us', formatFigure, fullRuns),
                ]
              : []),
          ],
        };
      }),
    });
  };
  objectTable(
    'Small objects {id, ts, name, tags} between two processes (ratio to unix-socket, msgpack)',
    false,
  );
  objectTable(
    'Encoding or decoding the small objects alone, in one process, no transport (ratio to unix-socket, msgpack)',
    true,
  );
  return tables;
}

/** "607.6k 1.00x†" */
export function cellText(cell: Cell | null): string {
  return cell === null ? '—' : `${cell.value} ${cell.ratio}${cell.flag}`;
}

/** Legend lines shared by the reports. */
export const LEGEND = [
  'ratio: figure / the same figure of unix-socket (one write per message) at the same size, in this run; for latency below 1 is faster.',
  '†: the runs differ by more than 25% of their median; ‡: fewer runs succeeded than for the other rows.',
  'MB = 10^6 payload bytes (encoded bytes for objects), framing not counted.',
];

/** How the figures were measured, for the Markdown and HTML reports. */
export const METHOD_NOTES = [
  'Two separate Node processes (the parent spawns a peer) unless the transport says otherwise; all transports run interleaved, one size at a time (A B C … A B C …), and each row is the median of its runs.',
  'Raw payloads: a fixed byte pattern with the sequence number stamped in the first and last 4 bytes; the consumer counts messages and keeps a checksum of (length, both stamps, middle byte); objects are decoded and their fields hashed. Any mismatch fails the run.',
  'Stream transports: `[u32 LE length][payload]` frames, incremental parser (a frame split across reads is assembled once). One write() per message, or frames coalesced into 64 KiB writes; write() === false waits for drain.',
  'Throughput: one-way streaming, each run sized by time after a warm-up. Latency: ping-pong round trips (send, echo, receive) after warm-up round trips, percentiles of per-sample times.',
  'Node\'s child stdio "pipe" is an AF_UNIX socketpair on Linux; the kernel pipe row is a FIFO (mkfifo), which has pipe(2) semantics and a 64 KiB buffer.',
  "shmring rows: channels in POSIX shm segments named with the run id, unlinked as soon as both processes have opened them; every row goes through the package's public calls, named in its description (await send -> for await or a 'message' listener; sendSync -> receiveSync; trySend -> tryReceive; fork()), codec 'raw' (Uint8Array payloads) or 'msgpack' (the sample objects). shmring-internal-ring is the exception: the ring under the channel API, not callable by users, shown as the ceiling of the public calls.",
  'shmring MPSC rows: each producer process sends its own contiguous run of sequence numbers; the consumer tells the producers apart by the sequence number in each payload and keeps one order-sensitive checksum per producer (the order between producers is not defined).',
  "futex-pingpong is the floor of the 'park' wait: a FUTEX_WAKE and a FUTEX_WAIT per hop, one word each way. On a VM, waking an idle vCPU costs microseconds to tens of microseconds and comes in modes that change from run to run, so the blocking rows are noisy.",
];

/** One entry per transport name: its description, for legends. */
export type Descriptions = ReadonlyMap<string, string>;
