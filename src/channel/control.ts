// The control words of a channel's metadata page: status flags, producer registry, and
// the two eventcounts (data available, space available). Layout: docs/FORMAT.md.
import { ShmringError } from '../errors.js';
import {
  CONSUMER_PID_OFFSET,
  CONSUMER_START_TIME_OFFSET,
  DATA_AVAILABLE_FUTEX_OFFSET,
  METADATA_LENGTH,
  PRODUCER_COUNT_OFFSET,
  PRODUCER_REGISTRY_OFFSET,
  PRODUCER_SLOT_LENGTH,
  PRODUCER_SLOT_PID_OFFSET,
  PRODUCER_SLOT_START_TIME_OFFSET,
  PRODUCER_SLOT_STATE_OFFSET,
  PRODUCER_SLOTS,
  SLEEPING_CONSUMERS_OFFSET,
  SLEEPING_PRODUCERS_OFFSET,
  SPACE_AVAILABLE_FUTEX_OFFSET,
  STATUS_BROKEN,
  STATUS_CONSUMER_CLOSED,
  STATUS_KEEP_OPEN,
  STATUS_OFFSET,
  STATUS_PRODUCERS_CLOSED,
} from '../ring/metadata.js';
import { processStartTime } from '../ring/process-info.js';
import { isProcessAlive } from '../lifecycle/liveness.js';
import { EventCount } from '../wait/index.js';
import { MappingHealth } from '../segment/health.js';

/**
 * Set in the open-producer count by the producer whose close ends the stream, in the same
 * CAS that takes the count from 1: an opener's CAS can then never land on an ended stream.
 */
const COUNT_ENDED = 1 << 30;

/** A u64 field of the metadata page (two little-endian int32 halves; start times stay far below 2^53). */
export function loadU64(words: Int32Array, offset: number): number {
  return (
    (Atomics.load(words, offset >>> 2) >>> 0) +
    (Atomics.load(words, (offset + 4) >>> 2) >>> 0) * 2 ** 32
  );
}

/** Producer registry slot states. */
const SLOT_FREE = 0;
const SLOT_OPEN = 1;
const SLOT_CLOSING = 2;

export class ChannelControl {
  /** Int32 view over the metadata page. */
  readonly words: Int32Array;
  /** Consumers sleep here; producers notify after publishing. */
  readonly dataAvailable: EventCount;
  /** Producers sleep here when the ring is full; the consumer notifies after freeing space. */
  readonly spaceAvailable: EventCount;
  readonly #health: MappingHealth;

  constructor(buffer: SharedArrayBuffer) {
    this.#health = MappingHealth.of(buffer);
    this.words = new Int32Array(buffer, 0, METADATA_LENGTH >>> 2);
    this.dataAvailable = new EventCount(
      this.words,
      DATA_AVAILABLE_FUTEX_OFFSET >>> 2,
      SLEEPING_CONSUMERS_OFFSET >>> 2,
    );
    this.spaceAvailable = new EventCount(
      this.words,
      SPACE_AVAILABLE_FUTEX_OFFSET >>> 2,
      SLEEPING_PRODUCERS_OFFSET >>> 2,
    );
  }

