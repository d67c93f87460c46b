// Peer of transports/shmring-sync.ts: opens the two channels it is told to (control op `open`),
// then receives and hashes what the parent streams, or echoes it back, in blocking loops of
// public calls: receiveSync / sendSync ('sync') or tryReceive / trySend ('try').
import { openChannel, openReceiver } from '../../src/index.js';
import {
  hashValue,
  receiveBlocking,
  receivePolling,
  SEND_TIMEOUT,
  sendPolling,
} from '../lib/channel-calls.js';
import { emptyTally } from '../lib/checksum.js';
import { processEndpoint } from '../lib/control.js';
import { parentGone, serveSyncPeer, type SyncPeer } from '../lib/sync-peer-session.js';
import { channelOptions, type SyncPeerParams } from '../transports/shmring-sync.js';

let peer: SyncPeer | null = null;

function open({ style, codec, wait, ping, pong }: SyncPeerParams): SyncPeer {
  const options = channelOptions(codec, wait);
  const receiver = openReceiver<unknown>(ping, options);
  const sender = openChannel<unknown>(pong, options);
  const receive = style === 'sync' ? receiveBlocking : receivePolling;
  const send =
    style === 'sync'
      ? (value: unknown) => sender.sendSync(value, SEND_TIMEOUT)
      : (value: unknown) => sendPolling(sender, value, 'echoing', parentGone);
  return {
    consume(count) {
      let checksum = emptyTally().checksum;
      for (let i = 0; i < count; i++)
        checksum = hashValue(codec, checksum, receive(receiver, 'consuming', parentGone));
      return { count, checksum };
    },
    echo(count) {
      for (let i = 0; i < count; i++) send(receive(receiver, 'echoing', parentGone));
    },
  };
}

const notOpen = (): never => {
  throw new Error('the channels are not open');
};

serveSyncPeer(
  processEndpoint(),
  {
    consume: (count, size) => (peer ?? notOpen()).consume(count, size),
    echo: (count, size) => (peer ?? notOpen()).echo(count, size),
  },
  { open: (params: SyncPeerParams) => void (peer = open(params)) },
);
process.on('disconnect', () => process.exit(0));
