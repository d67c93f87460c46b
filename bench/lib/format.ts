// Number and size formatting shared by the reports.

/** 607600 -> "607.6k", 31400000 -> "31.40M", 28 -> "28.0". */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(1);
}

/** A figure with about three significant digits: 3553 -> "3553", 141.2 -> "141", 9.73 -> "9.7", 0.41 -> "0.41". */
export function formatFigure(n: number): string {
  if (n >= 100) return Math.round(n).toString();
  if (n >= 10) return n.toFixed(1);
  if (n >= 1) return n.toFixed(2);
  return n.toPrecision(2);
}

/** A ratio to the baseline: "1.00x", "0.31x", "120x". */
export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return '—';
  return r >= 100 ? `${Math.round(r)}x` : `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`;
}

/** Payload size for people: 16 -> "16 B", 4096 -> "4 KiB", 1048576 -> "1 MiB", 0 -> "objects". */
export function formatSize(bytes: number): string {
  if (bytes === 0) return 'objects';
  if (bytes >= 1 << 20 && bytes % (1 << 20) === 0) return `${bytes >> 20} MiB`;
  if (bytes >= 1 << 10 && bytes % (1 << 10) === 0) return `${bytes >> 10} KiB`;
  return `${bytes} B`;
}

/** Seconds as "1m05s" or "42s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
