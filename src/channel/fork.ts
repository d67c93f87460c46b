// fork(): child_process.fork with the message channel on two shmring rings instead of a
// pipe. The rings live in memfd segments handed to the child as file descriptors, so no
// name ever appears in /dev/shm and nothing is left behind whatever happens.
import { spawn, type ChildProcess, type SpawnOptions, type StdioOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync } from 'node:fs';

import { invalidArgType } from '../errors.js';
import { createRing, ringSegmentSize } from '../ring/index.js';
import { Segment } from '../segment/index.js';
import { receiverOn, senderOn } from './channel.js';
import { resolveOptions, type ChannelOptions } from './options.js';
import type { Receiver } from './receiver.js';
import type { Sender } from './sender.js';

/** The environment variable that tells a forked child which descriptors hold its rings. */
const FDS_ENV = 'SHMRING_FORK_FDS';

export interface ForkOptions<T = unknown>
  extends
    Omit<SpawnOptions, 'stdio'>,
    Pick<ChannelOptions<T>, 'capacity' | 'codec' | 'wait' | 'spinMicros' | 'yieldMicros'> {
  /** Node options for the child (default: this process's execArgv). */
  execArgv?: string[];
  /** The child's stdin, stdout, stderr (default 'inherit'); the rings are added after them. */
  stdio?: 'inherit' | 'pipe' | 'ignore' | StdioOptions;
}

/** The child process, with send() and 'message' events carried by shmring. */
export interface ShmringChildProcess extends Omit<ChildProcess, 'send'> {
  /** Sends a value to the child; `callback` runs once it is in the ring. False: it waits for room (back-pressure). */
  send(message: unknown, callback?: (error: Error | null) => void): boolean;
}

function baseStdio(stdio: ForkOptions['stdio']): unknown[] {
  if (stdio === undefined) return ['inherit', 'inherit', 'inherit'];
  if (typeof stdio === 'string') return [stdio, stdio, stdio];
  if (Array.isArray(stdio)) return [...stdio];
  throw invalidArgType('options.stdio', "'inherit', 'pipe', 'ignore' or an array", stdio);
}

// A memfd segment with a fresh SPSC ring in it.
function ringSegment(label: string, capacity: number): Segment {
  const segment = Segment.createMemfd(label, ringSegmentSize(capacity));
  try {
    createRing(segment.buffer, { kind: 'spsc', capacity });
    return segment;
  } catch (error) {
    segment.close();
    throw error;
  }
}

// Wires a receiver's values into an emitter's 'message' events, as Node's IPC does.
function forwardMessages(receiver: Receiver, emitter: EventEmitter): void {
  receiver.on('message', (value) => emitter.emit('message', value));
  receiver.on('error', (error) => emitter.emit('error', error));
}

/**
 * Like child_process.fork(modulePath, args, options), but `child.send(value)` and the
 * child's 'message' events go through a pair of shmring rings (one each way). In the child,
 * parentChannel() gives the other ends. Values are MessagePack by default (`codec` option).
 */
