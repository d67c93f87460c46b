// A C peer built from test/c/<name>.c against native/include/shmring.h alone, once per test
// file, in a temporary directory removed after the file's tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

import { ROOT } from './child.js';

/** Compiles test/c/`name`.c before the file's tests; returns a getter of the program's path. */
export function useCProgram(name: string): () => string {
  let dir = '';
  let program = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `shmring-${name}-`));
    program = join(dir, name);
    const cc = spawnSync(
      'cc',
      [
        ...['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror'],
        ...['-I', join(ROOT, 'native/include'), join(ROOT, `test/c/${name}.c`)],
        ...['-o', program, '-lrt'],
      ],
      { encoding: 'utf8' },
    );
    if (cc.status !== 0) throw new Error(`cc failed:\n${cc.stderr}`);
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });
  return () => program;
}
