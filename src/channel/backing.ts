// Creating and opening the segment behind a channel, whatever its backing.
import { ShmringError, invalidArgType } from '../errors.js';
import { ringSegmentSize } from '../ring/index.js';
import { Segment } from '../segment/index.js';
import type { Backing } from './options.js';

function sysvKey(name: string | number): number {
  const key = typeof name === 'number' ? name : Number(name);
  if (!Number.isInteger(key))
    throw invalidArgType('name', "a numeric System V key with backing 'sysv'", name);
  return key;
}

/** A new segment sized for a ring of `capacity` bytes. */
export function createSegment(
  name: string,
  backing: Backing,
  capacity: number,
  mode: number,
): Segment {
  const size = ringSegmentSize(capacity);
  if (backing === 'file') return Segment.createFile(name, size, { mode });
  if (backing === 'sysv') return Segment.createSysv(sysvKey(name), size, { mode });
  return Segment.create(name, size, { mode });
}

function openAnyBacking(name: string, backing: Backing): Segment {
  if (backing === 'file') return Segment.openFile(name);
  if (backing === 'sysv') return Segment.openSysv(sysvKey(name));
  return Segment.open(name);
}

/**
 * An existing segment, refused (EACCES) when another user owns it and `allowUids` does not
 * name that user: root can open anything, but should not talk to a stranger's channel by
 * accident, and nobody should attach to a segment someone else planted under a known name.
 */
export function openSegment(
  name: string,
  backing: Backing,
  allowUids: readonly number[] = [],
): Segment {
  const segment = openAnyBacking(name, backing);
  const owner = segment.stat().uid;
  const me = process.geteuid?.() ?? owner;
  if (owner !== me && !allowUids.includes(owner)) {
    segment.close();
    throw new ShmringError(
      'EACCES',
      `${segment.name} belongs to uid ${owner}, not to this process (uid ${me}); pass allowUids: [${owner}] to trust it`,
    );
  }
  return segment;
}
