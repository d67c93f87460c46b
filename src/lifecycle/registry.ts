// The producer registry of a channel's metadata page: the one place that knows a slot's
// layout (docs/FORMAT.md, "Producer registry").
//
// A slot's state word holds the state (bits 0-1) and a generation (bits 2-31) bumped each
// time the slot is taken: every transition is a CAS on that one word, so a reaper that read
// a slot closes exactly the incarnation it judged, never a producer that took the slot since.
// The identity (pid, pid namespace, start time) is written after the slot is taken, pid
// last; a reader that sees a non-zero pid, and the same state word before and after its
// reads, has one incarnation's identity.
import {
  PRODUCER_REGISTRY_OFFSET,
  PRODUCER_SLOT_CLAIM_OFFSET,
  PRODUCER_SLOT_HEARTBEAT_OFFSET,
  PRODUCER_SLOT_HEARTBEAT_TIMEOUT_OFFSET,
  PRODUCER_SLOT_LENGTH,
  PRODUCER_SLOT_PID_NAMESPACE_OFFSET,
  PRODUCER_SLOT_PID_OFFSET,
  PRODUCER_SLOT_START_TIME_OFFSET,
  PRODUCER_SLOT_STATE_OFFSET,
  PRODUCER_SLOTS,
} from '../ring/metadata.js';
import { pidNamespace, processStartTime } from '../ring/process-info.js';

export const SLOT_FREE = 0;
export const SLOT_OPEN = 1;
export const SLOT_CLOSING = 2;
const STATE_MASK = 3;
const GENERATION_STEP = 4;

/** The low 32 bits of epoch ms, as heartbeats are stored. */
export function heartbeatNow(): number {
  return Date.now() | 0;
}

/** One open slot as read at one moment. */
export interface SlotView {
  slot: number;
  /** The state word: identifies this incarnation of the slot. */
  word: number;
  /** 0 while the producer is still writing its identity. */
  pid: number;
  pidNamespace: number;
  startTime: number;
  /** Low 32 bits of epoch ms of its last heartbeat. */
  heartbeat: number;
  /** The producer's heartbeatTimeoutMs (how often it beats: a quarter of it). */
  heartbeatTimeoutMs: number;
  /** Low half of the tail it saw before its claim in flight, | 1; 0 when none. */
  claim: number;
}

/** A taken slot: its number and the state word of this incarnation. */
export interface SlotLease {
  slot: number;
  word: number;
}

/** The int32 index of `field` (a PRODUCER_SLOT_*_OFFSET) of `slot` in the metadata page. */
export function slotFieldIndex(slot: number, field: number): number {
  return (PRODUCER_REGISTRY_OFFSET + slot * PRODUCER_SLOT_LENGTH + field) >>> 2;
}

function loadU64(words: Int32Array, k: number): number {
  return (Atomics.load(words, k) >>> 0) + (Atomics.load(words, k + 1) >>> 0) * 2 ** 32;
}

export class ProducerRegistry {
  /** Int32 view over the metadata page. */
  readonly #words: Int32Array;

  constructor(words: Int32Array) {
    this.#words = words;
  }

  /** Takes a free slot and writes this process's identity into it; undefined when all are taken. */
  take(heartbeatTimeoutMs: number): SlotLease | undefined {
    const words = this.#words;
    const startTime = processStartTime();
    const namespace = pidNamespace();
    for (let slot = 0; slot < PRODUCER_SLOTS; slot++) {
      const stateK = slotFieldIndex(slot, PRODUCER_SLOT_STATE_OFFSET);
      const word = Atomics.load(words, stateK);
      if ((word & STATE_MASK) !== SLOT_FREE) continue;
      // A fresh heartbeat before the slot opens: a reaper never sees the new incarnation
      // with the last one's (stale) heartbeat. Harmless in a free slot nobody reads.
      this.beat(slot);
      const taken = ((word & ~STATE_MASK) + GENERATION_STEP) | SLOT_OPEN;
      if (Atomics.compareExchange(words, stateK, word, taken) !== word) continue;
      const startK = slotFieldIndex(slot, PRODUCER_SLOT_START_TIME_OFFSET);
      Atomics.store(words, startK, startTime % 2 ** 32);
      Atomics.store(words, startK + 1, Math.floor(startTime / 2 ** 32));
      Atomics.store(words, slotFieldIndex(slot, PRODUCER_SLOT_PID_NAMESPACE_OFFSET), namespace);
      Atomics.store(
        words,
        slotFieldIndex(slot, PRODUCER_SLOT_HEARTBEAT_TIMEOUT_OFFSET),
        heartbeatTimeoutMs,
      );
      Atomics.store(words, slotFieldIndex(slot, PRODUCER_SLOT_PID_OFFSET), process.pid);
      return { slot, word: taken };
    }
    return undefined;
  }

