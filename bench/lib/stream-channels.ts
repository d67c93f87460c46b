// The byte streams between the parent and a child peer, both ends of each kind:
//   stdio: the child's stdin/stdout as spawned with "pipe" (on Linux an AF_UNIX socketpair)
//   fifo:  two named pipes (mkfifo), i.e. pipe(2) semantics, opened non-blocking
//   unix:  a Unix domain stream socket in the run's temp dir
//   tcp:   TCP on 127.0.0.1 with Nagle off (setNoDelay) on both ends
// Order of setup: the parent prepares (listens, makes FIFOs) before it spawns the child, the child
// opens its ends when told (control op `open`), then the parent completes its own ends.
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { constants, openSync, rmSync } from 'node:fs';
import { createServer, connect, Socket, type Server } from 'node:net';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export type StreamKind = 'stdio' | 'fifo' | 'unix' | 'tcp';

/** What the child needs to open its ends (sent in the `open` control call). */
export interface ChannelParams {
  kind: StreamKind;
  /** unix: socket path; fifo: the parent->child FIFO. */
  path?: string;
  /** fifo: the child->parent FIFO. */
  backPath?: string;
  /** tcp: port on 127.0.0.1. */
  port?: number;
}

/** One end of a channel: where it reads and where it writes. */
export interface StreamPair {
  readable: Readable;
  writable: Writable;
  /** Destroys the streams. */
  close(): void;
}

/** The parent's half-made channel, between preparing and the child's `open`. */
export interface PreparedChannel {
  params: ChannelParams;
  /** stdio for spawning the child (always with an IPC channel at fd 3). */
  stdio: StdioOptions;
  /** Completes the parent's ends, after the child has opened its own. */
  connect(child: ChildProcess): Promise<StreamPair>;
  /** Removes what preparing created (listening server, FIFOs, socket file). */
  close(): void;
}

const NONBLOCK_READ = constants.O_RDONLY | constants.O_NONBLOCK;
const NONBLOCK_WRITE = constants.O_WRONLY | constants.O_NONBLOCK;

function socketPair(socket: Socket): StreamPair {
  return { readable: socket, writable: socket, close: () => socket.destroy() };
}

function streamsPair(readable: Readable, writable: Writable): StreamPair {
  return {
    readable,
    writable,
    close: () => {
      readable.destroy();
      writable.destroy();
    },
  };
}

/** A net.Socket over a FIFO fd opened for reading or for writing (epoll-driven, like a pipe). */
function fifoStream(path: string, direction: 'read' | 'write'): Socket {
  const fd = openSync(path, direction === 'read' ? NONBLOCK_READ : NONBLOCK_WRITE);
  return new Socket({ fd, readable: direction === 'read', writable: direction === 'write' });
}

async function listening(server: Server, ...args: unknown[]): Promise<void> {
  const ready = once(server, 'listening');
  (server.listen as (...a: unknown[]) => void)(...args);
  await ready;
}

/** Parent side, step 1 (before spawning the child). `tmpDir` holds socket files and FIFOs. */
export async function prepareChannel(
  kind: StreamKind,
  tmpDir: string,
  tag: string,
): Promise<PreparedChannel> {
  const withIpc = (stdin: 'pipe' | 'ignore', stdout: 'pipe' | 'inherit'): StdioOptions => [
    stdin,
    stdout,
    'inherit',
    'ipc',
  ];
  switch (kind) {
    case 'stdio':
      return {
        params: { kind },
        stdio: withIpc('pipe', 'pipe'),
        connect: async (child) => streamsPair(child.stdout!, child.stdin!),
        close: () => undefined,
      };
    case 'unix':
    case 'tcp': {
      const server = createServer();
      const accepted = once(server, 'connection') as Promise<[Socket]>;
      accepted.catch(() => undefined);
      const path = join(tmpDir, `${tag}.sock`);
      if (kind === 'unix') await listening(server, path);
      else await listening(server, 0, '127.0.0.1');
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      const close = (): void => {
        server.close();
        if (kind === 'unix') rmSync(path, { force: true });
      };
      return {
        params: kind === 'unix' ? { kind, path } : { kind, port },
        stdio: withIpc('ignore', 'inherit'),
        connect: async () => {
          const [socket] = await accepted;
          close();
          if (kind === 'tcp') socket.setNoDelay(true);
          return socketPair(socket);
        },
        close,
      };
    }
    case 'fifo': {
      const path = join(tmpDir, `${tag}.to-child.fifo`);
      const backPath = join(tmpDir, `${tag}.to-parent.fifo`);
      execFileSync('mkfifo', ['-m', '600', path, backPath]);
      const close = (): void => {
        rmSync(path, { force: true });
        rmSync(backPath, { force: true });
      };
      // Our read end first: the child's non-blocking open for writing needs a reader.
      const fromChild = fifoStream(backPath, 'read');
      return {
        params: { kind, path, backPath },
        stdio: withIpc('ignore', 'inherit'),
        connect: async () => {
          const toChild = fifoStream(path, 'write');
          close(); // both ends are open: the names are no longer needed
          return streamsPair(fromChild, toChild);
        },
        close: () => {
          fromChild.destroy();
          close();
        },
      };
    }
  }
}

/** Child side: opens the child's ends of a channel the parent prepared. */
export async function openChildChannel(params: ChannelParams): Promise<StreamPair> {
  switch (params.kind) {
    case 'stdio':
      return streamsPair(process.stdin, process.stdout);
    case 'unix':
    case 'tcp': {
      const socket =
        params.kind === 'unix' ? connect(params.path!) : connect(params.port!, '127.0.0.1');
      await once(socket, 'connect');
      if (params.kind === 'tcp') socket.setNoDelay(true);
      return socketPair(socket);
    }
    case 'fifo': {
      const fromParent = fifoStream(params.path!, 'read');
      const toParent = fifoStream(params.backPath!, 'write');
      return streamsPair(fromParent, toParent);
    }
  }
}
