// Creates a channel and awaits receive() on it before anyone sends, its receiver unref()ed or not:
// `node receive-idle.ts <channel name> ref|unref`. Unref'd, the process must exit by itself, at
// once (it prints how long after the call); ref'd, it waits for a value and prints it.
import { createChannel } from '../../src/index.js';

const [name, how] = process.argv.slice(2);
const receiver = createChannel<number>(name, { wait: 'park' });
if (how === 'unref' || how === 'reref') receiver.unref();
let called = performance.now();
// 'close': closes the receiver a little later (the process must then exit at once).
if (how === 'close')
  setTimeout(() => {
    called = performance.now();
    receiver.close();
  }, 5);
receiver.receive().then(
  (value) => {
    console.log(`got ${value}`);
    receiver.close();
  },
  (error: { code: string }) => console.log(`rejected ${error.code}`),
);
// 'reref': ref() again while receive() waits: the process must stay, as with 'ref'.
if (how === 'reref') receiver.ref();
process.on('exit', () => console.log(`exit after ${(performance.now() - called).toFixed(1)} ms`));
console.log('waiting');
