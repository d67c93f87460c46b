// Senders register when they open, beat while open and sign off when they close, so the
// receiver knows when every sender is done (end of stream) even before a sender has sent,
// and also when one died without closing (its beats stop).
import { ShmringError } from '../errors.js';
import type { NatsLink } from './connection.js';
import type { ChannelNames } from './names.js';
import type { Patience } from './patience.js';
import { pauseOrThrow } from './retry.js';

/** A sender is taken for gone after this many missed beats (plus a second of slack). */
export const MISSED_BEATS = 3;
const SLACK_MS = 1000;

interface RegistrationBody {
  state: 'open' | 'closed';
  heartbeatMs: number;
}

/** ENOENT: the channel's streams do not exist. */
export function noChannel(names: ChannelNames): ShmringError {
  return new ShmringError(
    'ENOENT',
    `no NATS channel '${names.channel}' (stream ${names.dataStream}): create it with createChannel()`,
  );
}

/** A sender's registration: published on open, refreshed every heartbeatMs, closed on close. */
export class Registration {
  readonly #link: NatsLink;
  readonly #subject: string;
  readonly #names: ChannelNames;
  readonly #heartbeatMs: number;
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<unknown> = Promise.resolve();

  private constructor(link: NatsLink, names: ChannelNames, key: string, heartbeatMs: number) {
    this.#link = link;
    this.#names = names;
    this.#subject = names.senderSubject(key);
    this.#heartbeatMs = heartbeatMs;
  }

  /** Registers sender `key` (ENOENT when the channel does not exist) and starts beating. */
  static async open(
    link: NatsLink,
    names: ChannelNames,
    key: string,
    heartbeatMs: number,
    patience: Patience,
  ): Promise<Registration> {
    const registration = new Registration(link, names, key, heartbeatMs);
    await registration.#publish('open', patience);
    registration.#timer = setInterval(() => {
      // A missed beat is retried by the next one; the receiver allows for a few.
      registration.#beating = registration.#once('open').catch(() => {});
    }, heartbeatMs).unref();
    return registration;
  }

  async #once(state: RegistrationBody['state']): Promise<void> {
    const body: RegistrationBody = { state, heartbeatMs: this.#heartbeatMs };
    await this.#link.js.publish(this.#subject, JSON.stringify(body), {
      timeout: Math.max(1000, this.#heartbeatMs),
    });
  }

  async #publish(state: RegistrationBody['state'], patience: Patience): Promise<void> {
    for (;;) {
      try {
        await this.#once(state);
        return;
      } catch (error) {
        await pauseOrThrow(this.#link, this.#names.sendersStream, patience, error, () =>
          noChannel(this.#names),
        );
      }
    }
  }

  /** Stops beating and signs off: the receiver no longer waits for this sender. */
  async close(patience: Patience): Promise<void> {
    this.detach();
    await this.#beating;
    await this.#publish('closed', patience);
  }

  /** Stops beating without signing off (the receiver counts the sender gone after a few beats). */
  detach(): void {
    clearInterval(this.#timer);
  }
}

interface SenderState {
  /** The stream sequence of its last registration message: a new one means it beat. */
  seq: number;
  closed: boolean;
  heartbeatMs: number;
  /** When the receiver first saw that message (its own clock: no clock is shared between hosts). */
  seenAt: number;
}

/**
 * The receiver's view of the registrations: who is open, who closed, who went silent. Read
 * from the stream when the receiver is idle (not followed by a consumer: it must hold across
 * a server restart, and only matters when there is nothing left to receive).
 */
export class SenderWatch {
  readonly #link: NatsLink;
  readonly #names: ChannelNames;
  /** By registration subject. */
  readonly #senders = new Map<string, SenderState>();
  #lastSeq = 0;

  constructor(link: NatsLink, names: ChannelNames) {
    this.#link = link;
    this.#names = names;
  }

  /** Reads the registrations that changed since the last look (one request when none did). */
  async refresh(): Promise<void> {
    const stream = this.#names.sendersStream;
    const info = await this.#link.jsm.streams.info(stream, { subjects_filter: '>' });
    if (info.state.last_seq === this.#lastSeq) return;
    const now = performance.now();
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const known = this.#senders.get(subject);
      if (known?.closed) continue; // a closed sender never comes back (ids are not reused)
      const message = await this.#link.jsm.streams.getMessage(stream, { last_by_subj: subject });
      if (message === null || message.seq === known?.seq) continue;
      let body: Partial<RegistrationBody> = {};
      try {
        body = message.json<RegistrationBody>();
      } catch {
        // Not a registration of ours: it registers nobody.
      }
      const heartbeatMs = Number(body.heartbeatMs);
      if ((body.state === 'open' || body.state === 'closed') && heartbeatMs > 0)
        this.#senders.set(subject, {
          seq: message.seq,
          closed: body.state === 'closed',
          heartbeatMs,
          seenAt: now,
        });
    }
    this.#lastSeq = info.state.last_seq;
  }

  #silent(state: SenderState, now: number): boolean {
    return !state.closed && now - state.seenAt > MISSED_BEATS * state.heartbeatMs + SLACK_MS;
  }

  /** At least one sender registered, and every one of them closed or went silent (died). */
  everyoneGone(now = performance.now()): boolean {
    if (this.#senders.size === 0) return false;
    for (const state of this.#senders.values())
      if (!state.closed && !this.#silent(state, now)) return false;
    return true;
  }
}
