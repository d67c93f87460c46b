// Opening channels: the functions users call to get a Receiver or a Sender.
import { attachRing, createRing } from '../ring/index.js';
import type { Segment } from '../segment/index.js';
import { invalidArgType } from '../errors.js';
import { waitPolicy } from '../wait/index.js';
import { createSegment, openSegment } from './backing.js';
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

/** @internal A Sender on the ring in `segment` (which it closes on close). */
export function senderOn<T>(segment: Segment, o: Resolved<T>): Sender<T> {
  return onSegment(segment, (s) =>
    wrap(
      new Producer(attachRing(s.buffer), new ChannelControl(s.buffer), waitPolicy(o)),
      (p) => new Sender<T>(s.name, p, o.codec, s),
    ),
  );
}

/** @internal The Receiver on the ring in `segment` (which it closes on close). */
export function receiverOn<T>(segment: Segment, o: Resolved<T>, owned: boolean): Receiver<T> {
  return onSegment(segment, (s) => {
    const consumer = new Consumer(
      attachRing(s.buffer),
      new ChannelControl(s.buffer),
      waitPolicy(o),
    );
    return wrap(consumer, (c) => new Receiver<T>(s.name, c, o.codec, s, o.unlink, owned));
  });
}

// A new segment holding a fresh ring (with the options that live in shared memory),
// handed to `endpoint`; removed again if anything fails.
function withNewChannel<T, R>(name: string, o: Resolved<T>, endpoint: (segment: Segment) => R): R {
  const segment = createSegment(target(name) as string, o.backing, o.capacity, o.mode);
  return onSegment(
    segment,
    (s) => {
      createRing(s.buffer, { kind: o.kind, capacity: o.capacity });
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
  if (where instanceof SharedArrayBuffer) {
    return wrap(
      new Producer(attachRing(where), new ChannelControl(where), waitPolicy(o)),
      (p) => new Sender<T>('shared', p, o.codec, undefined),
    );
  }
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
  if (where instanceof SharedArrayBuffer) {
    const consumer = new Consumer(attachRing(where), new ChannelControl(where), waitPolicy(o));
    return wrap(consumer, (c) => new Receiver<T>('shared', c, o.codec, undefined, 'never', false));
  }
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
