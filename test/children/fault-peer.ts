// For test/segment-fault.test.ts: loads the addon (so the SIGBUS guard is installed), opens a
// channel, then hits a SIGBUS that is not the guard's: `sent` raises one with kill(2). The
// process must die by it, as it would without shmring.
import { createChannel, openChannel } from '../../src/channel/index.js';

const name = process.argv[2];
const receiver = createChannel<string>(name);
const sender = openChannel<string>(name);
sender.trySend('hello');
receiver.tryReceive();
process.kill(process.pid, 'SIGBUS');
// Not reached: a sent SIGBUS is not a fault in a mapping, so it keeps its default action.
await new Promise((resolve) => setTimeout(resolve, 2000));
console.log('survived');
