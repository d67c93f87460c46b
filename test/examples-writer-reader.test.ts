// examples/writer-reader: a record outlives its writer and waits for a reader started later.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

import { ROOT, runChild } from './helpers/child.js';
import { uniqueShmName } from './helpers/names.js';

const WRITER = resolve(ROOT, 'examples/writer-reader/writer.ts');
const READER = resolve(ROOT, 'examples/writer-reader/reader.ts');

it('a reader started after the writer exited gets its record, then nothing is left in /dev/shm', async () => {
  const name = uniqueShmName('record');

  const early = await runChild(READER, [name]);
  expect(early.code).toBe(1);
  expect(early.stderr).toContain(`nothing waits in ${name}`);

  const writer = await runChild(WRITER, [name]);
  expect(writer).toMatchObject({ code: 0, stderr: '' });
  const writerPid = Number(/^writer (\d+):/.exec(writer.stdout)?.[1]);
  expect(existsSync(`/proc/${writerPid}`)).toBe(false); // the writer is gone
  expect(existsSync(`/dev/shm${name}`)).toBe(true);

  // O_EXCL: a second writer does not overwrite a record nobody has read.
  const second = await runChild(WRITER, [name]);
  expect(second.code).toBe(1);
  expect(second.stderr).toContain(`a record is already waiting in ${name}`);

  const reader = await runChild(READER, [name]);
  expect(reader).toMatchObject({ code: 0, stderr: '' });
  expect(reader.stdout).toContain(`record from writer ${writerPid} (exited)`);
  for (const part of [
    "station: 'Hill Farm, north field'",
    `writerPid: ${writerPid}`,
    'Float64Array(24)',
    'rainTips: 1099511640121n',
    'visibility < 200 m',
  ]) {
    expect(reader.stdout).toContain(part);
  }
  expect(reader.stdout).toMatch(/takenAt: \d{4}-\d\d-\d\dT/); // a Date again, not a string
  expect(existsSync(`/dev/shm${name}`)).toBe(false);
});
