// Async iteration and Node object streams over any channel end (local or NATS): written once
// against receive() / send(), so every transport ends its streams the same way.
import { Readable, Writable } from 'node:stream';

import type { ShmringError } from '../errors.js';
import type { AsyncReceiveOptions } from './receiver.js';

type Receive<T> = (options?: AsyncReceiveOptions) => Promise<T>;

function isEnd(error: unknown): boolean {
  return (error as ShmringError).code === 'ERR_SHMRING_END_OF_STREAM';
}

/** Every value until the end of the stream (`for await`). */
export async function* valuesOf<T>(receive: Receive<T>): AsyncGenerator<T, void, undefined> {
  for (;;) {
    try {
      yield await receive();
    } catch (error) {
      if (isEnd(error)) return;
      throw error;
    }
  }
}

/** An object-mode Readable of the values, ending with the stream. (A null value would end it early: Node's object streams cannot carry null.) */
export function readStreamOf<T>(receive: Receive<T>): Readable {
  const controller = new AbortController();
  const stream: Readable = new Readable({
    objectMode: true,
    read: () => {
      receive({ signal: controller.signal }).then(
        (value) => stream.push(value),
        (error: ShmringError) => (isEnd(error) ? stream.push(null) : stream.destroy(error)),
      );
    },
    destroy: (error, callback) => {
      controller.abort();
      callback(error);
    },
  });
  return stream;
}

/** An object-mode Writable over `send`; `finish` (after the last write) closes the sender. */
export function writeStreamOf<T>(
  send: (value: T) => Promise<void>,
  finish: () => Promise<void>,
): Writable {
  return new Writable({
    objectMode: true,
    write: (chunk: T, _encoding, callback) => {
      send(chunk).then(() => callback(), callback);
    },
    final: (callback) => {
      finish().then(() => callback(), callback);
    },
  });
}
