// Runs TypeScript child scripts in real Node processes (through tsx), for cross-process tests.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `test/children/<script>` (or an absolute path) in a new Node process; `nodeOptions` go before it. */
export function spawnChild(
  script: string,
  args: string[] = [],
  options: SpawnOptions & { nodeOptions?: string[] } = {},
): ChildProcess {
  const path = script.startsWith('/') ? script : resolve(ROOT, 'test', 'children', script);
  return spawn(
    process.execPath,
    [...(options.nodeOptions ?? []), '--import', 'tsx', path, ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options,
    },
  );
}

/** Collects a child's output and exit; rejects if it runs longer than `timeoutMs` (and kills it). */
export function finished(child: ChildProcess, timeoutMs = 30_000): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout
      ?.setEncoding('utf8')
      .on('data', (chunk: string) => (stdout += chunk))
      .resume();
    child.stderr
      ?.setEncoding('utf8')
      .on('data', (chunk: string) => (stderr += chunk))
      .resume();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`child ${child.pid} still running after ${timeoutMs} ms; stderr: ${stderr}`),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** Runs a child to completion. */
export function runChild(
  script: string,
  args: string[] = [],
  options: SpawnOptions & { nodeOptions?: string[] } = {},
  timeoutMs?: number,
): Promise<ChildResult> {
  return finished(spawnChild(script, args, options), timeoutMs);
}

/**
 * Resolves with the first line a child prints that matches `pattern`. What it read after that
 * line is put back and the stream paused, so a later finished() still sees all of it.
 */
export function lineFrom(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer | string): void => {
      buffered += chunk.toString();
      let start = 0;
      for (
        let end = buffered.indexOf('\n');
        end >= 0;
        start = end + 1, end = buffered.indexOf('\n', start)
      ) {
        const line = buffered.slice(start, end);
        if (!pattern.test(line)) continue;
        child.stdout?.off('data', onData);
        child.stdout?.pause();
        const rest = buffered.slice(end + 1);
        if (rest.length > 0) child.stdout?.unshift(rest);
        resolvePromise(line);
        return;
      }
    };
    child.stdout?.on('data', onData);
    child.on('close', () => reject(new Error(`child exited before printing ${pattern}`)));
  });
}
