// A child started by shmring's fork(): echoes each message back as { echo: message },
// exits on 'exit', and reports 'disconnect' (its parent went away) on stdout.
import { parentChannel } from '../../src/channel/index.js';

const parent = parentChannel();
if (parent === undefined) {
  console.error('not started by shmring fork()');
  process.exit(2);
}
parent.on('message', (message: unknown) => {
  if (message === 'exit') process.exit(0);
  void parent.send({ echo: message });
});
parent.on('disconnect', () => {
  console.log('disconnect');
  parent.close();
});
void parent.send('ready');
