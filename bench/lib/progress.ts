// Progress on stderr while the benchmark runs: what is running, how far, time left.
// On a terminal one line is rewritten in place; otherwise (CI logs) one line per job.
import { formatDuration } from './format.js';

export interface ProgressSink {
  /** Job `index` (0-based) of `total` starts; `secondsLeft` estimates the rest of the run, this job included. */
  job(index: number, total: number, what: string, secondsLeft: number): void;
  /** A note that must not be overwritten (a failure, a warning). */
  note(text: string): void;
  /** The run is over: clears the progress line. */
  done(): void;
}

export function stderrProgress(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  const live = stream.isTTY === true;
  let shown = false;
  const clear = (): void => {
    if (live && shown) stream.write('\r\x1b[K');
    shown = false;
  };
  return {
    job(index, total, what, secondsLeft) {
      const width = String(total).length;
      const percent = Math.floor((index / total) * 100);
      const line = `[${String(index + 1).padStart(width)}/${total} ${String(percent).padStart(2)}%] ${what} · ~${formatDuration(secondsLeft)} left`;
      if (live) {
        const columns = stream.columns ?? 120;
        stream.write(`\r\x1b[K${line.slice(0, columns - 1)}`);
        shown = true;
      } else stream.write(`${line}\n`);
    },
    note(text) {
      clear();
      stream.write(`${text}\n`);
    },
    done() {
      clear();
    },
  };
}

/** Discards progress (tests). */
export const silentProgress: ProgressSink = {
  job: () => undefined,
  note: () => undefined,
  done: () => undefined,
};
