// Peer process for test/liveness.test.ts. One JSON argument:
//   { role: 'produce', name, count, hangAfter? }  sends {seq, pid} messages; with hangAfter,
//        after that many it claims a record, never commits it, prints "claimed" and hangs
//   { role: 'consume', name, capacity, mode? }   creates the channel, prints "ready", never reads
//   { role: 'open', name, options }              tries openChannel and prints the outcome
import { attachRing } from '../../src/ring/index.js';
import { createChannel, openChannel } from '../../src/channel/index.js';

const plan = JSON.parse(process.argv[2]) as {
  role: string;
  name: string;
  count?: number;
  hangAfter?: number;
  capacity?: number;
  options?: Record<string, unknown>;
};

if (plan.role === 'produce') {
  const sender = openChannel(plan.name, { producers: 'multi' });
  const limit = plan.hangAfter ?? plan.count!;
  for (let seq = 0; seq < limit; seq++) sender.sendSync({ seq, pid: process.pid });
  if (plan.hangAfter !== undefined) {
    // A producer killed between claiming a record and committing it.
    if (attachRing(sender.buffer).tryClaim(1, 40) < 0) throw new Error('ring full');
    console.log('claimed');
    setInterval(() => {}, 1000);
  } else {
    sender.close();
    console.log(JSON.stringify({ sent: limit }));
  }
} else if (plan.role === 'consume') {
  const receiver = createChannel(plan.name, {
    capacity: plan.capacity,
    unlink: 'never',
    mode: 0o666,
  });
  console.log('ready');
  setInterval(() => receiver.name, 1000);
} else if (plan.role === 'open') {
  try {
    openChannel(plan.name, plan.options).close();
    console.log(JSON.stringify({ opened: true }));
  } catch (error) {
    console.log(JSON.stringify({ opened: false, code: (error as { code?: string }).code }));
  }
}
