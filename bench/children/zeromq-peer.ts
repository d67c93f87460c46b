// Peer of transports/zeromq.ts: connects a PULL socket (counts and hashes every message, decoding
// objects with @msgpack/msgpack) and a REP socket (answers each request with the same bytes).
import { decode } from '@msgpack/msgpack';
import { Pull, Reply } from 'zeromq';
import { processEndpoint } from '../lib/control.js';
import { Receiver as Tally, serveReceiver } from '../lib/receiver.js';
import type { ZeromqPeerParams } from '../transports/zeromq.js';

const tally = new Tally();

function fail(error: unknown): never {
  process.stderr.write(`zeromq-peer: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
}

async function pullLoop(pull: Pull): Promise<void> {
  for await (const [message] of pull) {
    if (tally.codec === 'raw') tally.raw(message!, 0, message!.length);
    else tally.object(() => decode(message!));
  }
}

async function replyLoop(reply: Reply): Promise<void> {
  for await (const [message] of reply) {
    await reply.send(message!);
    tally.echoedOne();
  }
}

serveReceiver(processEndpoint(), tally, {
  open: ({ pull, reply }: ZeromqPeerParams) => {
    const pullSocket = new Pull({ linger: 0 });
    const replySocket = new Reply({ linger: 0 });
    pullSocket.connect(pull);
    replySocket.connect(reply);
    pullLoop(pullSocket).catch(fail);
    replyLoop(replySocket).catch(fail);
  },
});
process.on('disconnect', () => process.exit(0));
