// The messages of the shmring rows as a user's program makes them, and the public Sender /
// Receiver calls a blocking peer makes, with the checks a benchmark needs around them: a peer
// that is gone or stalls fails the measurement instead of hanging it.
import type { Receiver, Sender } from '../../src/index.js';
import { hashObject, hashRaw, rawTemplate, sampleObject, stampSeq } from './payload.js';
import { STALL_MS, waitFor, type PeerCheck } from './sync-peer-session.js';
import type { Codec } from './schema.js';

/** Blocking calls wait at most this long before the peer is checked (lib/sync-peer-session.ts). */
const SLICE = { timeoutMs: 200 } as const;
/** A blocking send gives up after this long without space (the peer stalls). */
export const SEND_TIMEOUT = { timeoutMs: STALL_MS } as const;
/** A polling loop checks its peer after this many empty polls. */
const POLLS_PER_CHECK = 1 << 16;

/**
 * Makes message `seq` of a row: a sample object, or a raw payload of `size` bytes stamped into
 * a reused buffer. `pool` buffers per size are used in turn, so that the last `pool` messages
 * made are distinct objects (a batch of values is held at once).
 */
export function messageMaker(codec: Codec, pool = 1): (size: number, seq: number) => unknown {
  if (codec === 'msgpack') return (_size, seq) => sampleObject(seq);
  const buffers = new Map<number, { next: number; pool: Buffer[] }>();
  return (size, seq) => {
    let sized = buffers.get(size);
    if (sized === undefined) {
      const count = Math.min(pool, batchLength(size));
      buffers.set(
        size,
        (sized = { next: 0, pool: Array.from({ length: count }, () => rawTemplate(size)) }),
      );
    }
    const buffer = sized.pool[sized.next]!;
    sized.next = (sized.next + 1) % sized.pool.length;
    stampSeq(buffer, 0, size, seq);
    return buffer;
  };
}

/** Messages a sender hands over per batch call: up to 256, and at most 256 KiB of them. */
export function batchLength(size: number): number {
  return Math.max(1, Math.min(256, Math.floor((256 * 1024) / size)));
}

/** Folds a received value (a payload for 'raw', a sample object for 'msgpack') into `hash`. */
export function hashValue(codec: Codec, hash: number, value: unknown): number {
  if (codec === 'msgpack') return hashObject(hash, value);
  const bytes = value as Uint8Array;
  return hashRaw(hash, bytes, 0, bytes.length);
}

function timedOut(error: unknown): boolean {
  return (error as { code?: string }).code === 'ETIMEDOUT';
}

/** `receiver.receiveSync()`, in slices between which the peer is checked. */
export function receiveBlocking<T>(receiver: Receiver<T>, what: string, peerGone: PeerCheck): T {
  let value: T | undefined;
  waitFor(
    () => {
      try {
        value = receiver.receiveSync(SLICE);
        return 1;
      } catch (error) {
        if (timedOut(error)) return 0;
        throw error;
      }
    },
    what,
    peerGone,
  );
  return value as T;
}

/** Repeats `attempt()` until it returns true, checking the peer now and then; fails after STALL_MS. */
function poll(attempt: () => boolean, what: string, peerGone: PeerCheck): void {
  if (attempt()) return;
  const deadline = performance.now() + STALL_MS;
  for (;;) {
    for (let i = 0; i < POLLS_PER_CHECK; i++) if (attempt()) return;
    if (peerGone()) throw new Error(`${what}: the peer process is gone`);
    if (performance.now() >= deadline)
      throw new Error(`${what}: nothing for ${STALL_MS / 1000} s (stalled)`);
  }
}

/** `receiver.tryReceive()` until it returns a value. */
export function receivePolling<T>(receiver: Receiver<T>, what: string, peerGone: PeerCheck): T {
  let value: T | undefined;
  poll(() => (value = receiver.tryReceive()) !== undefined, what, peerGone);
  return value as T;
}

/** `sender.trySend(value)` until it returns true. */
export function sendPolling<T>(
  sender: Sender<T>,
  value: T,
  what: string,
  peerGone: PeerCheck,
): void {
  poll(() => sender.trySend(value), what, peerGone);
}
