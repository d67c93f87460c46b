// Prints whether the NATS client was loaded after importing what argv[2] names:
// 'main' (the shmring package), 'nats' (shmring/nats) or 'connect' (shmring/nats, then a
// connection attempt, which loads the client).
import { createRequire } from 'node:module';

const what = process.argv[2];
if (what === 'main') await import('../../src/index.js');
else {
  const nats = await import('../../src/nats/index.js');
  if (what === 'connect')
    await nats
      .openChannel('/nobody', { servers: 'nats://127.0.0.1:1', connection: { reconnect: false } })
      .catch(() => undefined);
}
// The @nats-io packages are CommonJS: loaded ones are in the require cache.
const cache = createRequire(import.meta.url).cache;
console.log(Object.keys(cache).some((path) => path.includes('@nats-io')) ? 'loaded' : 'not loaded');
