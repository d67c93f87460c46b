// The blocking calls of local channels have no network counterpart.
import { ShmringError } from '../errors.js';

/** ERR_SHMRING_NOT_SUPPORTED: `call` blocks the thread, which a network channel does not offer. */
export function notOffered(call: string, instead: string): ShmringError {
  return new ShmringError(
    'ERR_SHMRING_NOT_SUPPORTED',
    `${call}() is not offered over the network (it would block the thread on a server round trip): use ${instead}()`,
  );
}
