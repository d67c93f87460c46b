// The child: maps the channel its parent passed as fd 3 and sends its results through it.
import { closeSync } from 'node:fs';

import { Segment, openChannel } from '../../src/index.js';

const count = Number(process.argv[2]);
const segment = Segment.fromFd(3);
closeSync(3); // the mapping holds its own reference to the memfd
const sender = openChannel<bigint>(segment.buffer);

let [a, b] = [1n, 1n];
for (let i = 1; i <= count; i++) {
  await sender.send(a); // waits (asleep) while the ring is full
  [a, b] = [b, a + b];
}
sender.close(); // the parent sees the end of the stream
segment.close();
