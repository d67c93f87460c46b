// A child of shmring's fork() with a user codec: the preloaded module cannot adopt it, so
// process.send stays Node's (undefined here) and the child opens the channel itself.
import { parentChannel } from '../../src/channel/index.js';
import type { Codec } from '../../src/codec/index.js';

const json: Codec<unknown> = {
  name: 'json',
  encode: (value) => Buffer.from(JSON.stringify(value)),
  decode: (bytes) => JSON.parse(Buffer.from(bytes).toString()) as unknown,
};
const parent = parentChannel({ codec: json })!;
parent.on(
  'message',
  (message) => void parent.send({ echo: message, processSend: typeof process.send }),
);
parent.on('disconnect', () => console.log('disconnect'));
