// The sending end of a NATS channel: values encoded by the codec, published to the channel's
// stream with an id the server de-duplicates by, in fragments when they exceed max_payload.
import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';

import type { Codec } from '../codec/index.js';
import type { AsyncSendOptions } from '../channel/sender.js';
import { writeStreamOf } from '../channel/adapters.js';
import type { ChannelSender } from '../channel/interface.js';
import { ShmringError } from '../errors.js';
import type { NatsLink } from './connection.js';
import { HEADER_ROOM, markPiece, messageId, splitValue } from './fragments.js';
import type { ChannelNames } from './names.js';
import { classify, Patience } from './patience.js';
import { Registration } from './registration.js';
import { pauseOrThrow } from './retry.js';
import { notOffered } from './not-offered.js';

/** The receiver deleted the channel's streams (closed it): like a local receiver that closed. */
function receiverGone(names: ChannelNames): ShmringError {
  return new ShmringError(
    'EPIPE',
    `the NATS channel '${names.channel}' was closed by its receiver`,
  );
}

/**
 * How long one publish waits for the server's acknowledgement before it is retried (with the
 * same message id). A publish in flight when the server dies is not failed by the client, it
 * waits for this: short enough to resume soon after a restart, long enough for a loaded server.
 */
const ATTEMPT_MS = 2000;

/** How one publish attempt went. */
type Published = 'stored' | 'full';

/**
 * Sends values to a NATS channel's receiver. Same interface as the local Sender, but every
 * call is asynchronous: trySend resolves false when the stream is full (its `capacity`),
 * send waits with backoff. Sends from one sender arrive in order, each exactly once.
 */
export class NatsSender<T = unknown> implements ChannelSender<T> {
  /** The channel's name. */
  readonly name: string;
  /** This sender's id: its values carry it, with a sequence number, for de-duplication. */
  readonly id: string;
  readonly #link: NatsLink;
  readonly #names: ChannelNames;
  readonly #codec: Codec<T>;
  readonly #serverTimeoutMs: number;
  readonly #fragmentBytes: number;
  #registration: Registration | undefined;
  #seq = 0;
  /** The last queued send; later ones start after it (order per sender). */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** @internal Use openChannel() from 'shmring/nats'. */
  constructor(
    link: NatsLink,
    names: ChannelNames,
    codec: Codec<T>,
    serverTimeoutMs: number,
    capacity: number,
  ) {
    this.name = names.channel;
    this.id = randomUUID();
    this.#link = link;
    this.#names = names;
    this.#codec = codec;
    this.#serverTimeoutMs = serverTimeoutMs;
    // A fragment must fit in a message, and a few of them in the stream at once.
    this.#fragmentBytes = Math.max(
      1024,
      Math.min(link.maxPayload - HEADER_ROOM, Math.floor(capacity / 4)),
    );
  }

  /** @internal Registers with the channel (ENOENT if it does not exist). */
  async register(heartbeatMs: number): Promise<void> {
    this.#registration = await Registration.open(
      this.#link,
      this.#names,
      this.id,
      heartbeatMs,
      new Patience('the NATS server', {}, this.#serverTimeoutMs),
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  #checkOpen(): void {
    if (this.#closed) throw new ShmringError('ERR_SHMRING_CLOSED', 'the sender is closed');
  }

  // Runs `send` after the sends queued before it.
  #enqueue<R>(send: () => Promise<R>): Promise<R> {
    const result = this.#tail.then(send);
    this.#tail = result.catch(() => {});
    return result;
  }

  /**
   * Sends unless the stream is full: resolves false then (nothing was sent). A value in
   * fragments is finished once its first one is in, waiting for room as needed.
   * Rejects with EPIPE once the receiver closed the channel.
   */
  trySend(value: T): Promise<boolean> {
    try {
      this.#checkOpen();
      const bytes = this.#codec.encode(value).slice();
      return this.#enqueue(() => this.#publishValue(bytes, {}, true));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends, waiting with backoff while the stream is full. Resolves once the server stored the
   * whole value. Rejects with ETIMEDOUT, ABORT_ERR (signal), EPIPE (receiver closed) or
   * ECONNRESET (server unreachable for longer than serverTimeoutMs).
   */
  send(value: T, options: AsyncSendOptions = {}): Promise<void> {
    try {
      this.#checkOpen();
      // Encoded now: the value may change while earlier sends are under way.
      const bytes = this.#codec.encode(value).slice();
      return this.#enqueue(async () => {
        await this.#publishValue(bytes, options, false);
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Not offered over the network: throws ERR_SHMRING_NOT_SUPPORTED (use send). */
  sendSync(_value: T): never {
    throw notOffered('sendSync', 'send');
  }

  async #publishValue(
    bytes: Uint8Array,
    options: AsyncSendOptions,
    onlyIfRoom: boolean,
  ): Promise<boolean> {
    const patience = new Patience('room in the stream', options, this.#serverTimeoutMs);
    patience.check();
    const pieces = splitValue(bytes, this.#fragmentBytes);
    // A number of its own even if this send fails: an attempt that timed out may have been
    // stored, and the next value must not carry its message id (the server would drop it).
    const seq = ++this.#seq;
    for (let index = 0; index < pieces.length; index++) {
      // Once part of a value is in, the rest follows whatever the signal or deadline say
      // (as in the ring): the receiver would otherwise be left with half a value.
      const rest = index === 0 ? patience : new Patience('room', {}, this.#serverTimeoutMs);
      while ((await this.#publishPiece(pieces, seq, index, rest)) === 'full') {
        if (index === 0 && onlyIfRoom) return false;
        await rest.pause();
      }
    }
    return true;
  }

  async #publishPiece(
    pieces: Uint8Array[],
    seq: number,
    index: number,
    patience: Patience,
  ): Promise<Published> {
    const headers = this.#link.headers();
    markPiece(headers, this.id, seq, index, pieces.length);
    for (;;) {
      try {
        await this.#link.js.publish(this.#names.dataSubject, pieces[index], {
          // Retried with the same id after a timeout: the server stores it once.
          msgID: messageId(this.id, seq, index),
          headers,
          timeout: Math.max(250, Math.min(ATTEMPT_MS, patience.remaining)),
        });
        patience.reached();
        return 'stored';
      } catch (error) {
        if (classify(error) === 'full') return 'full';
        await pauseOrThrow(this.#link, this.#names.dataStream, patience, error, () =>
          receiverGone(this.#names),
        );
      }
    }
  }

  /** An object-mode Writable over send(): back-pressure follows the stream. Ends by closing the sender. */
  createWriteStream(): Writable {
    return writeStreamOf(
      (value: T) => this.send(value),
      () => this.close(),
    );
  }

  /**
   * Closes this sender once its queued sends are done and signs it off: when every sender
   * that opened has closed, the receiver's stream ends (unless it keeps it open). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    try {
      await this.#registration?.close(new Patience('the NATS server', {}, this.#serverTimeoutMs));
    } catch (error) {
      // The channel is gone already (its receiver closed it): nothing to sign off from.
      if ((error as ShmringError).code !== 'ENOENT') throw error;
    } finally {
      await this.#link.close();
    }
  }

  /**
   * @internal Closes without signing off, as a process that dies would: the receiver counts
   * the sender gone once its beats stop (the bridge uses this when it stops before the end).
   */
  async detach(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    this.#registration?.detach();
    await this.#link.close();
  }
}
