// Request/reply control messages between the bench parent and a peer (child process or worker),
// over the peer's message channel (the child's IPC channel, or the worker's parentPort).
// Messages carry a `ctl` key, so a transport that also sends data on that channel (fork IPC)
// can tell the two apart: everything else is handed to the `onOther` listener.
import type { ChildProcess } from 'node:child_process';
import { parentPort, type Worker } from 'node:worker_threads';

/** Anything that sends and receives structured messages. */
export interface Endpoint {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

interface CallMessage {
  ctl: 'call';
  id: number;
  op: string;
  args: unknown;
}
type ReplyMessage =
  | { ctl: 'reply'; id: number; ok: true; value: unknown }
  | { ctl: 'reply'; id: number; ok: false; error: string };
interface ReadyMessage {
  ctl: 'ready';
}
type ControlMessage = CallMessage | ReplyMessage | ReadyMessage;

/** True for a control message (as opposed to data on a shared channel). */
export function isControl(message: unknown): message is ControlMessage {
  return typeof message === 'object' && message !== null && 'ctl' in message;
}

/** The parent's end of a child process's IPC channel. */
export function childEndpoint(child: ChildProcess): Endpoint {
  return {
    send: (message) => {
      if (child.connected) child.send(message as object);
    },
    onMessage: (listener) => child.on('message', listener),
  };
}

/** Anything with send() and 'message' events, e.g. the child of shmring's fork() or its parentChannel(). */
export function emitterEndpoint(target: {
  send(message: unknown): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}): Endpoint {
  return {
    send: (message) => {
      const sent = target.send(message);
      if (sent instanceof Promise) sent.catch(() => undefined); // the peer is gone: its calls fail on their own
    },
    onMessage: (listener) => void target.on('message', listener),
  };
}

/** A child process's end of its IPC channel. */
export function processEndpoint(): Endpoint {
  if (process.send === undefined)
    throw new Error('this script must run as a peer with an IPC channel');
  return {
    send: (message) => void process.send?.(message),
    onMessage: (listener) => void process.on('message', listener),
  };
}

/** The parent's end of a worker. */
export function workerEndpoint(worker: Worker): Endpoint {
  return {
    send: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.on('message', listener),
  };
}

/** A worker's end of its parentPort. */
export function parentPortEndpoint(): Endpoint {
  const port = parentPort;
  if (port === null) throw new Error('this script must run in a worker');
  return {
    send: (message) => port.postMessage(message),
    onMessage: (listener) => port.on('message', listener),
  };
}

/** The parent side: calls operations of the peer and awaits their replies. */
export class ControlClient {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private failure: Error | null = null;
  /** Resolves once the peer has installed its handlers, or has failed (calls wait for it). */
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(
    private readonly endpoint: Endpoint,
    onOther?: (message: unknown) => void,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    endpoint.onMessage((message) => {
      if (!isControl(message)) return onOther?.(message);
      if (message.ctl === 'ready') return this.markReady();
      if (message.ctl !== 'reply') return;
      const waiter = this.pending.get(message.id);
      if (waiter === undefined) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(message.error));
    });
  }

  /** Runs operation `op` in the peer; rejects with the peer's error, or when the peer is gone. */
  async call<T = unknown>(op: string, args: unknown = null): Promise<T> {
    await this.ready;
    if (this.failure !== null) throw this.failure;
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.endpoint.send({ ctl: 'call', id, op, args } satisfies CallMessage);
    });
  }

  /** Rejects every pending and later call (the peer exited or broke). */
  fail(error: Error): void {
    if (this.failure === null) this.failure = error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
    this.markReady();
  }
}

/** An operation of a peer: its result is sent back as the reply (thrown errors as failures). */
export type Handler = (args: never) => unknown;

/**
 * The peer side: answers calls with `handlers[op](args)`, in arrival order of the replies' readiness,
 * and tells the parent it is ready. Other messages go to `onOther`.
 */
export function serveControl(
  endpoint: Endpoint,
  handlers: Record<string, Handler>,
  onOther?: (message: unknown) => void,
): void {
  endpoint.onMessage((message) => {
    if (!isControl(message)) return onOther?.(message);
    if (message.ctl !== 'call') return;
    const { id, op, args } = message;
    const handler = handlers[op];
    Promise.resolve()
      .then(() => {
        if (handler === undefined) throw new Error(`unknown operation ${op}`);
        return (handler as (a: unknown) => unknown)(args);
      })
      .then(
        (value) =>
          endpoint.send({
            ctl: 'reply',
            id,
            ok: true,
            value: value ?? null,
          } satisfies ReplyMessage),
        (error: unknown) =>
          endpoint.send({
            ctl: 'reply',
            id,
            ok: false,
            error: error instanceof Error ? error.message : String(error),
          } satisfies ReplyMessage),
      );
  });
  endpoint.send({ ctl: 'ready' } satisfies ReadyMessage);
}
