// The shared-memory segments of the shmring rows: named per run (context.runId), unlinked as soon
// as the peers have mapped them (a mapping outlives its name), again on close, and at the latest
// when this process exits, so nothing stays in /dev/shm after a run, a failure or a Ctrl-C.
import { createRing, ringSegmentSize, type RingKind } from '../../src/ring/index.js';
import { Segment } from '../../src/segment/index.js';

/** Names created by this process and not unlinked yet. */
const live = new Set<string>();
let created = 0;

process.once('exit', () => {
  for (const name of live) unlinkSegment(name);
});

/** A POSIX shm name unique to this run and call: `/shmring-bench-<runId>-<label>-<n>`. */
export function segmentName(runId: string, label: string): string {
  return `/shmring-bench-${runId}-${label}-${++created}`;
}

/** Removes a segment's name (mappings stay valid); a name already gone is fine. */
export function unlinkSegment(name: string): void {
  live.delete(name);
  try {
    Segment.unlink(name);
  } catch {
    // already unlinked
  }
}

/** Has `name` (created by a channel function) unlinked at the latest when this process exits. */
export function trackSegment(name: string): string {
  live.add(name);
  return name;
}

/** A new named segment of `bytes` bytes, tracked until unlinkSegment(). */
export function createSegment(name: string, bytes: number): Segment {
  const segment = Segment.create(name, bytes);
  live.add(name);
  return segment;
}

/** A new named segment holding an empty ring. */
export function createRingSegment(name: string, kind: RingKind, capacity: number): Segment {
  const segment = createSegment(name, ringSegmentSize(capacity));
  try {
    createRing(segment.buffer, { kind, capacity });
    return segment;
  } catch (error) {
    segment.close();
    unlinkSegment(name);
    throw error;
  }
}

/** Undo actions run last-in first-out, each once, errors ignored (for open failures and close()). */
export class Cleanup {
  private readonly actions: (() => unknown)[] = [];

  add(action: () => unknown): void {
    this.actions.push(action);
  }

  async run(): Promise<void> {
    for (let action = this.actions.pop(); action !== undefined; action = this.actions.pop()) {
      try {
        await action();
      } catch {
        // keep going: everything else must still be released
      }
    }
  }
}
