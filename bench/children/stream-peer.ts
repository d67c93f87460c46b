// Peer of transports/stream.ts: opens its end of the byte stream it is told to (control op `open`),
// then counts and checks the frames it receives, or echoes them back (lib/receiver.ts).
import { Decoder } from '@msgpack/msgpack';
import { processEndpoint } from '../lib/control.js';
import { FrameParser, HEADER_BYTES } from '../lib/frames.js';
import { Receiver, serveReceiver } from '../lib/receiver.js';
import { openChildChannel, type ChannelParams } from '../lib/stream-channels.js';

const receiver = new Receiver();
const decoder = new Decoder();

serveReceiver(processEndpoint(), receiver, {
  open: async (params: ChannelParams) => {
    const { readable, writable } = await openChildChannel(params);
    const parser = new FrameParser((buf, start, length) => {
      if (receiver.echoing) {
        writable.write(buf.subarray(start - HEADER_BYTES, start + length));
        receiver.echoedOne();
      } else if (receiver.codec === 'raw') receiver.raw(buf, start, length);
      else receiver.object(() => decoder.decode(buf.subarray(start, start + length)));
    });
    readable.on('data', (chunk: Buffer) => parser.push(chunk));
    readable.on('end', () => process.exit(0));
  },
});
process.on('disconnect', () => process.exit(0));
