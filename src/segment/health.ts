// Whether a segment's memory is still what it was: the addon's SIGBUS guard marks a mapping
// faulted when another process truncated its object (the lost pages now read as zeros).
import { native } from '../native.js';

const FAULTED = 1;

// One view over the process-wide health words, shared by every segment in this thread.
let healthWords: Int32Array | undefined;

const byBuffer = new WeakMap<SharedArrayBuffer, MappingHealth>();

/**
 * The health of the mapping behind a SharedArrayBuffer, learnt from the buffer alone (a
 * worker that got the buffer by postMessage sees the same). A buffer that is not a
 * shmring mapping is always healthy.
 */
export class MappingHealth {
  readonly #words: Int32Array;
  readonly #slot: number;

  private constructor(words: Int32Array, slot: number) {
    this.#words = words;
    this.#slot = slot;
  }

  /** The (cached) health of `buffer`'s mapping. */
  static of(buffer: SharedArrayBuffer): MappingHealth {
    let health = byBuffer.get(buffer);
    if (health === undefined) {
      healthWords ??= new Int32Array(native.mappingHealth());
      const slot = buffer.byteLength === 0 ? -1 : native.mappingSlot(new Uint8Array(buffer, 0, 1));
      health = new MappingHealth(healthWords, slot);
      byBuffer.set(buffer, health);
    }
    return health;
  }

  /**
   * True once a page of the mapping was found gone (the object was truncated by someone):
   * nothing in it can be trusted any more. One plain load: the word is only ever set, by this
   * process's SIGBUS handler.
   */
  get faulted(): boolean {
    return this.#slot >= 0 && this.#words[this.#slot] === FAULTED;
  }
}
