// The writer: puts one record into a new channel and exits. The record waits in shared memory
// until a reader started later takes it.
//   npx tsx examples/writer-reader/writer.ts [/NAME]
import { createSender } from '../../src/index.js';
import { DEFAULT_NAME, type WeatherRecord } from './record.js';

const name = process.argv[2] ?? DEFAULT_NAME;
const record: WeatherRecord = {
  station: 'Hill Farm, north field',
  takenAt: new Date(),
  writerPid: process.pid,
  temperatures: Float64Array.from(
    { length: 24 },
    (_, hour) => Math.round((12 + 6 * Math.sin(((hour - 9) * Math.PI) / 12)) * 10) / 10,
  ),
  rainTips: 2n ** 40n + 12345n,
  notes: ['gauge cleaned at 06:00', 'fog until 08:30 — visibility < 200 m'],
};

try {
  // unlink 'never': the segment outlives this process; the reader removes it.
  const sender = createSender<WeatherRecord>(name, { unlink: 'never', capacity: 4096 });
  sender.sendSync(record);
  sender.close(); // the last sender closing ends the stream: the reader knows nothing else is coming
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  // O_EXCL: never overwrite a record nobody has read yet.
  console.error(
    `writer: a record is already waiting in ${name}; read it first (reader.ts ${name}) or remove it (shmring rm ${name})`,
  );
  process.exit(1);
}
console.log(
  `writer ${process.pid}: record left in ${name}; exiting. Now run: npx tsx examples/writer-reader/reader.ts ${name}`,
);
