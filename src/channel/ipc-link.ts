// Node's IPC channel contract (send, 'message', connected, disconnect, 'disconnect') over a
// pair of shmring rings, for both ends of fork(): the parent's ChildProcess and the child's
// `process` (and ParentChannel). Modelled on setupChannel() in Node's
// lib/internal/child_process.js, which serves both ends the same way.
import type { EventEmitter } from 'node:events';

import { BadFrameWarnings } from '../codec/bad-frame-warnings.js';
import type { FrameError } from '../codec/index.js';
import { ShmringError, invalidArgType } from '../errors.js';
import type { Receiver } from './receiver.js';
import type { Sender } from './sender.js';

/** The callback of send(): null once the value is in the ring, or why it was not sent. */
export type SendCallback = (error: Error | null) => void;

function channelClosed(): ShmringError {
  return new ShmringError('ERR_IPC_CHANNEL_CLOSED', 'Channel closed');
}

// The callback among Node's optional send() arguments; handles cannot cross shmring.
function sendCallback(
  handle: unknown,
  options: unknown,
  callback: unknown,
): SendCallback | undefined {
  if (typeof handle === 'function') {
    callback = handle;
    handle = options = undefined;
  } else if (typeof options === 'function') {
    callback = options;
    options = undefined;
  }
  if (handle !== undefined && handle !== null)
    throw new ShmringError(
      'ERR_SHMRING_UNSUPPORTED',
      "shmring's fork() cannot send handles (sockets, servers); send plain values",
    );
  if (options !== undefined && (options === null || typeof options !== 'object'))
    throw invalidArgType('options', 'of type object', options);
  return callback as SendCallback | undefined;
}

const LISTENED = ['message', 'disconnect'];

/**
 * One end of a fork() channel. Its targets are the emitters users listen on ('message',
 * 'disconnect', 'error'); the receiver runs (and, with `keepAlive`, holds the process open)
 * only while some target listens for 'message' or 'disconnect', as Node's channel does: a
 * child that stops listening, or whose parent disconnects, exits once idle. Values nobody
 * listens for stay in the ring until someone does.
 */
