// Worker thread for test/channel.test.ts: sends three values into the channel it was given.
import { workerData } from 'node:worker_threads';

import { openChannel } from '../../src/channel/index.js';

const sender = openChannel<string>(workerData as SharedArrayBuffer);
for (let i = 0; i < 3; i++) sender.sendSync(`from worker ${i}`);
sender.close();
