// Starts an async futex wait nobody will wake, then closes or unrefs the waiter:
// the process must exit by itself. `node futex-idle.ts <shm name> close|unref`.
import { Segment } from '../../src/segment/index.js';
import { FutexWaiter } from '../../src/futex/index.js';

const [name, how] = process.argv.slice(2);
const segment = Segment.open(name);
const waiter = new FutexWaiter();
waiter
  .wait(segment.buffer, 0, 0)
  .catch((error: { code: string }) => console.log(`rejected ${error.code}`));
if (how === 'close') waiter.close();
else waiter.unref();
console.log('end of script');