export class IpcLink<T = unknown> {
  readonly #sender: Sender<T>;
  readonly #receiver: Receiver<T>;
  readonly #targets: EventEmitter[] = [];
  /** A timer that only holds the event loop open (the receiver itself never does). */
  readonly #keepAlive: NodeJS.Timeout | undefined;
  #connected = true;
  #listening = false;
  readonly #frameWarnings = new BadFrameWarnings('the fork() channel');
  #warnedClosed = false;
  /** The last send still waiting for room: disconnect closes the sender after it. */
  #pending: Promise<void> | undefined;
  /**
   * Callbacks of sends that went straight in, called together in one microtask queued by the
   * first of them. Run-length: a callback passed to many sends in a row (one function for a
   * whole stream, as is usual) is kept once with its count, so a burst of a hundred thousand
   * sends does not grow an array of a hundred thousand entries.
   */
  #written: SendCallback[] = [];
  #writtenTimes: number[] = [];
  readonly #callWritten = (): void => {
    const written = this.#written;
    const times = this.#writtenTimes;
    this.#written = [];
    this.#writtenTimes = [];
    for (let i = 0; i < written.length; i++) for (let n = times[i]!; n > 0; n--) written[i]!(null);
  };
  readonly #deliver = (value: T): void => {
    const targets = this.#targets;
    if (targets.length === 1) targets[0]!.emit('message', value);
    else for (const target of targets) target.emit('message', value);
  };

  constructor(sender: Sender<T>, receiver: Receiver<T>, keepAlive: boolean) {
    this.#sender = sender;
    this.#receiver = receiver;
    receiver.unref();
    this.#keepAlive = keepAlive ? setInterval(noop, 2 ** 31 - 1).unref() : undefined;
    receiver.on('end', () => this.#close());
    receiver.on('error', (error: FrameError | ShmringError) =>
      this.#emitError(error, this.#frameWarnings),
    );
  }

  get connected(): boolean {
    return this.#connected;
  }

  /**
   * Makes `target` an emitter of this link's events; listening to it for 'message' or
   * 'disconnect' starts the receiver.
   */
  addTarget(target: EventEmitter): void {
    this.#targets.push(target);
    target.on('newListener', (event: string) => {
      if (LISTENED.includes(event)) queueMicrotask(() => this.#listen());
    });
    target.on('removeListener', (event: string) => {
      if (LISTENED.includes(event)) this.#listen();
    });
    this.#listen();
  }

  // Runs the receiver while anyone listens (and the link is up), stops it otherwise.
  #listen(): void {
    const wanted =
      this.#connected &&
      this.#targets.some((t) => LISTENED.some((event) => t.listenerCount(event) > 0));
    if (wanted === this.#listening) return;
    this.#listening = wanted;
    if (wanted) this.#receiver.on('message', this.#deliver);
    else this.#receiver.off('message', this.#deliver);
    if (wanted) this.#keepAlive?.ref();
    else this.#keepAlive?.unref();
  }

  /**
   * As Node's send(message, [sendHandle], [options], [callback]): true when the value went
   * straight into the ring, false when it waits for room (it is still sent, in order).
   * After disconnect: false, and ERR_IPC_CHANNEL_CLOSED to the callback or as 'error'.
   */
  send(message: unknown, handle?: unknown, options?: unknown, callback?: unknown): boolean {
    if (message === undefined)
      throw Object.assign(new TypeError('The "message" argument must be specified'), {
        code: 'ERR_MISSING_ARGS',
      });
    return this.#send(message, sendCallback(handle, options, callback));
  }

  #send(message: unknown, callback: SendCallback | undefined): boolean {
    if (!this.#connected) {
      const error = channelClosed();
      if (callback) process.nextTick(callback, error);
      else process.nextTick(() => this.#emitError(error, undefined, this.#warnedClosed));
      this.#warnedClosed = true;
      return false;
    }
    try {
      if (this.#sender.trySend(message as T)) {
        if (callback) this.#noteWritten(callback);
        return true;
      }
    } catch (error) {
      if ((error as ShmringError).code !== 'EPIPE') throw error; // unencodable: nothing sent
      this.#peerGone(callback);
      return false;
    }
    const sent = this.#sender.send(message as T).then(
      () => callback?.(null),
      (error: ShmringError) => {
        if (error.code === 'EPIPE' || error.code === 'ERR_SHMRING_CLOSED') this.#peerGone(callback);
        else if (callback) callback(error);
        else this.#emitError(error);
      },
    );
    this.#pending = sent;
    void sent.then(() => {
      if (this.#pending === sent) this.#pending = undefined;
    });
    return false;
  }

  // One microtask for all the callbacks of a burst of sends, not one each.
  #noteWritten(callback: SendCallback): void {
    const last = this.#written.length - 1;
    if (last >= 0 && this.#written[last] === callback) {
      this.#writtenTimes[last]!++;
      return;
    }
    if (last < 0) queueMicrotask(this.#callWritten);
    this.#written.push(callback);
    this.#writtenTimes.push(1);
  }

  // The other end closed before this one noticed: the message is lost, as with Node's pipe.
  #peerGone(callback: SendCallback | undefined): void {
    if (callback) process.nextTick(callback, channelClosed());
    this.#close();
  }

  /** As Node's disconnect(): closes both directions; 'disconnect' follows on both ends. */
  disconnect(): void {
    if (!this.#connected) {
      this.#emitError(
        new ShmringError('ERR_IPC_DISCONNECTED', 'IPC channel is already disconnected'),
      );
      return;
    }
    this.#close();
  }

  /**
   * Takes the link down once (a disconnect on either end, the end of the other side's
   * stream, the child's exit): what was already sent is still delivered to the other end.
   */
  #close(): void {
    if (!this.#connected) return;
    this.#connected = false;
    this.#listen();
    clearInterval(this.#keepAlive);
    this.#frameWarnings.flush();
    const closeSender = (): void => this.#sender.close();
    if (this.#pending) void this.#pending.then(closeSender, closeSender);
    else closeSender();
    // Not from inside the receiver's own 'message' or 'end' handler: after it returns.
    queueMicrotask(() => this.#receiver.close());
    process.nextTick(() => {
      for (const target of this.#targets) target.emit('disconnect');
    });
  }

  /** Delivers what is still in the ring (the other side exited), then takes the link down. */
  drainAndClose(): void {
    if (!this.#connected) return;
    for (let value = this.#receiver.tryReceive(); value !== undefined;) {
      this.#deliver(value);
      value = this.#receiver.tryReceive();
    }
    this.#close();
  }

  // 'error' on the targets that listen for it; a process warning when none does (an
  // unheard 'error' would crash the process over a message it could not have prevented).
  // `warnings` throttles bad frames, which can come once per message; `quiet` skips the
  // warning (a send after close is warned about once, not once per send).
  #emitError(error: Error, warnings?: BadFrameWarnings, quiet = false): void {
    const heard = this.#targets.filter((target) => target.listenerCount('error') > 0);
    if (heard.length === 0 && !quiet) {
      if (warnings) warnings.report(error as FrameError);
      else process.emitWarning(error);
    }
    for (const target of heard) target.emit('error', error);
  }
}

function noop(): void {}
