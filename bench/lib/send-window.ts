// Sending messages one after the other over a channel with a callback per message (child.send,
// shmring's fork child.send), with back-pressure: when send() returns false, or when `window`
// sends are still in flight, wait until all of them are written.

/** Sends `message`, calling `written` once it is handed over; false asks the caller to wait. */
export type WindowedSend = (message: unknown, written: (error: Error | null) => void) => boolean;

/**
 * Sends `message(seq)` for `firstSeq .. firstSeq+count-1`. With `window` 1, a send whose
 * callback comes in the next microtask (it went straight through) needs no further waiting.
 */
export async function sendWindowed(send: WindowedSend, message: (seq: number) => unknown, firstSeq: number, count: number, window: number): Promise<void> {
  let sent = 0;
  let written = 0;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const onWritten = (error: Error | null): void => {
    written++;
    if (error !== null) failure ??= error;
    if (wake !== null && written === sent) wake();
  };
  for (let seq = firstSeq; seq < firstSeq + count; seq++) {
    sent++;
    if (!send(message(seq), onWritten) || sent - written >= window) {
      if (window === 1) await null; // lets a callback already queued run
      if (written !== sent) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
    if (failure !== null) throw failure;
  }
}
