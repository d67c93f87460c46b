export { wait, wake, wordAt, FutexWaiter } from './futex.js';
export type { FutexWaitResult, AsyncWaitOptions } from './futex.js';
