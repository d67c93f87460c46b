// A shared-memory segment: one interface over POSIX shm, memfd and regular files.
import { readFileSync, unlinkSync } from 'node:fs';

import { ShmringError, checkInteger, invalidArgType, outOfRange } from '../errors.js';
import { native, type NativeMapping, type NativeStat } from '../native.js';
import { MappingHealth } from './health.js';
import { validateShmName } from './names.js';

/** How a segment is backed. 'fd' is a segment mapped from an inherited descriptor. */
export type SegmentKind = 'posix' | 'memfd' | 'file' | 'fd' | 'sysv';

/** fstat of a segment, for tools and diagnostics. */
export type SegmentInfo = NativeStat;

/** Largest segment the addon maps (16 GiB). */
export const MAX_SEGMENT_BYTES = 2 ** 34;
/** The default permission bits: owner read/write only. */
export const DEFAULT_MODE = 0o600;

export interface CreateOptions {
  /** Permission bits of the new object (default 0o600); applied exactly, not narrowed by umask. */
  mode?: number;
}

function sizeArg(size: unknown): number {
  return checkInteger('size', size, 1, MAX_SEGMENT_BYTES);
}

function modeArg(options: CreateOptions | undefined): number {
  if (options !== undefined && (options === null || typeof options !== 'object'))
    throw invalidArgType('options', 'an object', options);
  return checkInteger('mode', options?.mode ?? DEFAULT_MODE, 0, 0o7777);
}

function pathArg(path: unknown): string {
  if (typeof path !== 'string' || path.length === 0)
    throw invalidArgType('path', 'a non-empty string', path);
  return path;
}

/**
 * A mapped shared-memory segment. `buffer` is a SharedArrayBuffer over the mapped bytes
 * (no copy); it can be posted to worker threads. Close it when done; unlink removes the name.
 */
export class Segment {
  readonly name: string;
  readonly kind: SegmentKind;
  readonly size: number;
  readonly buffer: SharedArrayBuffer;
  #mapping: NativeMapping;

  private constructor(name: string, kind: SegmentKind, mapping: NativeMapping) {
    this.name = name;
    this.kind = kind;
    this.#mapping = mapping;
    this.size = mapping.size;
    this.buffer = mapping.buffer as SharedArrayBuffer;
  }

  /** Creates a new POSIX shm object (O_EXCL: fails with EEXIST if it exists) and maps it. */
  static create(name: string, size: number, options?: CreateOptions): Segment {
    validateShmName(name);
    return new Segment(name, 'posix', native.shmCreate(name, sizeArg(size), modeArg(options)));
  }

  /** Maps an existing POSIX shm object whole (ENOENT if missing). */
  static open(name: string): Segment {
    validateShmName(name);
    return new Segment(name, 'posix', native.shmOpen(name));
  }

  /** Removes a POSIX shm name; mappings that exist stay valid. */
  static unlink(name: string): void {
    validateShmName(name);
    native.shmUnlink(name);
  }

  /**
   * Creates an anonymous memfd segment (no name in /dev/shm, size sealed). Hand `fd` to a
   * child through spawn's `stdio` and map it there with {@link Segment.fromFd}.
   */
  static createMemfd(name: string, size: number): Segment {
    if (typeof name !== 'string') throw invalidArgType('name', 'of type string', name);
    return new Segment(
      name,
      'memfd',
      native.memfdCreate(name.slice(0, 200) || 'shmring', sizeArg(size)),
    );
  }

  /** Maps the object behind an open (typically inherited) descriptor; the descriptor stays the caller's. */
  static fromFd(fd: number): Segment {
    checkInteger('fd', fd, 0, 2 ** 31 - 1);
    return new Segment(`fd:${fd}`, 'fd', native.fdOpen(fd));
  }

  /** Creates a regular file of `size` bytes (O_EXCL, O_NOFOLLOW) and maps it shared. */
  static createFile(path: string, size: number, options?: CreateOptions): Segment {
    return new Segment(
      pathArg(path),
      'file',
      native.fileCreate(path, sizeArg(size), modeArg(options)),
    );
  }

  /** Maps an existing regular file whole (O_NOFOLLOW: a symlink is refused with ELOOP). */
  static openFile(path: string): Segment {
    return new Segment(pathArg(path), 'file', native.fileOpen(path));
  }

  /**
   * Creates a System V segment (shmget with IPC_CREAT | IPC_EXCL) under a numeric key and
   * attaches it. Listed by `ipcs -m`; removed with {@link Segment.removeSysv}.
   */
  static createSysv(key: number, size: number, options?: CreateOptions): Segment {
    checkInteger('key', key, 1, 2 ** 31 - 1);
    const mode = modeArg(options);
    if (mode > 0o777) throw outOfRange('mode', 'at most 0o777 for System V segments', mode);
    return new Segment(sysvName(key), 'sysv', native.sysvCreate(key, sizeArg(size), mode));
  }

  /** Attaches an existing System V segment by key. */
  static openSysv(key: number): Segment {
    checkInteger('key', key, 1, 2 ** 31 - 1);
    return new Segment(sysvName(key), 'sysv', native.sysvOpen(key));
  }

  /** Marks a System V segment for removal (IPC_RMID); it goes once the last process detaches. */
  static removeSysv(key: number): void {
    checkInteger('key', key, 1, 2 ** 31 - 1);
    native.sysvRemove(key);
  }

  /** The descriptor backing the mapping (-1 once closed, and for System V). */
  get fd(): number {
    return this.#mapping.fd;
  }

  /** Whether close() has been called. */
  get closed(): boolean {
    return this.#mapping.buffer === undefined;
  }

  /**
   * Whether another process truncated the object under this mapping: the lost pages were
   * replaced by zeros (instead of a SIGBUS killing the process) and nothing in it is trusted.
   */
  get faulted(): boolean {
    return MappingHealth.of(this.buffer).faulted;
  }

  /** fstat of the backing object: size, mode, owner, times. */
  stat(): SegmentInfo {
    if (this.closed) throw new ShmringError('ERR_SHMRING_CLOSED', `segment ${this.name} is closed`);
    return this.#mapping.stat();
  }

  /**
   * Releases this handle and its descriptor. Idempotent. Whoever still holds `buffer` (another
   * endpoint, a worker) keeps seeing the shared pages; they are unmapped once it is collected.
   */
  close(): void {
    this.#mapping.close();
  }

  /** Removes the segment's name (POSIX shm, file, System V key); a no-op for memfd/fd segments. */
  unlink(): void {
    if (this.kind === 'posix') native.shmUnlink(this.name);
    else if (this.kind === 'file') unlinkSync(this.name);
    else if (this.kind === 'sysv') native.sysvRemove(sysvKeyOf(this.name)!);
  }
}

/** How a System V segment is named in shmring: `sysv:0x0000abcd`. */
export function sysvName(key: number): string {
  return `sysv:0x${key.toString(16).padStart(8, '0')}`;
}

/** The key in a `sysv:0x...` name, or undefined for any other name. */
export function sysvKeyOf(name: string): number | undefined {
  const match = /^sysv:(0x[0-9a-f]{1,8})$/i.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Keys of the System V segments that exist now (none where /proc/sysvipc is missing). */
export function sysvKeys(): number[] {
  let table: string;
  try {
    table = readFileSync('/proc/sysvipc/shm', 'utf8');
  } catch {
    return [];
  }
  // One header line, then the key in decimal as the first column (0 is IPC_PRIVATE).
  return table
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => Number(line.trim().split(/\s+/)[0]) >>> 0)
    .filter((key) => key !== 0);
}
