// Creating and opening the segment behind a channel, whatever its backing.
import { statSync } from 'node:fs';

import { ShmringError, invalidArgType } from '../errors.js';
import { segmentState } from '../lifecycle/inspect.js';
import { ringSegmentSize } from '../ring/index.js';
import { Segment, shmPath, sysvName } from '../segment/index.js';
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

/** How the user removes a leftover segment by hand. */
function removalHint(name: string, backing: Backing): string {
  if (backing === 'file') return `rm ${name}`;
  return `shmring rm ${backing === 'sysv' ? sysvName(sysvKey(name)) : name}`;
}

// The path of a segment's name, to check that the name still means the object we examined.
function namePath(segment: Segment, backing: Backing): string | undefined {
  if (backing === 'shm') return shmPath(segment.name);
  return backing === 'file' ? segment.name : undefined;
}

/**
 * The existing segment under `name`: its state, and removed when it is stale and `takeOver`
 * allows. Before removing, the name is checked to still lead to the object examined (a
 * second process taking over the same name at the same time must not remove the first
 * one's new segment).
 */
function examineExisting(name: string, backing: Backing, takeOver: boolean): string {
  let segment: Segment;
  try {
    segment = openAnyBacking(name, backing);
  } catch (error) {
    return (error as { code?: string }).code === 'ENOENT' ? 'removed' : 'unreadable';
  }
  try {
    const state = segmentState(segment);
    if (state !== 'stale' || !takeOver) return state;
    const path = namePath(segment, backing);
    if (path !== undefined && statSync(path, { throwIfNoEntry: false })?.ino !== segment.stat().ino)
      return 'live'; // replaced meanwhile: someone else took it over
    segment.unlink();
    return 'removed';
  } finally {
    segment.close();
  }
}

/**
 * A new segment, as createSegment. When the name is taken: with takeOver 'stale' a stale
 * segment (a crash left it: its creator, receiver and senders are all gone) is removed and
 * replaced; otherwise EEXIST says what is there and how to remove a stale one.
 */
export function createOrTakeOver(
  name: string,
  backing: Backing,
  capacity: number,
  mode: number,
  takeOver: 'never' | 'stale',
): Segment {
  try {
    return createSegment(name, backing, capacity, mode);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
    const state = examineExisting(name, backing, takeOver === 'stale');
    if (state === 'removed') return createSegment(name, backing, capacity, mode);
    const what =
      state === 'stale'
        ? `${name} already exists but is stale: every process that used it is gone (a crash left it). Remove it with '${removalHint(name, backing)}', or pass takeOver: 'stale' to replace it`
        : state === 'live'
          ? `${name} already exists and a running process uses it`
          : `${name} already exists and is not a usable shmring channel`;
    throw new ShmringError('EEXIST', what, { cause: error });
  }
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