  #hasStatus(flag: number): boolean {
    return (Atomics.load(this.words, STATUS_OFFSET >>> 2) & flag) !== 0;
  }

  #setStatus(flag: number): void {
    Atomics.or(this.words, STATUS_OFFSET >>> 2, flag);
  }

  /** The consumer has closed: sends fail with EPIPE. */
  get consumerClosed(): boolean {
    return this.#hasStatus(STATUS_CONSUMER_CLOSED);
  }

  /** Every producer has closed: the consumer drains what is left, then sees end-of-stream. */
  get ended(): boolean {
    return this.#hasStatus(STATUS_PRODUCERS_CLOSED);
  }

  /**
   * Someone found the shared memory corrupt, or the segment was truncated under this
   * process (the SIGBUS guard found its pages gone): nobody may trust the ring any more.
   * The status is read first: on a truncated segment that read is what faults.
   */
  get broken(): boolean {
    return this.#hasStatus(STATUS_BROKEN) || this.#health.faulted;
  }

  /** Makes the stream outlive its producers (a server's inbox); set by the creator. */
  keepOpen(): void {
    this.#setStatus(STATUS_KEEP_OPEN);
  }

  /** Records that the consumer closed and wakes producers blocked on a full ring. */
  closeConsumer(): void {
    this.#setStatus(STATUS_CONSUMER_CLOSED);
    this.spaceAvailable.notifyAll();
  }

  /** Marks the channel broken and wakes everyone, so nobody waits on garbage. */
  markBroken(): void {
    this.#setStatus(STATUS_BROKEN);
    this.dataAvailable.notifyAll();
    this.spaceAvailable.notifyAll();
  }

  /** The number of producers that opened and have not closed. */
  get openProducers(): number {
    return Atomics.load(this.words, PRODUCER_COUNT_OFFSET >>> 2) & ~COUNT_ENDED;
  }

  /**
   * Registers a producer: takes a registry slot (its id in fragment headers and liveness
   * checks) and counts it open. `single` refuses a second producer (SPSC).
   */
  openProducer(single: boolean): number {
    if (this.consumerClosed)
      throw new ShmringError('EPIPE', 'the channel is closed by its consumer');
    const countK = PRODUCER_COUNT_OFFSET >>> 2;
    for (;;) {
      const count = Atomics.load(this.words, countK);
      if ((count & COUNT_ENDED) !== 0 || this.ended)
        throw new ShmringError('EPIPE', 'the channel has ended: all its producers closed');
      if (single && count !== 0)
        throw new ShmringError('EBUSY', 'a single-producer channel already has its producer');
      if (Atomics.compareExchange(this.words, countK, count, count + 1) === count) break;
    }
    for (let slot = 0; slot < PRODUCER_SLOTS; slot++) {
      const stateK =
        (PRODUCER_REGISTRY_OFFSET + slot * PRODUCER_SLOT_LENGTH + PRODUCER_SLOT_STATE_OFFSET) >>> 2;
      if (Atomics.compareExchange(this.words, stateK, SLOT_FREE, SLOT_OPEN) === SLOT_FREE) {
        const base = PRODUCER_REGISTRY_OFFSET + slot * PRODUCER_SLOT_LENGTH;
        this.#storeIdentity(
          base + PRODUCER_SLOT_PID_OFFSET,
          base + PRODUCER_SLOT_START_TIME_OFFSET,
        );
        return slot;
      }
    }
    Atomics.sub(this.words, countK, 1);
    throw new ShmringError('EMFILE', `the channel already has ${PRODUCER_SLOTS} producers`);
  }

  /**
   * Unregisters a producer. The last one to close ends the stream and wakes the consumer.
   */
  closeProducer(slot: number): void {
    const base = PRODUCER_REGISTRY_OFFSET + slot * PRODUCER_SLOT_LENGTH;
    // Only the closer that frees the slot counts it out: a producer closing while the
    // consumer reaps it as dead must not be counted twice.
    if (
      Atomics.compareExchange(
        this.words,
        (base + PRODUCER_SLOT_STATE_OFFSET) >>> 2,
        SLOT_OPEN,
        SLOT_CLOSING,
      ) !== SLOT_OPEN
    )
      return;
    Atomics.store(this.words, (base + PRODUCER_SLOT_PID_OFFSET) >>> 2, 0);
    Atomics.store(this.words, (base + PRODUCER_SLOT_STATE_OFFSET) >>> 2, SLOT_FREE);
    // Everything this producer published precedes the flag (sequentially consistent
    // atomics), so a consumer that sees the flag and then drains misses nothing.
    const countK = PRODUCER_COUNT_OFFSET >>> 2;
    const endsStream = !this.#hasStatus(STATUS_KEEP_OPEN);
    for (;;) {
      const count = Atomics.load(this.words, countK);
      const next = count === 1 && endsStream ? COUNT_ENDED : count - 1;
      if (Atomics.compareExchange(this.words, countK, count, next) !== count) continue;
      if (next === COUNT_ENDED) this.#setStatus(STATUS_PRODUCERS_CLOSED);
      break;
    }
    this.dataAvailable.notifyAll();
  }

  /**
   * Closes, on their behalf, the registered producers whose process is gone (killed, or
   * exited without closing). Returns their slots, so that messages they left half-written
   * can be dropped.
   */
  reapDeadProducers(): number[] {
    const reaped: number[] = [];
    for (let slot = 0; slot < PRODUCER_SLOTS; slot++) {
      const base = PRODUCER_REGISTRY_OFFSET + slot * PRODUCER_SLOT_LENGTH;
      if (Atomics.load(this.words, (base + PRODUCER_SLOT_STATE_OFFSET) >>> 2) !== SLOT_OPEN)
        continue;
      const pid = Atomics.load(this.words, (base + PRODUCER_SLOT_PID_OFFSET) >>> 2);
      // pid 0: the producer is between taking the slot and writing its identity.
      if (
        pid === 0 ||
        isProcessAlive(pid, loadU64(this.words, base + PRODUCER_SLOT_START_TIME_OFFSET))
      )
        continue;
      this.closeProducer(slot);
      reaped.push(slot);
    }
    return reaped;
  }

  /**
   * False once the consumer is known gone: its process is not alive and its heartbeat is
   * older than `heartbeatTimeoutMs` (both, so that a consumer in another pid namespace,
   * whose pid we cannot see, still counts as alive while it beats).
   */
  consumerAlive(heartbeatTimeoutMs: number, heartbeatTime: number): boolean {
    const pid = Atomics.load(this.words, CONSUMER_PID_OFFSET >>> 2);
    if (pid === 0 || this.consumerClosed) return true; // nobody attached yet, or closed on purpose (EPIPE)
    if (isProcessAlive(pid, loadU64(this.words, CONSUMER_START_TIME_OFFSET))) return true;
    return Date.now() - heartbeatTime < heartbeatTimeoutMs;
  }

  /**
   * Records the consumer's identity (for liveness checks by producers) and reopens a channel
   * a previous consumer closed. EBUSY while another consumer is attached and alive.
   */
  openConsumer(): void {
    const pid = Atomics.load(this.words, CONSUMER_PID_OFFSET >>> 2);
    if (
      pid !== 0 &&
      !this.consumerClosed &&
      isProcessAlive(pid, loadU64(this.words, CONSUMER_START_TIME_OFFSET))
    ) {
      throw new ShmringError('EBUSY', `the channel already has a receiver (pid ${pid})`);
    }
    this.#storeIdentity(CONSUMER_PID_OFFSET, CONSUMER_START_TIME_OFFSET);
    Atomics.and(this.words, STATUS_OFFSET >>> 2, ~STATUS_CONSUMER_CLOSED);
  }

  // pid and process start time: together they survive pid reuse. The pid goes last, so a
  // reader that sees it sees the start time too (a u64 stored as two little-endian halves).
  #storeIdentity(pidOffset: number, startTimeOffset: number): void {
    const startTime = processStartTime();
    Atomics.store(this.words, startTimeOffset >>> 2, startTime % 2 ** 32);
    Atomics.store(this.words, (startTimeOffset + 4) >>> 2, Math.floor(startTime / 2 ** 32));
    Atomics.store(this.words, pidOffset >>> 2, process.pid);
  }
}
