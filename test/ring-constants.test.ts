// The C header and the TypeScript layout agree: every numeric #define of shmring.h is
// evaluated by a compiled C program and compared with the TypeScript export of the same
// name, and every numeric TypeScript layout constant has a #define.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

import * as ring from '../src/ring/index.js';
import { ROOT } from './helpers/child.js';

const HEADER = join(ROOT, 'native/include/shmring.h');
// Result codes of the C API: TypeScript throws typed errors instead.
const C_ONLY = /^SHMRING_(OK|ERR_[A-Z_]+)$/;

function headerDefines(): string[] {
  const names = [
    ...readFileSync(HEADER, 'utf8').matchAll(/^#define (SHMRING_[A-Z0-9_]+) +\S/gm),
  ].map((m) => m[1]);
  return names.filter((name) => !C_ONLY.test(name));
}

function evaluateInC(names: string[]): Map<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'shmring-constants-'));
  try {
    const source = join(dir, 'constants.c');
    const lines = names.map((name) => `    printf("%s %lld\\n", "${name}", (long long)(${name}));`);
    writeFileSync(
      source,
      `#include "shmring.h"\nint main(void) {\n${lines.join('\n')}\n    return 0;\n}\n`,
    );
    const binary = join(dir, 'constants');
    const cc = spawnSync(
      'cc',
      ['-std=c11', '-Wall', '-Werror', '-I', join(ROOT, 'native/include'), source, '-o', binary],
      { encoding: 'utf8' },
    );
    if (cc.status !== 0) throw new Error(`cc failed:\n${cc.stderr}`);
    const run = spawnSync(binary, [], { encoding: 'utf8' });
    return new Map(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => {
          const [name, value] = line.split(' ');
          return [name, Number(value)] as const;
        }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it('every #define of shmring.h equals the TypeScript constant of the same name', () => {
  const names = headerDefines();
  expect(names.length).toBeGreaterThan(40);
  const values = evaluateInC(names);
  const exported = ring as unknown as Record<string, unknown>;
  const mismatches = names
    .map((name) => ({ name, c: values.get(name), ts: exported[name.slice('SHMRING_'.length)] }))
    .filter(({ c, ts }) => c !== ts);
  expect(mismatches).toEqual([]);
});

it('every numeric TypeScript layout constant has a #define in shmring.h', () => {
  const defined = new Set(headerDefines().map((name) => name.slice('SHMRING_'.length)));
  const constants = Object.entries(ring).filter(
    ([name, value]) => /^[A-Z][A-Z0-9_]*$/.test(name) && typeof value === 'number',
  );
  expect(constants.length).toBeGreaterThan(40);
  expect(constants.map(([name]) => name).filter((name) => !defined.has(name))).toEqual([]);
});
