import { existsSync, readdirSync, readFileSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { wake as futexWake } from '../src/futex/index.js';
import { Segment } from '../src/segment/index.js';
import { finished, spawnChild, runChild } from './helpers/child.js';
import { tsWorker } from './helpers/worker.js';
import { uniqueFilePath, uniqueShmName, uniqueSysvKey as uniqueKey } from './helpers/names.js';
import { useCleanups } from './helpers/cleanup.js';

const defer = useCleanups();

function created(name: string, size = 4096, mode?: number): Segment {
  const segment = Segment.create(name, size, mode === undefined ? undefined : { mode });
  defer(
    () => Segment.unlink(name),
    () => segment.close(),
  );
  return segment;
}

describe('POSIX segments', () => {
  it('create, open, write through one mapping, read through the other, unlink', () => {
    const name = uniqueShmName('roundtrip');
    const a = created(name, 8192);
    expect(a.size).toBe(8192);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(a.buffer.byteLength).toBe(8192);
    const b = Segment.open(name);
    defer(() => b.close());
    expect(b.size).toBe(8192);
    new Uint32Array(a.buffer)[100] = 0xdeadbeef;
    expect(new Uint32Array(b.buffer)[100]).toBe(0xdeadbeef);
    Segment.unlink(name);
    expect(existsSync(`/dev/shm${name}`)).toBe(false);
    // the mappings outlive the name
    expect(new Uint32Array(b.buffer)[100]).toBe(0xdeadbeef);
  });

  it('returns the same SharedArrayBuffer for a mapping every time', () => {
    const segment = created(uniqueShmName('same'));
    expect(segment.buffer).toBe(segment.buffer);
  });

  it('fails with EEXIST on exclusive create and ENOENT opening a missing one', () => {
    const name = uniqueShmName('exists');
    created(name);
    expect(() => Segment.create(name, 4096)).toThrow(
      expect.objectContaining({ code: 'EEXIST', syscall: 'shm_open', errno: -17 }),
    );
    expect(() => Segment.create(name, 4096)).toThrow(name);
    const missing = uniqueShmName('missing');
    expect(() => Segment.open(missing)).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'shm_open' }),
    );
    expect(() => Segment.unlink(missing)).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'shm_unlink' }),
    );
  });

  it('puts the requested mode on the /dev/shm entry exactly (umask does not narrow it)', () => {
    const defaultMode = created(uniqueShmName('mode600'));
    expect(statSync(`/dev/shm${defaultMode.name}`).mode & 0o777).toBe(0o600);
    const wide = created(uniqueShmName('mode666'), 4096, 0o666);
    expect(statSync(`/dev/shm${wide.name}`).mode & 0o777).toBe(0o666);
    expect(wide.stat().mode & 0o777).toBe(0o666);
    expect(wide.stat().uid).toBe(process.getuid?.());
    expect(wide.stat().size).toBe(4096);
  });

  it('rejects bad names before any syscall, with the right error class', () => {
    const bad: Array<[unknown, ErrorConstructor, string]> = [
      [42, TypeError, 'ERR_INVALID_ARG_TYPE'],
      [undefined, TypeError, 'ERR_INVALID_ARG_TYPE'],
      ['no-slash', RangeError, 'ERR_INVALID_ARG_VALUE'],
      ['/', RangeError, 'ERR_INVALID_ARG_VALUE'],
      ['/a/b', RangeError, 'ERR_INVALID_ARG_VALUE'],
      ['/a\0b', RangeError, 'ERR_INVALID_ARG_VALUE'],
      ['/..', RangeError, 'ERR_INVALID_ARG_VALUE'],
      [`/${'x'.repeat(256)}`, RangeError, 'ERR_INVALID_ARG_VALUE'],
      [`/${'é'.repeat(128)}`, RangeError, 'ERR_INVALID_ARG_VALUE'], // 256 bytes in UTF-8
    ];
    for (const [name, type, code] of bad) {
      expect(() => Segment.create(name as string, 4096), String(name)).toThrow(type);
      expect(() => Segment.open(name as string), String(name)).toThrow(
        expect.objectContaining({ code }),
      );
    }
    // 255 bytes is the limit, and is accepted
    const longest = uniqueShmName('x');
    const name = longest + 'y'.repeat(256 - longest.length);
    expect(Buffer.byteLength(name)).toBe(256);
    created(name);
  });

  it('rejects bad sizes, modes and options without crashing', () => {
    const name = uniqueShmName('badargs');
    for (const size of [0, -1, 1.5, NaN, Infinity, 2 ** 40, 2 ** 64]) {
      expect(() => Segment.create(name, size), String(size)).toThrow(RangeError);
    }
    expect(() => Segment.create(name, '4096' as unknown as number)).toThrow(TypeError);
    expect(() => Segment.create(name, 4096, { mode: -1 })).toThrow(RangeError);
    expect(() => Segment.create(name, 4096, { mode: 0o10000 })).toThrow(RangeError);
    expect(() => Segment.create(name, 4096, 'rw' as never)).toThrow(TypeError);
    expect(existsSync(`/dev/shm${name}`)).toBe(false);
  });

  it('a Segment collected without close() leaves its buffer intact for whoever still holds it', async () => {
    const result = await runChild('segment-gc.ts', [uniqueShmName('gc')], {
      nodeOptions: ['--expose-gc'],
    });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ collected: true, byte: 42 });
  });

  it('close is idempotent, drops only this handle (the pages stay for other users) and refuses stat', () => {
    const name = uniqueShmName('closed');
    const segment = created(name);
    const other = Segment.open(name);
    defer(() => other.close());
    const view = new Uint8Array(segment.buffer);
    view[0] = 7;
    segment.close();
    segment.close();
    expect(segment.closed).toBe(true);
    expect(segment.fd).toBe(-1);
    // Still the shared pages: whoever kept the buffer (another endpoint, a worker) is unaffected.
    expect(view[0]).toBe(7);
    new Uint8Array(other.buffer)[1] = 9;
    expect(view[1]).toBe(9);
    expect(() => segment.stat()).toThrow(expect.objectContaining({ code: 'ERR_SHMRING_CLOSED' }));
  });

  it('the mapping is released once it is closed and its buffer collected', async () => {
    const result = await runChild('segment-release.ts', [uniqueShmName('release')], {
      nodeOptions: ['--expose-gc'],
    });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ mappedWhileHeld: true, mappedAfterCollect: false });
  });
});

