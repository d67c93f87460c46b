// Peer process for test/recovery.test.ts. One JSON argument:
//   { role: 'victim', name, before, claim?, wrap?, stop? }
//        sends {seq, pid} values 0..before-1, then (claim) claims a record through its own
//        registered producer and never commits it; with wrap, it first sends until the tail is
//        near the end of the data area, so that the claim wraps to index 0. Prints "claimed
//        after <values sent>" (or "sent") and hangs until killed.
//   { role: 'hostile', name }   commits a first fragment announcing 1 GiB and nothing more of
//        it, then sends one value and closes
//   { role: 'late-commit', name, idleMs, options? }   claims, prints "claimed", commits idleMs
//        later and prints {committed} or {committed: false, code}
//   { role: 'send', name, count, options? }  sends {seq, pid} values, closes, prints {sent}
//   { role: 'soak', name, count, big }   sends {seq, pid, pad} values (every 7th one `big`
//        bytes, in fragments) as fast as it can, until killed or done
//   { role: 'idle-send', name, idleMs, count }   opens, idles idleMs, then sends and closes
//   { role: 'receive', name, startAt, options }   at epoch ms startAt, openReceiver (kept until killed): prints {attached: true} or {attached: false, code}
//   { role: 'park-receive', name }   creates an MPSC channel (4 KiB, wait 'park'), prints
//        "ready", receives for ever
//   { role: 'park-send', name }      wait 'park', prints "sending", sends for ever
import { attachRing } from '../../src/ring/index.js';
import {
  FIRST_FRAGMENT_HEADER_LENGTH,
  FRAGMENT_MESSAGE_TYPE_OFFSET,
  FRAGMENT_SLOT_OFFSET,
  FRAGMENT_TOTAL_LENGTH_OFFSET,
  RECORD_FRAGMENT_FIRST,
  RECORD_MSGPACK,
} from '../../src/codec/record-types.js';
import { ChannelControl } from '../../src/channel/control.js';
import { Producer } from '../../src/channel/producer.js';
import { Sender } from '../../src/channel/sender.js';
import { createChannel, openChannel, openReceiver } from '../../src/channel/index.js';
import { Segment } from '../../src/segment/index.js';
import { waitPolicy } from '../../src/wait/index.js';

const plan = JSON.parse(process.argv[2]) as {
  role: string;
  name: string;
  before?: number;
  count?: number;
  claim?: boolean;
  wrap?: boolean;
  idleMs?: number;
  big?: number;
  startAt?: number;
  options?: Record<string, unknown>;
};
const hang = (): void => void setInterval(() => {}, 1000);

/** A sender whose producer (and so its registered, tracked ring) we can reach. */
function registeredSender(): { sender: Sender; producer: Producer } {
  const segment = Segment.open(plan.name);
  const producer = new Producer(
    attachRing(segment.buffer),
    new ChannelControl(segment.buffer),
    waitPolicy(plan.options ?? {}),
  );
  return { sender: new Sender(plan.name, producer, undefined, segment), producer };
}

if (plan.role === 'victim') {
  const { sender, producer } = registeredSender();
  for (let seq = 0; seq < plan.before!; seq++) sender.sendSync({ seq, pid: process.pid });
  if (plan.wrap === true) {
    const ring = producer.ring;
    const mask = ring.capacity - 1;
    // Small values until a 200-byte claim no longer fits before the end of the data area.
    let seq = plan.before!;
    while (ring.capacity - (ring.producerPosition() & mask) >= 200)
      sender.sendSync({ seq: seq++, pid: process.pid });
  }
  if (plan.claim === true) {
    // At the wrap the claim goes to index 0: wait for the receiver to free it.
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let tries = 0; producer.ring.tryClaim(1, 200 - 8) < 0; tries++) {
      if (tries > 10_000) throw new Error('ring full');
      Atomics.wait(pause, 0, 0, 1);
    }
    console.log(`claimed after ${producer.ring.claims - 1}`);
  } else {
    console.log('sent');
  }
  hang();
} else if (plan.role === 'hostile') {
  // A first fragment announcing a huge message, then nothing more of it; then a value.
  const { sender, producer } = registeredSender();
  const ring = producer.ring;
  const at = ring.tryClaim(RECORD_FRAGMENT_FIRST, FIRST_FRAGMENT_HEADER_LENGTH + 8);
  const view = new DataView(ring.buffer);
  view.setUint32(at + FRAGMENT_SLOT_OFFSET, producer.slot, true);
  view.setUint32(at + FRAGMENT_MESSAGE_TYPE_OFFSET, RECORD_MSGPACK, true);
  view.setUint32(at + FRAGMENT_TOTAL_LENGTH_OFFSET, 2 ** 30 - 1, true);
  view.setUint32(at + FRAGMENT_TOTAL_LENGTH_OFFSET + 4, 0, true);
  ring.commit(at);
  sender.sendSync({ seq: 0, pid: process.pid });
  sender.close();
  console.log('done');
} else if (plan.role === 'late-commit') {
  // Claims, prints "claimed", and commits idleMs later (the test stops it meanwhile).
  const { producer } = registeredSender();
  const at = producer.ring.tryClaim(1, 64);
  console.log('claimed');
  setTimeout(() => {
    try {
      producer.ring.commit(at);
      console.log(JSON.stringify({ committed: true }));
    } catch (error) {
      console.log(JSON.stringify({ committed: false, code: (error as { code?: string }).code }));
    }
  }, plan.idleMs);
} else if (plan.role === 'send') {
  const sender = openChannel(plan.name, plan.options);
  for (let seq = 0; seq < plan.count!; seq++) sender.sendSync({ seq, pid: process.pid });
  sender.close();
  console.log(JSON.stringify({ sent: plan.count }));
} else if (plan.role === 'soak') {
  const sender = openChannel(plan.name, { producers: 'multi' });
  const pad = 'x'.repeat(plan.big!);
  console.log('started');
  for (let seq = 0; seq < plan.count!; seq++)
    sender.sendSync({ seq, pid: process.pid, pad: seq % 7 === 3 ? pad : '' });
  // (big values: plan.big bytes, in fragments when over the ring's max message length)
  sender.close();
  console.log(JSON.stringify({ sent: plan.count }));
} else if (plan.role === 'idle-send') {
  const sender = openChannel(plan.name, plan.options);
  console.log('opened');
  setTimeout(() => {
    for (let seq = 0; seq < plan.count!; seq++) sender.sendSync({ seq, pid: process.pid });
    sender.close();
    console.log(JSON.stringify({ sent: plan.count }));
  }, plan.idleMs);
} else if (plan.role === 'park-receive') {
  const receiver = createChannel(plan.name, {
    producers: 'multi',
    capacity: 4096,
    wait: 'park',
    unlink: 'never',
  });
  console.log('ready');
  void (async () => {
    for (;;) await receiver.receive();
  })();
} else if (plan.role === 'park-send') {
  const sender = openChannel(plan.name, { producers: 'multi', wait: 'park' });
  console.log('sending');
  for (let seq = 0; ; seq++) sender.sendSync({ seq, pid: process.pid });
} else if (plan.role === 'receive') {
  while (Date.now() < plan.startAt!); // all peers attach in the same instant
  try {
    const receiver = openReceiver(plan.name, plan.options);
    console.log(JSON.stringify({ attached: true }));
    // Attached until killed (held, not collected), so that a late peer cannot attach after a close.
    setInterval(() => receiver.closed, 1000);
  } catch (error) {
    console.log(JSON.stringify({ attached: false, code: (error as { code?: string }).code }));
  }
}
