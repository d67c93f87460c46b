import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { fork } from '../src/channel/index.js';
import { finished, lineFrom, spawnChild } from './helpers/child.js';

const ECHO = new URL('./children/fork-echo.ts', import.meta.url).pathname;
const TSX = ['--import', 'tsx'];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('fork()', () => {
  it('carries messages both ways, and the child exiting ends it cleanly', async () => {
    const child = fork(ECHO, [], { execArgv: TSX, stdio: 'ignore' });
    const replies: unknown[] = [];
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    const allEchoed = new Promise<void>((resolve) => {
      child.on('message', (message) => {
        replies.push(message);
        if (replies.length === 1001) resolve();
      });
    });
    for (let i = 0; i < 1000; i++) child.send({ i, text: 'é'.repeat(i % 7) });
    await allEchoed;
    expect(replies[0]).toBe('ready');
    expect(replies.slice(1)).toEqual(
      Array.from({ length: 1000 }, (_, i) => ({ echo: { i, text: 'é'.repeat(i % 7) } })),
    );
    // memfd: the rings never get a name (other tests may come and go in /dev/shm meanwhile)
    expect(readdirSync('/dev/shm').filter((entry) => entry.includes('fork'))).toEqual([]);
    child.send('exit');
    expect(await exited).toBe(0);
  });

  for (const how of ['exit', 'kill']) {
    it(`a child notices its parent's ${how === 'kill' ? 'SIGKILL' : 'exit'} and exits by itself`, async () => {
      const middle = spawnChild('fork-middle.ts', [how]);
      const done = finished(middle); // collects from the start: nothing printed is missed
      const pid = Number((await lineFrom(middle, /^child \d+$/)).split(' ')[1]);
      const result = await done;
      expect(result.stdout).toContain('disconnect');
      // the grandchild printed 'disconnect' and is gone (or going)
      for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      expect(alive(pid)).toBe(false);
    });
  }
});
