export { EventCount } from './event-count.js';
export {
  DEFAULT_WAIT_POLICY,
  waitPolicy,
  waitSync,
  waitAsync,
  waitSyncWatched,
  waitAsyncWatched,
  deadlineAfter,
  timeoutError,
} from './strategy.js';
export type { WaitMode, WaitPolicy } from './strategy.js';
