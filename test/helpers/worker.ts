// Starts a TypeScript file as a worker thread. (`--import tsx` in execArgv does not reach
// workers on Node 20, so the worker registers tsx itself before importing the file.)
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

// The ESM entry of tsx's API (require.resolve would give the CommonJS one).
const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
const tsxApi = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;

/** A worker running `file` (a .ts URL or path) under tsx. */
export function tsWorker(file: URL | string, options: WorkerOptions = {}): Worker {
  const url = typeof file === 'string' ? pathToFileURL(file).href : file.href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
