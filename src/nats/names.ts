// How a channel's name maps to JetStream: one token, two streams, their subjects, one consumer.
import { invalidArgType, invalidArgValue } from '../errors.js';

/**
 * The JetStream names of one channel. '/jobs' becomes the token 'jobs'; every character
 * other than [A-Za-z0-9-] (including '_' itself and further '/') is written as '_' plus its
 * UTF-8 bytes in hex, so distinct channel names never share a token, and the token is valid
 * both as a stream name and as a subject token (no '.', '*', '>' or spaces).
 */
export interface ChannelNames {
  /** The channel's name as the user gave it. */
  readonly channel: string;
  /** Stream of the values (work-queue retention, bounded by `capacity`). */
  readonly dataStream: string;
  /** The subject values are published on. */
  readonly dataSubject: string;
  /** Stream of sender registrations (the last message per sender is kept). */
  readonly sendersStream: string;
  /** The wildcard subject of all registrations. */
  readonly sendersSubjects: string;
  /** The durable pull consumer the receiver reads through. */
  readonly consumer: string;
  /** The registration subject of one sender. */
  senderSubject(senderKey: string): string;
}

const PLAIN = /[A-Za-z0-9-]/;

function token(name: string): string {
  let out = '';
  for (const char of name) {
    if (PLAIN.test(char)) out += char;
    else for (const byte of Buffer.from(char)) out += `_${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Stream names are limited to 255 characters; the longest suffix below is 8. */
const MAX_TOKEN = 200;

export function channelNames(name: unknown): ChannelNames {
  if (typeof name !== 'string') throw invalidArgType('name', 'a string', name);
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (bare.length === 0) throw invalidArgValue('name', 'must not be empty', name);
  const tok = token(bare);
  if (tok.length > MAX_TOKEN)
    throw invalidArgValue('name', `is too long for a JetStream stream name`, name);
  return {
    channel: name,
    dataStream: `SHMRING_${tok}`,
    dataSubject: `shmring.${tok}.data`,
    sendersStream: `SHMRING_${tok}_SENDERS`,
    sendersSubjects: `shmring.${tok}.senders.*`,
    consumer: 'receiver',
    senderSubject: (senderKey) => `shmring.${tok}.senders.${token(senderKey)}`,
  };
}