export function fork<T = unknown>(
  modulePath: string,
  args: readonly string[] = [],
  options: ForkOptions<T> = {},
): ShmringChildProcess {
  if (typeof modulePath !== 'string')
    throw invalidArgType('modulePath', 'of type string', modulePath);
  const { capacity, codec, wait, spinMicros, yieldMicros, execArgv, stdio, env, ...spawnOptions } =
    options;
  const o = resolveOptions<T>({ capacity, codec, wait, spinMicros, yieldMicros });
  const fds = baseStdio(stdio);
  const sender = senderOn<T>(ringSegment('shmring-fork-to-child', o.capacity), o);
  let receiver: Receiver<T> | undefined;
  let child: ShmringChildProcess;
  try {
    receiver = receiverOn<T>(ringSegment('shmring-fork-to-parent', o.capacity), o, false);
    child = spawn(process.execPath, [...(execArgv ?? process.execArgv), modulePath, ...args], {
      ...spawnOptions,
      env: { ...(env ?? process.env), [FDS_ENV]: `${fds.length},${fds.length + 1}` },
      stdio: [...fds, sender.fd, receiver.fd] as StdioOptions,
    }) as unknown as ShmringChildProcess;
  } catch (error) {
    sender.close();
    receiver?.close();
    throw error;
  }

  // As Node's child.send(): true when the value went straight through, false when it had to
  // wait for room (it is still sent, in order; `callback` says when).
  child.send = (message: unknown, callback?: (error: Error | null) => void): boolean => {
    const failed = (error: Error): void =>
      void (callback ? callback(error) : child.emit('error', error));
    try {
      if (sender.trySend(message as T)) {
        if (callback) queueMicrotask(() => callback(null));
        return true;
      }
    } catch (error) {
      queueMicrotask(() => failed(error as Error));
      return false;
    }
    sender.send(message as T).then(() => callback?.(null), failed);
    return false;
  };
  child.disconnect = () => {
    sender.close();
    receiver.close();
    child.emit('disconnect');
  };
  forwardMessages(receiver as Receiver, child as unknown as EventEmitter);
  // If this process exits first, the child sees the end of its stream at once (a killed
  // parent is noticed by the child's liveness check instead).
  const closeOnExit = (): void => sender.close();
  process.once('exit', closeOnExit);
  child.once('exit', () => {
    process.off('exit', closeOnExit);
    // Whatever the child sent before it exited is delivered first.
    for (let value = receiver.tryReceive(); value !== undefined; value = receiver.tryReceive())
      child.emit('message', value);
    sender.close();
    receiver.close();
  });
  return child;
}

/** The child's side of fork(): the same send() and 'message' events, towards the parent. */
export class ParentChannel<T = unknown> extends EventEmitter {
  readonly #sender: Sender<T>;
  readonly #receiver: Receiver<T>;

  /** @internal Use parentChannel(). */
  constructor(sender: Sender<T>, receiver: Receiver<T>) {
    super();
    this.#sender = sender;
    this.#receiver = receiver;
    forwardMessages(receiver as Receiver, this);
    receiver.on('end', () => this.emit('disconnect'));
    // Like process.on('message'): listening keeps the process alive, until the parent goes.
    this.on('newListener', (event) => {
      if (event === 'message' && this.listenerCount('message') === 0) receiver.on('message', noop);
    });
  }

  /** Sends a value to the parent; resolves once it is in the ring. */
  send(value: T): Promise<void> {
    return this.#sender.send(value);
  }

  /** Sends, blocking the thread while the ring is full. */
  sendSync(value: T): void {
    this.#sender.sendSync(value);
  }

  /** Closes both directions: the parent sees the end of the stream. */
  close(): void {
    this.#sender.close();
    this.#receiver.close();
  }
}

function noop(): void {}

let parent: ParentChannel | undefined;

/**
 * In a child started by shmring's fork(): the channel to the parent (created once).
 * Undefined in a process that fork() did not start.
 */
export function parentChannel<T = unknown>(
  options: Pick<ChannelOptions<T>, 'codec' | 'wait' | 'spinMicros' | 'yieldMicros'> = {},
): ParentChannel<T> | undefined {
  if (parent !== undefined) return parent as ParentChannel<T>;
  const fds = process.env[FDS_ENV]?.split(',').map(Number);
  if (fds === undefined || fds.length !== 2 || !fds.every(Number.isInteger)) return undefined;
  const o = resolveOptions<T>(options);
  const receiver = receiverOn<T>(Segment.fromFd(fds[0]), o, false);
  const sender = senderOn<T>(Segment.fromFd(fds[1]), o);
  // The mappings hold their own duplicates; the inherited descriptors can go.
  for (const fd of fds) closeSync(fd);
  parent = new ParentChannel<T>(sender, receiver) as ParentChannel;
  return parent as ParentChannel<T>;
}
