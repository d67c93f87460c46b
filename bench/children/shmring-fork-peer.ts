// Peer of transports/shmring-fork.ts, the same script under either fork: started by shmring's
// fork(), it talks through parentChannel() (two shmring rings); started by child_process.fork(),
// through process.send / 'message'. Control and data share the channel; it counts and checks
// the messages (Uint8Array payloads or sample objects) or sends them straight back.
import { parentChannel } from '../../src/index.js';
import { emitterEndpoint, processEndpoint } from '../lib/control.js';
import { Receiver, serveReceiver } from '../lib/receiver.js';

const channel = parentChannel();
const endpoint = channel !== undefined ? emitterEndpoint(channel) : processEndpoint();
const receiver = new Receiver();

serveReceiver(endpoint, receiver, {}, (message) => {
  if (receiver.echoing) {
    endpoint.send(message);
    receiver.echoedOne();
  } else if (message instanceof Uint8Array) receiver.raw(message, 0, message.length);
  else receiver.object(() => message);
});
channel?.on('disconnect', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
