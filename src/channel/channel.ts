// Opening channels: the functions users call to get a Receiver or a Sender.
import { agreeCodec, codecNameOf, type CodecOption } from '../codec/index.js';
import { attachRing, createRing, readMetadata } from '../ring/index.js';
import type { Segment } from '../segment/index.js';
import { invalidArgType } from '../errors.js';
import { waitPolicy } from '../wait/index.js';
import { createOrTakeOver, openSegment } from './backing.js';
import { Consumer } from './consumer.js';
import type { Endpoint } from './endpoint.js';
import { ChannelControl } from './control.js';
import { resolveOptions, type ChannelOptions } from './options.js';
import { Producer } from './producer.js';
import { Receiver } from './receiver.js';
import { Sender } from './sender.js';

/** A channel's shared memory handed over in-process (e.g. posted to a worker thread). */
export type SharedChannel = SharedArrayBuffer;

// Closes the segment if building the endpoint on it fails, so nothing leaks.
function onSegment<R>(segment: Segment, build: (segment: Segment) => R, cleanup?: () => void): R {
  try {
    return build(segment);
  } catch (error) {
    segment.close();
    cleanup?.();
    throw error;
  }
}

// The public wrapper of a fresh endpoint; the endpoint is closed again if building it fails
// (a bad codec, say), or it would hold the stream open or the receiver's place for good.
function wrap<E extends Endpoint, R>(endpoint: E, build: (endpoint: E) => R): R {
  try {
    return build(endpoint);
  } catch (error) {
    endpoint.close();
    throw error;
  }
}

function target(name: unknown): string | SharedArrayBuffer {
  if (typeof name === 'string' || typeof name === 'number' || name instanceof SharedArrayBuffer)
    return name as string | SharedArrayBuffer;
  throw invalidArgType(
    'name',
    'a string (or a SharedArrayBuffer from sender/receiver.buffer)',
    name,
  );
}

type Resolved<T> = ReturnType<typeof resolveOptions<T>>;

// The codec this side uses on the channel in `buffer`, agreed with the one its creator
// recorded; checked before attaching, so a refused opener leaves no trace in the channel.
function codecFor<T>(
  buffer: SharedArrayBuffer,
  o: Resolved<T>,
  name: string,
): CodecOption<T> | undefined {
  return agreeCodec(readMetadata(buffer).codecName, o.codec, name);
}

function senderOnBuffer<T>(
  buffer: SharedArrayBuffer,
  o: Resolved<T>,
  name: string,
  segment: Segment | undefined,
): Sender<T> {
  const codec = codecFor(buffer, o, name);
  return wrap(
    new Producer(attachRing(buffer), new ChannelControl(buffer), waitPolicy(o)),
    (p) => new Sender<T>(name, p, codec, segment),
  );
}

function receiverOnBuffer<T>(
  buffer: SharedArrayBuffer,
  o: Resolved<T>,
  name: string,
  segment: Segment | undefined,
  unlink: Resolved<T>['unlink'],
  owned: boolean,
): Receiver<T> {
  const codec = codecFor(buffer, o, name);
  const consumer = new Consumer(attachRing(buffer), new ChannelControl(buffer), waitPolicy(o));
  const limits = { maxMessageBytes: o.maxMessageBytes, maxReassemblyBytes: o.maxReassemblyBytes };
  return wrap(consumer, (c) => new Receiver<T>(name, c, codec, limits, segment, unlink, owned));
}

/** @internal A Sender on the ring in `segment` (which it closes on close). */
export function senderOn<T>(segment: Segment, o: Resolved<T>): Sender<T> {
  return onSegment(segment, (s) => senderOnBuffer(s.buffer, o, s.name, s));
}

/** @internal The Receiver on the ring in `segment` (which it closes on close). */
export function receiverOn<T>(segment: Segment, o: Resolved<T>, owned: boolean): Receiver<T> {
  return onSegment(segment, (s) => receiverOnBuffer(s.buffer, o, s.name, s, o.unlink, owned));
}

// A new segment holding a fresh ring (with the options that live in shared memory),
// handed to `endpoint`; removed again if anything fails.
function withNewChannel<T, R>(name: string, o: Resolved<T>, endpoint: (segment: Segment) => R): R {
  const segment = createOrTakeOver(
    target(name) as string,
    o.backing,
    o.capacity,
    o.mode,
    o.takeOver,
  );
  return onSegment(
    segment,
    (s) => {
      createRing(s.buffer, { kind: o.kind, capacity: o.capacity, codecName: codecNameOf(o.codec) });
      if (o.keepOpen) new ChannelControl(s.buffer).keepOpen();
      return endpoint(s);
    },
    () => segment.unlink(),
  );
}

/**
 * Creates a channel (a new segment holding one ring) and returns its Receiver.
 * Senders attach with openChannel(name). By default the name is removed when the
 * receiver closes (`unlink` option).
 */
export function createChannel<T = unknown>(name: string, options?: ChannelOptions<T>): Receiver<T> {
  const o = resolveOptions(options);
  return withNewChannel(name, o, (s) => receiverOn<T>(s, o, o.unlink !== 'never'));
}

/**
 * Attaches a Sender to an existing channel: by name, or by its SharedArrayBuffer (in a
 * worker thread). The ring's kind and size come from the channel itself.
 */
export function openChannel<T = unknown>(
  name: string | SharedChannel,
  options?: ChannelOptions<T>,
): Sender<T> {
  const o = resolveOptions(options);
  const where = target(name);
  if (where instanceof SharedArrayBuffer) return senderOnBuffer<T>(where, o, 'shared', undefined);
  return senderOn<T>(openSegment(where, o.backing, o.allowUids), o);
}

/**
 * Attaches the Receiver of an existing channel (one created with `unlink: 'never'`, a
 * file-backed one, or one shared with a worker): messages sent while nobody received are
 * delivered now. Refused with EBUSY while another receiver is attached. It does not remove
 * the name on close unless asked: close({ unlink: true }).
 */
export function openReceiver<T = unknown>(
  name: string | SharedChannel,
  options?: ChannelOptions<T>,
): Receiver<T> {
  const o = resolveOptions(options);
  const where = target(name);
  if (where instanceof SharedArrayBuffer)
    return receiverOnBuffer<T>(where, o, 'shared', undefined, 'never', false);
  return receiverOn<T>(openSegment(where, o.backing, o.allowUids), o, false);
}

/**
 * Creates a channel and returns a Sender into it, for a writer that starts before any
 * receiver: what it sends waits in the ring for openReceiver(). The segment stays until a
 * receiver closes with `{ unlink: true }` or `shmring rm` removes it.
 */
export function createSender<T = unknown>(name: string, options?: ChannelOptions<T>): Sender<T> {
  const o = resolveOptions(options);
  return withNewChannel(name, o, (s) => senderOn<T>(s, o));
}
