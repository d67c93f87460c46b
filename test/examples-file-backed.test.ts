// examples/file-backed: a job logged in a channel on a regular file, stopped in every way
// (--stop-after, SIGKILL, SIGTERM) and picked up by the next run each time.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

import { ROOT, finished, lineFrom, runChild, spawnChild } from './helpers/child.js';
import { uniqueFilePath } from './helpers/names.js';

const MAIN = resolve(ROOT, 'examples/file-backed/main.ts');

it('each run picks up where the last one stopped, whatever stopped it', async () => {
  const file = uniqueFilePath('primes');
  const job = ['--file', file, '--below', '3000000', '--chunk-size', '100000'];

  const first = await runChild(MAIN, [...job, '--stop-after', '3']);
  expect(first).toMatchObject({ code: 0, stderr: '' });
  expect(first.stdout).toContain('stopped after 3 of 30 chunks');
  expect(existsSync(file)).toBe(true);

  // Killed outright: the log still holds every chunk it finished.
  const killed = spawnChild(MAIN, job);
  const killedDone = finished(killed);
  await lineFrom(killed, /^chunk 6\/30 done/);
  killed.kill('SIGKILL');
  const { stdout: killedOut, signal } = await killedDone;
  expect(signal).toBe('SIGKILL');
  const lastDone = Math.max(
    ...[...killedOut.matchAll(/^chunk (\d+)\/30 done/gm)].map((m) => Number(m[1])),
  );

  const terminated = spawnChild(MAIN, job);
  const terminatedDone = finished(terminated);
  await lineFrom(terminated, new RegExp(`^chunk ${lastDone + 2}/30 done`));
  terminated.kill('SIGTERM'); // stops after the chunk at hand, cleanly
  const stopped = await terminatedDone;
  expect(stopped).toMatchObject({ code: 0, stderr: '' });
  expect(stopped.stdout).toContain(`resuming from ${file}: ${lastDone} of 30 chunks done`);
  const stoppedAt = Number(/stopped after (\d+) of 30 chunks/.exec(stopped.stdout)?.[1]);
  expect(stoppedAt).toBeGreaterThan(lastDone);

  const last = await runChild(MAIN, job);
  expect(last).toMatchObject({ code: 0, stderr: '' });
  expect(last.stdout).toContain(`resuming from ${file}: ${stoppedAt} of 30 chunks done`);
  expect(last.stdout).toContain('there are 216816 primes below 3000000');
  expect(existsSync(file)).toBe(false);
  expect(existsSync(`${file}.new`)).toBe(false);
});