describe('across processes', () => {
  it('a child sees what the parent wrote, and the parent sees what the child wrote', async () => {
    const name = uniqueShmName('xproc');
    const segment = created(name, 65536);
    new Uint8Array(segment.buffer).set(Buffer.from('hello from parent'));
    const result = await runChild('segment-peer.ts', [
      'name',
      name,
      'hello from parent',
      'hello from child',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok size=65536');
    expect(Buffer.from(segment.buffer, 1024, 16).toString()).toBe('hello from child');
  });

  it('hands a memfd to a child through stdio; no name appears in /dev/shm', async () => {
    const segment = Segment.createMemfd('shmring-test-memfd', 16384);
    defer(() => segment.close());
    expect(segment.kind).toBe('memfd');
    // (other tests' segments may come and go meanwhile: look for this one's label)
    expect(readdirSync('/dev/shm').filter((entry) => entry.includes('memfd'))).toEqual([]);
    new Uint8Array(segment.buffer).set(Buffer.from('memfd bytes'));
    const child = spawnChild('segment-peer.ts', ['fd', '3', 'memfd bytes', 'child memfd'], {
      stdio: ['ignore', 'pipe', 'pipe', segment.fd],
    });
    const result = await finished(child);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok size=16384');
    expect(Buffer.from(segment.buffer, 1024, 11).toString()).toBe('child memfd');
  });

  it('hands the same memory to a worker thread, with futex wake-ups between them', async () => {
    const segment = created(uniqueShmName('worker'));
    const worker = tsWorker(new URL('./children/segment-worker.ts', import.meta.url), {
      workerData: segment.buffer,
    });
    const messages: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: string) => {
        messages.push(message);
        if (message === 'ready') {
          Atomics.store(new Int32Array(segment.buffer), 0, 21);
          futexWake(segment.buffer, 0);
        } else resolve();
      });
      worker.on('error', reject);
    });
    await done;
    await worker.terminate();
    expect(messages).toEqual(['ready', 'done']);
    expect(new Int32Array(segment.buffer)[1]).toBe(42);
  });

  it('maps an inherited fd without taking ownership of it', () => {
    const segment = Segment.createMemfd('shmring-test-fd', 4096);
    defer(() => segment.close());
    const again = Segment.fromFd(segment.fd);
    new Uint8Array(again.buffer)[5] = 9;
    again.close();
    expect(segment.fd).toBeGreaterThanOrEqual(0);
    expect(new Uint8Array(segment.buffer)[5]).toBe(9);
    expect(() => Segment.fromFd(987654)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });
});

