// fork(): child_process.fork with the message channel on two shmring rings instead of a
// pipe. The rings live in memfd segments handed to the child as file descriptors, so no
// name ever appears in /dev/shm and nothing is left behind whatever happens.
import { spawn, type ChildProcess, type SpawnOptions, type StdioOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { checkOptionNames, invalidArgType } from '../errors.js';
import { codecNameOf } from '../codec/index.js';
import { createRing, ringSegmentSize } from '../ring/index.js';
import { Segment } from '../segment/index.js';
import { receiverOn, senderOn } from './channel.js';
import { IpcLink, type SendCallback } from './ipc-link.js';
import { resolveOptions, type ChannelOptions } from './options.js';
import type { Sender } from './sender.js';

/** The environment variable that tells a forked child which descriptors hold its rings. */
const FDS_ENV = 'SHMRING_FORK_FDS';

export interface ForkOptions<T = unknown>
  extends
    Omit<SpawnOptions, 'stdio'>,
    Pick<ChannelOptions<T>, 'capacity' | 'codec' | 'wait' | 'spinMicros' | 'yieldMicros'> {
  /** Node options for the child (default: this process's execArgv). */
  execArgv?: string[];
  /** The Node binary for the child (default: this one). */
  execPath?: string;
  /** The child's stdin, stdout, stderr (default 'inherit'); the rings are added after them. */
  stdio?: 'inherit' | 'pipe' | 'ignore' | StdioOptions;
  /** As Node's fork: true pipes the child's stdin, stdout and stderr to the parent. */
  silent?: boolean;
  /** Accepted for compatibility with child_process.fork and ignored: values go through `codec`. */
  serialization?: 'json' | 'advanced';
}

/** The options fork() takes: Node's fork options and the channel's. */
const FORK_OPTION_NAMES: ReadonlySet<string> = new Set([
  'capacity',
  'codec',
  'wait',
  'spinMicros',
  'yieldMicros',
  'cwd',
  'detached',
  'env',
  'execPath',
  'execArgv',
  'gid',
  'uid',
  'serialization',
  'signal',
  'killSignal',
  'silent',
  'stdio',
  'timeout',
  'argv0',
  'windowsHide',
  'windowsVerbatimArguments',
]);

/** The child process, with send(), disconnect(), connected and 'message' carried by shmring. */
export interface ShmringChildProcess extends Omit<ChildProcess, 'send'> {
  /**
   * As Node's child.send(message, [sendHandle], [options], [callback]) (handles cannot be
   * sent): true when the value went straight into the ring, false when it waits for room
   * (it is still sent, in order; `callback` says when).
   */
  send(message: unknown, callback?: SendCallback): boolean;
  send(message: unknown, sendHandle: undefined | null, callback?: SendCallback): boolean;
  send(
    message: unknown,
    sendHandle: undefined | null,
    options: object | undefined,
    callback?: SendCallback,
  ): boolean;
}

function baseStdio(stdio: ForkOptions['stdio'], silent: boolean | undefined): unknown[] {
  if (stdio === undefined)
    return silent === true ? ['pipe', 'pipe', 'pipe'] : ['inherit', 'inherit', 'inherit'];
  if (typeof stdio === 'string') return [stdio, stdio, stdio];
  // Node's fork wants 'ipc' among them; here the rings take its place.
  if (Array.isArray(stdio)) return stdio.filter((entry) => entry !== 'ipc');
  throw invalidArgType('options.stdio', "'inherit', 'pipe', 'ignore' or an array", stdio);
}

// A memfd segment with a fresh SPSC ring in it, recording the channel's codec.
function ringSegment(label: string, capacity: number, codecName: string): Segment {
  const segment = Segment.createMemfd(label, ringSegmentSize(capacity));
  try {
    createRing(segment.buffer, { kind: 'spsc', capacity, codecName });
    return segment;
  } catch (error) {
    segment.close();
    throw error;
  }
}

// The module fork() preloads in the child: it installs process.send and the rest.
const CHILD_PRELOAD = new URL(
  import.meta.url.endsWith('.ts') ? './fork-child.ts' : './fork-child.js',
  import.meta.url,
).href;

/**
 * Like child_process.fork(modulePath, args, options), but the channel is a pair of shmring
 * rings (one each way). A child written for child_process.fork works unchanged:
 * process.send, process.on('message'), process.connected, process.disconnect() and
 * 'disconnect' are installed by a module fork() preloads (`--import`); parentChannel() gives
 * the same channel explicitly. Values are MessagePack by default (`codec` option), which
 * keeps what Node's 'advanced' serialization keeps.
 */
export function fork<T = unknown>(
  modulePath: string | URL,
  args?: readonly string[] | ForkOptions<T>,
  options?: ForkOptions<T>,
): ShmringChildProcess {
  if (modulePath instanceof URL) modulePath = fileURLToPath(modulePath);
  if (typeof modulePath !== 'string')
    throw invalidArgType('modulePath', 'of type string or an instance of URL', modulePath);
  if (args !== undefined && !Array.isArray(args)) [args, options] = [[], args as ForkOptions<T>];
  if (options !== undefined && (options === null || typeof options !== 'object'))
    throw invalidArgType('options', 'an object', options);
  options ??= {};
  checkOptionNames('fork()', options, FORK_OPTION_NAMES);
  const {
    capacity,
    codec,
    wait,
    spinMicros,
    yieldMicros,
    execArgv,
    execPath,
    stdio,
    silent,
    env,
    serialization: _serialization,
    ...spawnOptions
  } = options;
  const o = resolveOptions<T>({ capacity, codec, wait, spinMicros, yieldMicros });
  const fds = baseStdio(stdio, silent);
  const codecName = codecNameOf(o.codec as ChannelOptions['codec']);
  const sender = senderOn<T>(ringSegment('shmring-fork-to-child', o.capacity, codecName), o);
  let receiver: ReturnType<typeof receiverOn<T>> | undefined;
  let child: ShmringChildProcess;
  try {
    receiver = receiverOn<T>(
      ringSegment('shmring-fork-to-parent', o.capacity, codecName),
      o,
      false,
    );
    child = spawn(
      execPath ?? process.execPath,
      [...(execArgv ?? process.execArgv), '--import', CHILD_PRELOAD, modulePath, ...(args ?? [])],
      {
        ...spawnOptions,
        env: { ...(env ?? process.env), [FDS_ENV]: `${fds.length},${fds.length + 1}` },
        stdio: [...fds, sender.fd, receiver.fd] as StdioOptions,
      },
    ) as unknown as ShmringChildProcess;
  } catch (error) {
    sender.close();
    receiver?.close();
    throw error;
  }
  const link = new IpcLink<T>(sender, receiver, false);
  installLink(child as unknown as EventEmitter, link);
  // If this process exits first, the child sees the end of its stream at once (a killed
  // parent is noticed by the child's liveness check instead).
  const closeOnExit = (): void => sender.close();
  process.once('exit', closeOnExit);
  child.once('exit', () => {
    process.off('exit', closeOnExit);
    // Whatever the child sent before it exited is delivered first.
    link.drainAndClose();
  });
  return child;
}

// send(), disconnect() and connected on `target`, as Node's IPC channel puts them there.
function installLink<T>(target: EventEmitter, link: IpcLink<T>): void {
  const methods = target as unknown as {
    send: (message: unknown, handle?: unknown, options?: unknown, callback?: unknown) => boolean;
    disconnect: () => void;
  };
  methods.send = (message, handle, options, callback) =>
    link.send(message, handle, options, callback);
  methods.disconnect = () => link.disconnect();
  Object.defineProperty(target, 'connected', {
    get: () => link.connected,
    configurable: true,
    enumerable: true,
  });
  link.addTarget(target);
}

/**
 * The child's side of fork(), for explicit use: 'message' and 'disconnect' events, send()
 * returning a promise. The same channel as process.send / process.on('message').
 */
export class ParentChannel<T = unknown> extends EventEmitter {
  readonly #sender: Sender<T>;
  readonly #link: IpcLink<T>;

  /** @internal Use parentChannel(). */
  constructor(sender: Sender<T>, link: IpcLink<T>) {
    super();
    this.#sender = sender;
    this.#link = link;
    link.addTarget(this);
  }

  /** False once either side disconnected. */
  get connected(): boolean {
    return this.#link.connected;
  }

  /** Sends a value to the parent; resolves once it is in the ring. */
  send(value: T): Promise<void> {
    return this.#sender.send(value);
  }

  /** Sends, blocking the thread while the ring is full. */
  sendSync(value: T): void {
    this.#sender.sendSync(value);
  }

  /** Closes both directions: the parent sees the end of the stream, both sides 'disconnect'. */
  close(): void {
    if (this.#link.connected) this.#link.disconnect();
  }
}

/** This child's link to its parent, and the ParentChannel once parentChannel() asked for it. */
let parent: { link: IpcLink; sender: Sender<unknown>; channel?: ParentChannel } | undefined;

/**
 * In a child started by shmring's fork(): the channel to the parent (created once; the
 * codec is the one the parent recorded unless `options.codec` names it).
 * Undefined in a process that fork() did not start.
 */
export function parentChannel<T = unknown>(
  options: Pick<ChannelOptions<T>, 'codec' | 'wait' | 'spinMicros' | 'yieldMicros'> = {},
): ParentChannel<T> | undefined {
  const attached = attachParent(options);
  // Made on demand: each message is emitted on every end users may listen on.
  if (attached !== undefined)
    attached.channel ??= new ParentChannel(attached.sender, attached.link);
  return attached?.channel as ParentChannel<T> | undefined;
}

function attachParent(
  options: Pick<ChannelOptions, 'codec' | 'wait' | 'spinMicros' | 'yieldMicros'>,
): typeof parent {
  if (parent !== undefined) return parent;
  const fds = process.env[FDS_ENV]?.split(',').map(Number);
  if (fds === undefined || fds.length !== 2 || !fds.every(Number.isInteger)) return undefined;
  const o = resolveOptions(options, PARENT_OPTION_NAMES, 'parentChannel()');
  const receiver = receiverOn(Segment.fromFd(fds[0]!), o, false);
  const sender = senderOn(Segment.fromFd(fds[1]!), o);
  // The mappings hold their own duplicates; the inherited descriptors can go, and so can the
  // variable (this process's own children must not look for them).
  for (const fd of fds) closeSync(fd);
  delete process.env[FDS_ENV];
  parent = { link: new IpcLink(sender, receiver, true), sender };
  return parent;
}

const PARENT_OPTION_NAMES: ReadonlySet<string> = new Set([
  'codec',
  'wait',
  'spinMicros',
  'yieldMicros',
]);

/**
 * @internal Run by the module fork() preloads in the child: process.send, process.on('message'),
 * process.connected, process.disconnect() and 'disconnect', as under child_process.fork.
 */
export function installOnProcess(): void {
  let attached: typeof parent;
  try {
    attached = attachParent({});
  } catch (error) {
    // A user codec cannot be adopted: the child opens the channel itself, parentChannel({ codec }).
    if ((error as { code?: string }).code === 'ERR_SHMRING_CODEC_MISMATCH') return;
    throw error;
  }
  if (attached !== undefined) installLink(process, attached.link);
}
