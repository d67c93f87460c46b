// examples/parent-child: a memfd channel shared with a spawned child. /dev/shm and both
// processes' descriptors and mappings are sampled while it runs: no name appears at any point.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

import { ROOT, finished, lineFrom, spawnChild } from './helpers/child.js';

const MAIN = resolve(ROOT, 'examples/parent-child/main.ts');

// What a process has open and mapped (empty once it is gone).
function objectsOf(pid: number): string[] {
  try {
    const fds = readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return ''; // closed meanwhile
      }
    });
    const maps = readFileSync(`/proc/${pid}/maps`, 'utf8')
      .split('\n')
      .map((line) => line.split(/\s+/).slice(5).join(' '));
    return [...fds, ...maps];
  } catch {
    return [];
  }
}

it('parent and child share a channel that never has a name in /dev/shm', async () => {
  // Other programs' segments may come and go meanwhile: only the example's own name counts.
  const ours = /parent-child/;
  const appeared = new Set<string>();
  const seen = new Set<string>();
  const pids: number[] = [];
  let samples = 0;
  const sample = (): void => {
    samples++;
    for (const entry of readdirSync('/dev/shm')) if (ours.test(entry)) appeared.add(entry);
    for (const pid of pids)
      for (const object of objectsOf(pid))
        if (/memfd:|\/dev\/shm\//.test(object))
          seen.add(`${pid === pids[0] ? 'parent' : 'child'} ${object}`);
  };

  const parent = spawnChild(MAIN, ['--count', '20000']);
  pids.push(parent.pid!);
  const done = finished(parent);
  const timer = setInterval(sample, 2);
  try {
    const started = await lineFrom(parent, /child \d+ started/);
    pids.push(Number(/child (\d+)/.exec(started)![1]));
    const result = await done;
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(
      'received F(1)..F(20000) from the child, all correct; F(20000) has 4180 digits',
    );
  } finally {
    clearInterval(timer);
  }
  sample();

  expect(samples).toBeGreaterThan(20);
  expect([...appeared]).toEqual([]);
  // Both held the memfd (the child as its fd 3), and neither ever held anything in /dev/shm.
  const held = [...seen];
  expect(held.filter((object) => object.includes('/dev/shm/'))).toEqual([]);
  expect(
    held.some(
      (object) => object.startsWith('parent') && object.includes('memfd:shmring-parent-child'),
    ),
  ).toBe(true);
  expect(
    held.some(
      (object) => object.startsWith('child') && object.includes('memfd:shmring-parent-child'),
    ),
  ).toBe(true);
});