describe('file-backed segments', () => {
  it('keep their data across close and reopen, also from another process', async () => {
    const path = uniqueFilePath('persist');
    defer(() => unlinkSync(path));
    const first = Segment.createFile(path, 8192);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    new Uint8Array(first.buffer).set(Buffer.from('survives'));
    first.close();
    expect(readFileSync(path).subarray(0, 8).toString()).toBe('survives');
    const result = await runChild('segment-peer.ts', ['file', path, 'survives', 'and more']);
    expect(result.code).toBe(0);
    const second = Segment.openFile(path);
    defer(() => second.close());
    expect(Buffer.from(second.buffer, 1024, 8).toString()).toBe('and more');
    expect(() => Segment.createFile(path, 8192)).toThrow(
      expect.objectContaining({ code: 'EEXIST', syscall: 'open' }),
    );
  });

  it('refuses to follow a symlink', () => {
    const target = uniqueFilePath('target');
    const link = uniqueFilePath('link');
    const segment = Segment.createFile(target, 4096);
    segment.close();
    symlinkSync(target, link);
    defer(
      () => unlinkSync(target),
      () => unlinkSync(link),
    );
    expect(() => Segment.openFile(link)).toThrow(expect.objectContaining({ code: 'ELOOP' }));
  });
});

describe('System V segments', () => {
  it('create, attach from a child, see each other, remove', async () => {
    const key = uniqueKey();
    const segment = Segment.createSysv(key, 8192, { mode: 0o600 });
    defer(
      () => Segment.removeSysv(key),
      () => segment.close(),
    );
    expect(segment.kind).toBe('sysv');
    expect(segment.name).toBe(`sysv:0x${key.toString(16).padStart(8, '0')}`);
    expect(segment.stat()).toMatchObject({
      size: 8192,
      mode: 0o600,
      uid: process.getuid?.(),
      creatorPid: process.pid,
      attached: 1,
    });
    new Uint8Array(segment.buffer).set(Buffer.from('sysv hello'));
    const result = await runChild('sysv-peer.ts', [String(key), 'sysv hello', 'sysv reply']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('ok size=8192');
    expect(Buffer.from(segment.buffer, 1024, 10).toString()).toBe('sysv reply');
    expect(() => Segment.createSysv(key, 8192)).toThrow(
      expect.objectContaining({ code: 'EEXIST', syscall: 'shmget' }),
    );
    segment.unlink();
    expect(() => Segment.openSysv(key)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    segment.close();
    expect(segment.closed).toBe(true);
  });

  it('rejects bad keys and modes', () => {
    expect(() => Segment.createSysv(0, 4096)).toThrow(RangeError);
    expect(() => Segment.createSysv(2 ** 31, 4096)).toThrow(RangeError);
    expect(() => Segment.createSysv(uniqueKey(), 4096, { mode: 0o4777 })).toThrow(RangeError);
    expect(() => Segment.openSysv(uniqueKey())).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'shmget' }),
    );
  });
});
