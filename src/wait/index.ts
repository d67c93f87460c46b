export { EventCount } from './event-count.js';
export { Interrupt, type AbortLike } from './interrupt.js';
export { keepAliveChanged } from './ring-alone.js';
export {
  DEFAULT_WAIT_POLICY,
  waitPolicy,
  waitSync,
  waitAsync,
  waitSyncWatched,
  waitAsyncWatched,
  spinBriefly,
  runIfDue,
  deadlineAfter,
  timeoutError,
} from './strategy.js';
export type { Watch, WaitMode, WaitPolicy } from './strategy.js';
export { schedule, type Scheduled } from './schedule.js';
