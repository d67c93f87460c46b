// The reader: started after the writer has exited, takes the record it left, then removes the
// segment (nothing stays behind in /dev/shm).
//   npx tsx examples/writer-reader/reader.ts [/NAME]
import { existsSync } from 'node:fs';
import { inspect } from 'node:util';

import { openReceiver, type Receiver } from '../../src/index.js';
import { DEFAULT_NAME, type WeatherRecord } from './record.js';

const name = process.argv[2] ?? DEFAULT_NAME;

let receiver: Receiver<WeatherRecord>;
try {
  receiver = openReceiver<WeatherRecord>(name);
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  console.error(
    `reader: nothing waits in ${name}; run the writer first: npx tsx examples/writer-reader/writer.ts ${name}`,
  );
  process.exit(1);
}

try {
  // Every record the writer left, until the end of its stream (it closed before exiting).
  for await (const record of receiver) {
    console.log(
      `reader ${process.pid}: record from writer ${record.writerPid} (${existsSync(`/proc/${record.writerPid}`) ? 'still running' : 'exited'}):`,
    );
    console.log(inspect(record, { depth: null, colors: process.stdout.isTTY, breakLength: 100 }));
  }
} finally {
  receiver.close({ unlink: true }); // the record is read: remove the segment
}
