// Peer process for test/wait.test.ts. Every message is 8 bytes: u32 sequence, u32 sender pid.
//   consumer <name> <wait> <drainDelayMs>       reads until end-of-stream; prints count, order and max stall
//   async-consumer <name> <wait>                the same with readAsync (on the event loop)
//   producer <name> <wait> <count> <pattern>    pattern: 'stream' | 'cycle' (one message each
//                                                time the consumer has parked) | 'fill' (until EPIPE)
//   idle <name>                                  an idle consumer for 5 s; prints its CPU time
import { attachConsumer, attachProducer } from '../../src/channel/endpoints.js';
import { Segment } from '../../src/segment/index.js';
import type { WaitMode } from '../../src/wait/index.js';

const [role, name, wait, arg1, arg2] = process.argv.slice(2);
const segment = Segment.open(name);
const report = (fields: Record<string, unknown>): void => console.log(JSON.stringify(fields));

try {
  if (role === 'consumer' || role === 'async-consumer') {
    const consumer = attachConsumer(segment.buffer, { wait: wait as WaitMode });
    const drainDelayMs = role === 'consumer' ? Number(arg1) : 0;
    const expected = new Map<number, number>();
    let count = 0;
    let outOfOrder = 0;
    let maxStallMs = 0;
    let last = performance.now();
    const view = new DataView(segment.buffer);
    const handler = (_type: number, _bytes: Uint8Array, offset: number): void => {
      const seq = view.getUint32(offset, true);
      const pid = view.getUint32(offset + 4, true);
      if ((expected.get(pid) ?? 0) !== seq) outOfOrder++;
      expected.set(pid, seq + 1);
      count++;
    };
    for (;;) {
      const n =
        role === 'consumer'
          ? consumer.readSync(handler, 64, { timeoutMs: 10_000 })
          : await consumer.readAsync(handler, 64, { timeoutMs: 10_000 });
      const now = performance.now();
      maxStallMs = Math.max(maxStallMs, now - last);
      last = now;
      if (n === -1) break;
      if (n === 0) throw new Error('no message for 10 s');
      if (drainDelayMs > 0)
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, drainDelayMs);
    }
    consumer.close();
    report({
      count,
      outOfOrder,
      maxStallMs,
      producers: expected.size,
      parks: consumer.control.dataAvailable.parks,
      rings: consumer.control.dataAvailable.rings,
    });
  } else if (role === 'producer') {
    const producer = attachProducer(segment.buffer, { wait: wait as WaitMode });
    const count = Number(arg1);
    const message = new Uint8Array(8);
    const view = new DataView(message.buffer);
    view.setUint32(4, process.pid, true);
    let fullWaits = 0;
    let maxPauseMs = 0;
    try {
      for (let seq = 0; seq < count || arg2 === 'fill'; seq++) {
        view.setUint32(0, seq, true);
        if (arg2 === 'cycle') {
          // Wait until the consumer has announced that it sleeps: every message is a wake-up.
          const started = performance.now();
          while (producer.control.dataAvailable.sleepers === 0) {
            if (performance.now() - started > 1000)
              throw new Error(`consumer did not park within 1 s at ${seq}`);
          }
          // Then a random 0-10 µs, so the write lands anywhere from before the consumer's
          // re-check to well after it entered the kernel.
          const until = performance.now() + Math.random() * 0.01;
          while (performance.now() < until);
          maxPauseMs = Math.max(maxPauseMs, performance.now() - started);
        }
        if (!producer.tryWrite(1, message)) {
          fullWaits++;
          producer.offerSync(() => producer.ring.write(1, message), { timeoutMs: 10_000 });
        }
      }
      report({ sent: count, fullWaits, maxPauseMs, rssMb: process.memoryUsage().rss / 2 ** 20 });
    } catch (error) {
      report({ error: (error as { code?: string }).code ?? String(error), fullWaits });
    } finally {
      producer.close();
    }
  } else if (role === 'idle') {
    const consumer = attachConsumer(segment.buffer);
    const before = process.cpuUsage();
    const started = performance.now();
    const n = await consumer.readAsync(() => {}, 1, { timeoutMs: 5000 });
    const used = process.cpuUsage(before);
    report({ n, cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - started });
    consumer.close();
  }
} finally {
  segment.close();
}
