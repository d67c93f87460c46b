// Starts a peer script of bench/children/ in a new Node process (TypeScript through tsx), with an
// IPC channel for control messages, and stops it again; or in a worker thread.
import { fork, type ChildProcess, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { fork as shmringFork } from '../../src/index.js';
import { ControlClient, childEndpoint, emitterEndpoint } from './control.js';

/** True when the bench runs from its TypeScript sources (through tsx), false when compiled. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** Node options a peer process or worker needs to run bench/children/ scripts. */
export function peerExecArgv(): string[] {
  return FROM_SOURCES ? ['--import', import.meta.resolve('tsx')] : [];
}

/**
 * A worker running the peer script `name` of bench/children/. From the sources, the worker first
 * registers tsx (Node 20 does not apply `--import tsx` to a worker's entry module).
 */
export function peerWorker(name: string, options: WorkerOptions): Worker {
  const script = pathToFileURL(childScript(name)).href;
  if (!FROM_SOURCES) return new Worker(new URL(script), options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** Absolute path of the peer script `name` (without extension) in bench/children/. */
export function childScript(name: string): string {
  return fileURLToPath(
    new URL(`../children/${name}${FROM_SOURCES ? '.ts' : '.js'}`, import.meta.url),
  );
}

export interface PeerProcess {
  child: ChildProcess;
  control: ControlClient;
  /** Calls `listener` once if the peer exits or fails before stop(). */
  onExit(listener: (error: Error) => void): void;
  /** Ends the peer (SIGTERM, then SIGKILL after 2 s) and waits for it; never throws. */
  stop(): Promise<void>;
}

export interface PeerOptions {
  /** stdio of the child; must include 'ipc'. Default: stdout/stderr inherited, no stdin. */
  stdio?: StdioOptions;
  /** Serialization of the IPC channel (default 'json'). */
  serialization?: 'json' | 'advanced';
  /** Receives the messages on the IPC channel that are not control messages. */
  onOther?: (message: unknown) => void;
  /**
   * Start the peer with shmring's fork() instead of child_process.fork(): its message channel
   * (control messages included) is a pair of shmring rings, msgpack-encoded; `stdio` must not
   * include 'ipc' then, and `serialization` does not apply.
   */
  shmring?: boolean;
}

/** Forks the peer script `bench/children/<script>`. */
export function forkPeer(script: string, options: PeerOptions = {}): PeerProcess {
  let child: ChildProcess;
  let control: ControlClient;
  if (options.shmring === true) {
    const shmringChild = shmringFork(childScript(script), [], {
      execArgv: peerExecArgv(),
      stdio: options.stdio ?? ['ignore', 'inherit', 'inherit'],
    });
    child = shmringChild as unknown as ChildProcess;
    control = new ControlClient(emitterEndpoint(shmringChild), options.onOther);
  } else {
    child = fork(childScript(script), [], {
      execArgv: peerExecArgv(),
      stdio: options.stdio ?? ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: options.serialization ?? 'json',
    });
    control = new ControlClient(childEndpoint(child), options.onOther);
  }
  const exitListeners: ((error: Error) => void)[] = [];
  let stopping = false;
  const failed = (error: Error): void => {
    control.fail(error);
    if (!stopping) for (const listener of exitListeners.splice(0)) listener(error);
  };
  child.on('error', failed);
  child.on('exit', (code, signal) =>
    failed(new Error(`peer ${script} exited (${signal ?? `code ${code}`})`)),
  );
  return {
    child,
    control,
    onExit: (listener) => void exitListeners.push(listener),
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit').catch(() => undefined);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
