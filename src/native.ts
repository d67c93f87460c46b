// Loads the compiled addon (a source build, else the prebuild for this Node) and declares what it
// exports.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShmringError } from './errors.js';

/** One mapped segment; the SharedArrayBuffer owns the mapping and unmaps it when collected. */
export interface NativeMapping {
  /** The mapped bytes; undefined once closed. */
  readonly buffer: SharedArrayBuffer | undefined;
  readonly size: number;
  /** The descriptor the mapping holds; -1 once closed, and for System V segments. */
  readonly fd: number;
  /** The System V segment id; -1 for other backings and once closed. */
  readonly shmid: number;
  stat(): NativeStat;
  /**
   * Drops this handle (and its descriptor); the pages stay mapped for whoever still holds
   * the buffer (another endpoint, a worker) and are unmapped when the buffer is collected.
   */
  close(): void;
}

export interface NativeStat {
  size: number;
  mode: number;
  uid: number;
  gid: number;
  ino: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  /** System V only: the creator's pid and the number of attachments. */
  creatorPid?: number;
  attached?: number;
}

export type FutexWaitResult = 'ok' | 'not-equal' | 'timed-out';

export interface NativeAsyncWaiter {
  wait(
    array: Int32Array,
    index: number,
    expected: number,
    timeoutMs?: number,
  ): Promise<FutexWaitResult | 'cancelled'>;
  cancel(): boolean;
  close(): void;
  ref(): void;
  unref(): void;
}

export interface NativeAddon {
  shmCreate(name: string, size: number, mode: number): NativeMapping;
  shmOpen(name: string): NativeMapping;
  shmUnlink(name: string): void;
  memfdCreate(name: string, size: number): NativeMapping;
  fdOpen(fd: number): NativeMapping;
  fileCreate(path: string, size: number, mode: number): NativeMapping;
  fileOpen(path: string): NativeMapping;
  sysvCreate(key: number, size: number, mode: number): NativeMapping;
  sysvOpen(key: number): NativeMapping;
  sysvRemove(key: number): void;
  futexWait(
    array: Int32Array,
    index: number,
    expected: number,
    timeoutMs?: number,
  ): FutexWaitResult;
  futexWake(array: Int32Array, index: number, count: number): number;
  /**
   * The SIGBUS guard's health words, one int32 per guarded mapping (0 healthy, 1 faulted:
   * the segment was truncated under us and its lost pages are zeros now). Process-wide.
   */
  mappingHealth(): SharedArrayBuffer;
  /** The health word index of the mapping holding `view`'s first byte; -1 if not a segment. */
  mappingSlot(view: ArrayBufferView): number;
  /** sched_yield(2): gives the core to another runnable thread, without sleeping. */
  yieldCpu(): void;
  AsyncWaiter: new () => NativeAsyncWaiter;
  /**
   * Binds this process's doorbell "\0shmring.<pid>.<nonce>" (an abstract Unix datagram socket)
   * and polls it on the event loop, never keeping it alive: onRing(token) per datagram.
   */
  Doorbell: new (nonce: number, onRing: (token: number) => void) => NativeDoorbell;
  /** Sends `token` to doorbell (pid, nonce); false only if it cannot arrive (nobody listens there). */
  ringDoorbell(pid: number, nonce: number, token: number): boolean;
}

export interface NativeDoorbell {
  close(): void;
  /** Calls onRing(0) once after `ms` (replacing a timer set before); see keepAlive(). */
  setTimer(ms: number): void;
  /** Takes the timer back (no wake-up left behind). */
  clearTimer(): void;
  /** Whether the timer, while set, keeps the event loop alive (default true). */
  keepAlive(keep: boolean): void;
}

/**
 * The addon files to try, best first, from the package root (the folder holding binding.gyp,
 * found from src/ under tsx and from dist/src/ once built). A source build (build/Release) comes
 * first: it exists only when someone compiled for this very Node (the install script does when
 * no prebuild loads, a developer does after changing native code). Then the prebuild for this
 * Node's ABI, shipped in the package (scripts/prebuild.js names them).
 */
function addonCandidates(): string[] {
  let root = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(root, 'binding.gyp'))) {
    const parent = dirname(root);
    if (parent === root) return [];
    root = parent;
  }
  return [
    join(root, 'build', 'Release', 'shmring.node'),
    join(
      root,
      'prebuilds',
      `${process.platform}-${process.arch}`,
      `shmring.abi${process.versions.modules}.node`,
    ),
  ];
}

function loadAddon(): NativeAddon {
  const load = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const file of addonCandidates()) {
    if (!existsSync(file)) continue;
    try {
      return load(file) as NativeAddon;
    } catch (error) {
      // A source build left from another Node version, or a prebuild this system cannot load
      // (an older glibc): the next candidate may still do.
      failures.push(`${file}: ${(error as Error).message}`);
    }
  }
  const tried = failures.length > 0 ? ` (${failures.join('; ')})` : '';
  throw new ShmringError(
    'ERR_SHMRING_NO_ADDON',
    `shmring: no native addon for Node ${process.version} on ${process.platform}-${process.arch}` +
      `${tried}; build one from source with \`npm rebuild shmring --build-from-source\` ` +
      '(needs Python 3, make and a C++ compiler)',
  );
}

export const native: NativeAddon = loadAddon();
