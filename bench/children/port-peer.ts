// Peer of transports/message-port.ts (a worker thread): receives Uint8Arrays on the MessagePort in
// workerData, counts and checks them (acknowledging every quarter window), or echoes them back.
import { workerData, type MessagePort } from 'node:worker_threads';
import { parentPortEndpoint } from '../lib/control.js';
import { Receiver, serveReceiver } from '../lib/receiver.js';
import type { Codec } from '../lib/schema.js';
import { windowFor } from '../transports/message-port.js';

const port = (workerData as { port: MessagePort }).port;
const receiver = new Receiver();
let received = 0;
let ackEvery = 1;

serveReceiver(parentPortEndpoint(), receiver, {
  arm: ({ codec, count, size }: { codec: Codec; count: number; size?: number }) => {
    received = 0;
    ackEvery = Math.max(1, windowFor(size ?? 16) >> 2);
    receiver.arm(codec, count);
  },
});

port.on('message', (message: Uint8Array) => {
  if (receiver.echoing) {
    port.postMessage(message);
    receiver.echoedOne();
    return;
  }
  receiver.raw(message, 0, message.length);
  if (++received % ackEvery === 0) port.postMessage(received);
});