  /**
   * Frees the slot if it still holds the incarnation `word` (its owner closing, or a reaper
   * that judged it dead). Returns whether this call freed it.
   */
  release(slot: number, word: number): boolean {
    const words = this.#words;
    const stateK = slotFieldIndex(slot, PRODUCER_SLOT_STATE_OFFSET);
    const closing = (word & ~STATE_MASK) | SLOT_CLOSING;
    if (Atomics.compareExchange(words, stateK, word, closing) !== word) return false;
    Atomics.store(words, slotFieldIndex(slot, PRODUCER_SLOT_PID_OFFSET), 0);
    Atomics.store(words, slotFieldIndex(slot, PRODUCER_SLOT_CLAIM_OFFSET), 0);
    Atomics.store(words, stateK, (word & ~STATE_MASK) | SLOT_FREE);
    return true;
  }

  /** Whether `word` is still the slot's incarnation. */
  holds(slot: number, word: number): boolean {
    return Atomics.load(this.#words, slotFieldIndex(slot, PRODUCER_SLOT_STATE_OFFSET)) === word;
  }

  /** holds() by a plain read, for hot paths: a slot reaped a moment ago may still look held. */
  seemsHeld(slot: number, word: number): boolean {
    return this.#words[slotFieldIndex(slot, PRODUCER_SLOT_STATE_OFFSET)] === word;
  }

  /** Records that the slot's producer is alive now. */
  beat(slot: number): void {
    Atomics.store(
      this.#words,
      slotFieldIndex(slot, PRODUCER_SLOT_HEARTBEAT_OFFSET),
      heartbeatNow(),
    );
  }

  /** The open slot as one consistent view, or undefined when it is not open. */
  read(slot: number): SlotView | undefined {
    const words = this.#words;
    const stateK = slotFieldIndex(slot, PRODUCER_SLOT_STATE_OFFSET);
    for (;;) {
      const word = Atomics.load(words, stateK);
      if ((word & STATE_MASK) !== SLOT_OPEN) return undefined;
      const view: SlotView = {
        slot,
        word,
        pid: Atomics.load(words, slotFieldIndex(slot, PRODUCER_SLOT_PID_OFFSET)),
        pidNamespace:
          Atomics.load(words, slotFieldIndex(slot, PRODUCER_SLOT_PID_NAMESPACE_OFFSET)) >>> 0,
        startTime: loadU64(words, slotFieldIndex(slot, PRODUCER_SLOT_START_TIME_OFFSET)),
        heartbeat: Atomics.load(words, slotFieldIndex(slot, PRODUCER_SLOT_HEARTBEAT_OFFSET)),
        heartbeatTimeoutMs: Atomics.load(
          words,
          slotFieldIndex(slot, PRODUCER_SLOT_HEARTBEAT_TIMEOUT_OFFSET),
        ),
        claim: Atomics.load(words, slotFieldIndex(slot, PRODUCER_SLOT_CLAIM_OFFSET)),
      };
      if (Atomics.load(words, stateK) === word) return view;
    }
  }

  /** Every open slot, each read consistently. */
  openSlots(): SlotView[] {
    const views: SlotView[] = [];
    for (let slot = 0; slot < PRODUCER_SLOTS; slot++) {
      const view = this.read(slot);
      if (view !== undefined) views.push(view);
    }
    return views;
  }

  /** How many slots are taken (open, or being closed). */
  count(): number {
    let count = 0;
    for (let slot = 0; slot < PRODUCER_SLOTS; slot++) {
      const state =
        Atomics.load(this.#words, slotFieldIndex(slot, PRODUCER_SLOT_STATE_OFFSET)) & STATE_MASK;
      if (state !== SLOT_FREE) count++;
    }
    return count;
  }
}
