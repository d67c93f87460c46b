// Producer peer of transports/shmring-mpsc.ts: opens the MPSC channel it is told to (`open`),
// then sends its share of each measurement with sender.sendSync(v) (`produce`, answered once
// all of it is in the ring).
import { openChannel, type Sender } from '../../src/index.js';
import { messageMaker, SEND_TIMEOUT } from '../lib/channel-calls.js';
import { processEndpoint, serveControl } from '../lib/control.js';
import {
  mpscOptions,
  type ProduceRequest,
  type ProducerParams,
} from '../transports/shmring-mpsc.js';

let sender: Sender<Uint8Array> | null = null;
const message = messageMaker('raw');

serveControl(processEndpoint(), {
  open: ({ name, wait }: ProducerParams) => {
    sender = openChannel<Uint8Array>(name, mpscOptions(wait));
  },
  produce: ({ size, firstSeq, count }: ProduceRequest) => {
    if (sender === null) throw new Error('the channel is not open');
    for (let seq = firstSeq; seq < firstSeq + count; seq++)
      sender.sendSync(message(size, seq) as Uint8Array, SEND_TIMEOUT);
    return count;
  },
});
process.on('disconnect', () => process.exit(0));
