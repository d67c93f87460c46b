// Peer of transports/fork-ipc.ts: receives Buffers on its fork() IPC channel (next to the control
// messages), counts and checks them, or sends them straight back.
import { processEndpoint } from '../lib/control.js';
import { Receiver, serveReceiver } from '../lib/receiver.js';
import { forkMessageBytes } from '../transports/fork-ipc.js';

const receiver = new Receiver();

serveReceiver(processEndpoint(), receiver, {}, (message) => {
  if (receiver.echoing) {
    process.send!(message);
    receiver.echoedOne();
  } else {
    const bytes = forkMessageBytes(message);
    receiver.raw(bytes, 0, bytes.length);
  }
});
process.on('disconnect', () => process.exit(0));
