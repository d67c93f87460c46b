// Reads what a shmring segment says about itself, for `shmring ls/stat/prune` and tests.
// Foreign objects in /dev/shm are recognised by their first four bytes (read, not mapped).
import { closeSync, openSync, readdirSync, readSync, constants as fsConstants } from 'node:fs';

import { ShmringError } from '../errors.js';
import {
  CONSUMER_PID_OFFSET,
  CONSUMER_START_TIME_OFFSET,
  MAGIC,
  STATUS_BROKEN,
  STATUS_CONSUMER_CLOSED,
  STATUS_OFFSET,
  STATUS_PRODUCERS_CLOSED,
  attachRing,
  readMetadata,
} from '../ring/index.js';
import { ChannelControl, loadU64 } from '../channel/control.js';
import { Segment, shmPath, sysvKeyOf, sysvKeys, sysvName } from '../segment/index.js';
import { DEFAULT_WAIT_POLICY } from '../wait/index.js';
import { isProcessAlive, isProducerAlive } from './liveness.js';

/** live: someone that uses it runs; stale: its creator and every user are gone; corrupt: bad metadata. */
export type SegmentState = 'live' | 'stale' | 'corrupt';

export interface ProcessRef {
  pid: number;
  alive: boolean;
}

export interface SegmentReport {
  /** '/name' for POSIX shm, 'sysv:0x...' for System V. */
  name: string;
  backing: 'posix' | 'sysv';
  state: SegmentState;
  /** Why the segment is corrupt. */
  problem?: string;
  sizeBytes: number;
  mode: number;
  uid: number;
  kind?: 'spsc' | 'mpsc';
  capacity?: number;
  maxMessageLength?: number;
  /** The codec the creator recorded; null for a segment made without one. */
  codec?: string | null;
  bytesInUse?: number;
  /** Status flags: ended (every producer closed), consumerClosed, broken. */
  ended?: boolean;
  consumerClosed?: boolean;
  broken?: boolean;
  openProducers?: number;
  producers?: ProcessRef[];
  consumer?: ProcessRef | null;
  creator?: ProcessRef;
  createdAt?: string;
  /** ms since the consumer's last heartbeat; null when it never wrote one. */
  heartbeatAgeMs?: number | null;
}

function hasMagic(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  } catch {
    return false; // someone else's, or gone
  }
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.readUInt32LE(0) === MAGIC;
  } finally {
    closeSync(fd);
  }
}

function describe(segment: Segment, backing: 'posix' | 'sysv'): SegmentReport {
  const info = segment.stat();
  const report: SegmentReport = {
    name: segment.name,
    backing,
    state: 'live',
    sizeBytes: segment.size,
    mode: info.mode & 0o7777,
    uid: info.uid,
  };
  try {
    const metadata = readMetadata(segment.buffer);
    const ring = attachRing(segment.buffer);
    const words = new Int32Array(segment.buffer, 0, 1024);
    const status = Atomics.load(words, STATUS_OFFSET >>> 2);
    const ref = (pidOffset: number, startOffset: number): ProcessRef => {
      const pid = Atomics.load(words, pidOffset >>> 2);
      return { pid, alive: isProcessAlive(pid, loadU64(words, startOffset)) };
    };
    const control = new ChannelControl(segment.buffer);
    const producers: ProcessRef[] = control.producerSlots().map((view) => ({
      pid: view.pid,
      alive: isProducerAlive(view, DEFAULT_WAIT_POLICY.heartbeatTimeoutMs, true),
    }));
    const consumerPid = Atomics.load(words, CONSUMER_PID_OFFSET >>> 2);
    const consumer =
      consumerPid === 0 ? null : ref(CONSUMER_PID_OFFSET, CONSUMER_START_TIME_OFFSET);
    const creator = {
      pid: metadata.creatorPid,
      alive: isProcessAlive(metadata.creatorPid, metadata.creatorStartTime),
    };
    const heartbeat = ring.consumerHeartbeatTime;
    Object.assign(report, {
      kind: metadata.kind,
      capacity: metadata.capacity,
      maxMessageLength: metadata.maxMessageLength,
      codec: metadata.codecName ?? null,
      bytesInUse: ring.size(),
      ended: (status & STATUS_PRODUCERS_CLOSED) !== 0,
      consumerClosed: (status & STATUS_CONSUMER_CLOSED) !== 0,
      broken: (status & STATUS_BROKEN) !== 0,
      openProducers: control.openProducers,
      producers,
      consumer,
      creator,
      createdAt: new Date(metadata.createdAt).toISOString(),
      heartbeatAgeMs: heartbeat > 0 ? Math.max(0, Date.now() - heartbeat) : null,
    });
    const anyoneAlive = creator.alive || consumer?.alive === true || producers.some((p) => p.alive);
    report.state = report.broken ? 'corrupt' : anyoneAlive ? 'live' : 'stale';
    if (report.broken) report.problem = 'marked broken: a peer found its records corrupt';
  } catch (error) {
    const code = (error as ShmringError).code;
    if (code !== 'ERR_SHMRING_BAD_FORMAT' && code !== 'ERR_SHMRING_NOT_READY') throw error;
    report.state = 'corrupt';
    report.problem = (error as Error).message;
  }
  return report;
}

/** Whether an open segment is live, stale (everyone who used it is gone) or corrupt. */
export function segmentState(segment: Segment): SegmentState {
  return describe(segment, segment.kind === 'sysv' ? 'sysv' : 'posix').state;
}

/** Opens a segment by its shmring name ('/name' or 'sysv:0x...'). */
export function openByName(name: string): Segment {
  const key = sysvKeyOf(name);
  return key === undefined ? Segment.open(name) : Segment.openSysv(key);
}

/** Full report of one shmring segment; ERR_SHMRING_NOT_SHMRING if it is someone else's. */
export function inspectSegment(name: string): SegmentReport {
  const key = sysvKeyOf(name);
  if (key === undefined && !hasMagic(shmPath(name))) {
    Segment.open(name).close(); // ENOENT / EACCES / bad name, with the usual errors
    throw new ShmringError(
      'ERR_SHMRING_NOT_SHMRING',
      `${name} is not a shmring segment (no shmring magic)`,
    );
  }
  const segment = openByName(name);
  try {
    if (key !== undefined && new DataView(segment.buffer).getUint32(0, true) !== MAGIC) {
      throw new ShmringError(
        'ERR_SHMRING_NOT_SHMRING',
        `${name} is not a shmring segment (no shmring magic)`,
      );
    }
    return describe(segment, key === undefined ? 'posix' : 'sysv');
  } finally {
    segment.close();
  }
}

/** Every shmring segment this user can read: POSIX ones in /dev/shm, then System V ones. */
export function listSegments(): SegmentReport[] {
  const reports: SegmentReport[] = [];
  const names = readdirSync('/dev/shm')
    .map((entry) => `/${entry}`)
    .filter((name) => hasMagic(shmPath(name)));
  for (const name of [...names, ...sysvKeys().map(sysvName)]) {
    try {
      reports.push(inspectSegment(name));
    } catch {
      // gone meanwhile, not ours to read, or not shmring's
    }
  }
  return reports;
}

/** Removes a segment by its shmring name: shm_unlink, or IPC_RMID for System V. */
export function removeSegment(name: string): void {
  const key = sysvKeyOf(name);
  if (key === undefined) Segment.unlink(name);
  else Segment.removeSysv(key);
}
