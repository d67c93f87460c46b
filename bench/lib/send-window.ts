// Sending messages one after the other over a channel with a callback per message (child.send
// of Node's fork and of shmring's), with back-pressure: when send() returns false, wait until
// everything sent so far is written.

/** Sends `message`, calling `written` once it is handed over; false asks the caller to wait. */
export type CallbackSend = (message: unknown, written: (error: Error | null) => void) => boolean;

/** Sends `message(seq)` for `firstSeq .. firstSeq+count-1`, honouring send()'s back-pressure. */
export async function sendAll(
  send: CallbackSend,
  message: (seq: number) => unknown,
  firstSeq: number,
  count: number,
): Promise<void> {
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
    if (!send(message(seq), onWritten) && written !== sent) {
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
    if (failure !== null) throw failure;
  }
}
