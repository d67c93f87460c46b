// What a call against a stream does after a failure: give up, or wait and try again.
import type { NatsLink } from './connection.js';
import { classify, type Patience } from './patience.js';

/** Whether a stream exists; unreachable servers are retried within `patience`. */
export async function streamExists(
  link: NatsLink,
  stream: string,
  patience: Patience,
): Promise<boolean> {
  for (;;) {
    try {
      await link.jsm.streams.info(stream);
      patience.reached();
      return true;
    } catch (error) {
      if (classify(error) === 'no-stream') return false;
      await pauseOrThrow(link, stream, patience, error, () => error as Error);
    }
  }
}

/**
 * After a failed call on `stream`: throws `gone()` when the stream no longer exists, the error
 * itself when retrying cannot help, ECONNRESET when the server has been unreachable too long;
 * otherwise waits a little (the caller then retries).
 */
export async function pauseOrThrow(
  link: NatsLink,
  stream: string,
  patience: Patience,
  error: unknown,
  gone: () => Error,
): Promise<void> {
  const failure = classify(error);
  if (failure === 'no-stream') throw gone();
  if (failure === 'fatal' || failure === 'full') throw error;
  // Nobody answered: the stream was deleted, or the server is still starting.
  if (failure === 'no-responders' && !(await streamExists(link, stream, patience))) throw gone();
  patience.unreachable(error);
  await patience.pause();
}
