// A value whose bytes exceed the server's max_payload travels as several messages
// ("fragments"), each with its place in the value; the receiver puts them back together.
import type { MsgHdrs } from '@nats-io/nats-core';

/** Headers every value message carries (besides Nats-Msg-Id, which de-duplicates publishes). */
export const HEADER_SENDER = 'Shmring-Sender';
export const HEADER_SEQ = 'Shmring-Seq';
/** `index/count`, only on values sent in fragments. */
export const HEADER_FRAGMENT = 'Shmring-Fragment';

/** Room left in a message for its subject and headers. */
export const HEADER_ROOM = 1024;

/** One message's place: which sender, which of its values, which fragment of it. */
export interface Piece {
  readonly sender: string;
  readonly seq: number;
  readonly index: number;
  readonly count: number;
  readonly data: Uint8Array;
}

/** The bytes of a value, cut into pieces of at most `size` bytes (at least one piece). */
export function splitValue(bytes: Uint8Array, size: number): Uint8Array[] {
  if (bytes.byteLength <= size) return [bytes];
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; at += size) pieces.push(bytes.subarray(at, at + size));
  return pieces;
}

/** The message id the server de-duplicates by: the same on every retry of one publish. */
export function messageId(sender: string, seq: number, index: number): string {
  return `${sender}:${seq}:${index}`;
}

/** Writes a piece's place into `headers`. */
export function markPiece(
  headers: MsgHdrs,
  sender: string,
  seq: number,
  index: number,
  count: number,
): void {
  headers.set(HEADER_SENDER, sender);
  headers.set(HEADER_SEQ, String(seq));
  if (count > 1) headers.set(HEADER_FRAGMENT, `${index}/${count}`);
}

const FRAGMENT = /^(\d+)\/(\d+)$/;

/** A message's place, or undefined when its headers are missing or malformed (never trusted). */
export function readPiece(headers: MsgHdrs | undefined, data: Uint8Array): Piece | undefined {
  const sender = headers?.get(HEADER_SENDER) ?? '';
  const seq = Number(headers?.get(HEADER_SEQ));
  if (sender === '' || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  const fragment = headers?.get(HEADER_FRAGMENT) ?? '';
  if (fragment === '') return { sender, seq, index: 0, count: 1, data };
  const match = FRAGMENT.exec(fragment);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 2 || index >= count) return undefined;
  return { sender, seq, index, count, data };
}

interface Partial {
  seq: number;
  count: number;
  next: number;
  parts: Uint8Array[];
}

/** What a piece did: completed a value, extended one, repeated one, or fit nowhere. */
export type Assembled =
  | { kind: 'value'; bytes: Uint8Array; owned: boolean; cutShort: number | undefined }
  | { kind: 'partial'; cutShort: number | undefined }
  | { kind: 'repeat' }
  | { kind: 'orphan' };

/** Puts fragmented values back together, per sender (a sender's messages arrive in order). */
export class Reassembly {
  readonly #partials = new Map<string, Partial>();

  /**
   * Adds one piece. `cutShort` names the seq of an earlier value of the same sender that
   * will never be complete (its sender moved on: the rest of it was lost).
   */
  add(piece: Piece): Assembled {
    const partial = this.#partials.get(piece.sender);
    if (partial !== undefined && partial.seq === piece.seq && piece.index < partial.next)
      return { kind: 'repeat' };
    if (piece.index === 0) {
      const cutShort = partial?.seq;
      this.#partials.delete(piece.sender);
      if (piece.count === 1) return { kind: 'value', bytes: piece.data, owned: false, cutShort };
      this.#partials.set(piece.sender, {
        seq: piece.seq,
        count: piece.count,
        next: 1,
        parts: [piece.data.slice()], // the client may reuse its read buffer
      });
      return { kind: 'partial', cutShort };
    }
    if (partial === undefined || partial.seq !== piece.seq || piece.index !== partial.next)
      return { kind: 'orphan' };
    partial.parts.push(piece.data.slice());
    partial.next++;
    if (partial.next < partial.count) return { kind: 'partial', cutShort: undefined };
    this.#partials.delete(piece.sender);
    const bytes = new Uint8Array(partial.parts.reduce((sum, part) => sum + part.byteLength, 0));
    let at = 0;
    for (const part of partial.parts) {
      bytes.set(part, at);
      at += part.byteLength;
    }
    return { kind: 'value', bytes, owned: true, cutShort: undefined };
  }

  /** Drops every unfinished value (their senders are gone): [sender, seq] of each. */
  discardAll(): Array<[string, number]> {
    const dropped = [...this.#partials].map(([sender, p]): [string, number] => [sender, p.seq]);
    this.#partials.clear();
    return dropped;
  }
}
