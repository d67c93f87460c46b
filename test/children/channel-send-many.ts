// Opens channels <prefix>0 .. <prefix><count - 1> and sends each its own index:
// `node channel-send-many.ts <prefix> <count>`.
import { openChannel } from '../../src/channel/index.js';

const [prefix, count] = process.argv.slice(2);
for (let i = 0; i < Number(count); i++) {
  const sender = openChannel<number>(`${prefix}${i}`);
  sender.sendSync(i);
  sender.close();
}
console.log('sent');
