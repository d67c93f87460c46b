// Loads the compiled addon (build/Release/shmring.node) and declares what it exports.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
}

// Works from src/ (tests, tsx) and from dist/src/ (the published build).
function findAddon(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'build', 'Release', 'shmring.node');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw Object.assign(
    new Error(
      'shmring: the native addon is not built; run `npm install` (or `npx node-gyp rebuild`)',
    ),
    {
      code: 'ERR_SHMRING_NO_ADDON',
    },
  );
}

export const native: NativeAddon = createRequire(import.meta.url)(findAddon()) as NativeAddon;
