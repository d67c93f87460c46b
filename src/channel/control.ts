// The control words of a channel's metadata page: status flags, producer registry, and
// the two eventcounts (data available, space available). Layout: docs/FORMAT.md.
import { ShmringError } from '../errors.js';
import {
  CONSUMER_ATTACH_LOCK_OFFSET,
  CONSUMER_PID_NAMESPACE_OFFSET,
  CONSUMER_PID_OFFSET,
  CONSUMER_START_TIME_OFFSET,
  DATA_AVAILABLE_FUTEX_OFFSET,
  DOORBELL_OFFSET,
  METADATA_LENGTH,
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
import { pidNamespace, processStartTime } from '../ring/process-info.js';
import { isProcessAlive, samePidNamespace } from '../lifecycle/liveness.js';
import { ProducerRegistry, type SlotLease, type SlotView } from '../lifecycle/registry.js';
import { EventCount } from '../wait/index.js';
import { MappingHealth } from '../segment/health.js';

/** A u64 field of the metadata page (two little-endian int32 halves; start times stay far below 2^53). */
export function loadU64(words: Int32Array, offset: number): number {
  return (
    (Atomics.load(words, offset >>> 2) >>> 0) +
    (Atomics.load(words, (offset + 4) >>> 2) >>> 0) * 2 ** 32
  );
}

/** How long (ms) an attach in progress is waited for before its holder is looked at. */
const ATTACH_WAIT_MS = 200;
/** Only ever waited on, with a timeout: a short sleep. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function ended(): ShmringError {
  return new ShmringError('EPIPE', 'the channel has ended: all its producers closed');
}

export class ChannelControl {
  /** Int32 view over the metadata page. */
  readonly words: Int32Array;
  /** Consumers sleep here; producers notify after publishing. */
  readonly dataAvailable: EventCount;
  /** Producers sleep here when the ring is full; the consumer notifies after freeing space. */
  readonly spaceAvailable: EventCount;
  readonly #health: MappingHealth;
  readonly registry: ProducerRegistry;

  constructor(buffer: SharedArrayBuffer) {
    this.#health = MappingHealth.of(buffer);
    this.words = new Int32Array(buffer, 0, METADATA_LENGTH >>> 2);
    this.registry = new ProducerRegistry(this.words);
    this.dataAvailable = new EventCount(
      this.words,
      DATA_AVAILABLE_FUTEX_OFFSET >>> 2,
      SLEEPING_CONSUMERS_OFFSET >>> 2,
      DOORBELL_OFFSET >>> 2,
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

  /**
   * Neither consumerClosed nor broken, by plain reads: the check every send makes first. A
   * flag another process set a moment ago may be missed, as if it were set just after.
   */
  get seemsWritable(): boolean {
    const status = this.words[STATUS_OFFSET >>> 2];
    return (status & (STATUS_CONSUMER_CLOSED | STATUS_BROKEN)) === 0 && !this.#health.faulted;
  }

  /** The consumer has closed: sends fail with EPIPE. */
  get consumerClosed(): boolean {
    return this.#hasStatus(STATUS_CONSUMER_CLOSED);
  }

  /**
   * Every producer has closed: the consumer drains what is left, then sees end-of-stream.
   * The flag is set by the last producer to close; a producer that opened in the same
   * instant (its slot taken before it could see the flag) keeps the stream going until it
   * closes too, so the registry is asked as well.
   */
  get ended(): boolean {
    return this.#hasStatus(STATUS_PRODUCERS_CLOSED) && this.registry.count() === 0;
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

  /** The number of producers that opened and have not closed (nor been reaped). */
  get openProducers(): number {
    return this.registry.count();
  }

  /**
   * Registers a producer: takes a registry slot (its id in fragment headers and liveness
   * checks) first, then checks that it may stay, so that a producer that dies at any point
   * leaves at most a slot the consumer reaps. `single` refuses a second producer (SPSC).
   */
  openProducer(single: boolean, heartbeatTimeoutMs: number): SlotLease {
    if (this.consumerClosed)
      throw new ShmringError('EPIPE', 'the channel is closed by its consumer');
    if (this.#hasStatus(STATUS_PRODUCERS_CLOSED)) throw ended();
    const lease = this.registry.take(heartbeatTimeoutMs);
    if (lease === undefined)
      throw new ShmringError('EMFILE', `the channel already has ${PRODUCER_SLOTS} producers`);
    // Slot first, flag second; a closer frees its slot first and counts second: one of us
    // sees the other (sequentially consistent atomics).
    let refusal: ShmringError | undefined;
    if (this.#hasStatus(STATUS_PRODUCERS_CLOSED)) refusal = ended();
    else if (single && this.registry.count() > 1)
      refusal = new ShmringError('EBUSY', 'a single-producer channel already has its producer');
    if (refusal !== undefined) {
      this.registry.release(lease.slot, lease.word);
      throw refusal;
    }
    return lease;
  }

  /**
   * Unregisters a producer (its own close, or the consumer reaping it: whoever frees the
   * slot's incarnation first). The last one to close ends the stream and wakes the consumer.
   * Returns whether this call closed it.
   */
  closeProducer(lease: SlotLease): boolean {
    if (!this.registry.release(lease.slot, lease.word)) return false;
    // Everything this producer published precedes the flag (sequentially consistent
    // atomics), so a consumer that sees the flag and then drains misses nothing.
    if (!this.#hasStatus(STATUS_KEEP_OPEN) && this.registry.count() === 0)
      this.#setStatus(STATUS_PRODUCERS_CLOSED);
    this.dataAvailable.notifyAll();
    return true;
  }

  /** The open producer slots, each read consistently (for the consumer's watchdog). */
  producerSlots(): SlotView[] {
    return this.registry.openSlots();
  }

  /**
   * False once the consumer is known gone: its heartbeat is older than `heartbeatTimeoutMs`
   * and, when it shares our pid namespace, its process is not alive either (a consumer in
   * another namespace, whose pid means nothing here, counts as alive while it beats).
   */
  consumerAlive(heartbeatTimeoutMs: number, heartbeatTime: number): boolean {
    const pid = Atomics.load(this.words, CONSUMER_PID_OFFSET >>> 2);
    if (pid === 0 || this.consumerClosed) return true; // nobody attached yet, or closed on purpose (EPIPE)
    if (Date.now() - heartbeatTime < heartbeatTimeoutMs) return true;
    return this.#consumerRuns(pid, heartbeatTimeoutMs, heartbeatTime);
  }

  // Whether the process of the consumer `pid` runs: its pid tells when it shares our pid
  // namespace, only its heartbeat otherwise.
  #consumerRuns(pid: number, heartbeatTimeoutMs: number, heartbeatTime: number): boolean {
    if (samePidNamespace(Atomics.load(this.words, CONSUMER_PID_NAMESPACE_OFFSET >>> 2) >>> 0))
      return isProcessAlive(pid, loadU64(this.words, CONSUMER_START_TIME_OFFSET));
    return Date.now() - heartbeatTime < heartbeatTimeoutMs;
  }

  /**
   * Attaches the consumer: records its identity (for liveness checks by producers) and
   * reopens a channel a previous consumer closed. EBUSY while another consumer is attached
   * and alive, or attaching. Checks and writes happen under the attach lock (a CAS of the
   * attaching process's pid into the lock word), so of two receivers attaching at once
   * exactly one wins; a lock whose holder died is taken over.
   */
  openConsumer(heartbeatTimeoutMs: number, heartbeatTime: number): void {
    const lockK = CONSUMER_ATTACH_LOCK_OFFSET >>> 2;
    let holder = Atomics.load(this.words, lockK);
    for (let waited = 0; holder !== 0 && waited < ATTACH_WAIT_MS; waited++) {
      Atomics.wait(PAUSE, 0, 0, 1);
      holder = Atomics.load(this.words, lockK);
    }
    if (
      (holder !== 0 && isProcessAlive(holder)) ||
      Atomics.compareExchange(this.words, lockK, holder, process.pid) !== holder
    )
      throw new ShmringError('EBUSY', 'another receiver is attaching to the channel');
    try {
      const pid = Atomics.load(this.words, CONSUMER_PID_OFFSET >>> 2);
      if (
        pid !== 0 &&
        !this.consumerClosed &&
        this.#consumerRuns(pid, heartbeatTimeoutMs, heartbeatTime)
      )
        throw new ShmringError('EBUSY', `the channel already has a receiver (pid ${pid})`);
      this.#storeIdentity();
      this.dataAvailable.resetDoorbell();
      Atomics.and(this.words, STATUS_OFFSET >>> 2, ~STATUS_CONSUMER_CLOSED);
    } finally {
      Atomics.store(this.words, lockK, 0);
    }
  }

  // pid, pid namespace and process start time: together they survive pid reuse. The pid
  // goes last, so a reader that sees it sees the rest too.
  #storeIdentity(): void {
    const startTime = processStartTime();
    const startK = CONSUMER_START_TIME_OFFSET >>> 2;
    Atomics.store(this.words, startK, startTime % 2 ** 32);
    Atomics.store(this.words, startK + 1, Math.floor(startTime / 2 ** 32));
    Atomics.store(this.words, CONSUMER_PID_NAMESPACE_OFFSET >>> 2, pidNamespace());
    Atomics.store(this.words, CONSUMER_PID_OFFSET >>> 2, process.pid);
  }
}
