// A receiver that creates channel NAME and waits for messages until it is killed (the test
// SIGINTs or SIGKILLs it, leaving the segment behind). Arguments: NAME [plain|takeOver] [BACKING].
// Prints 'ready', or {error: {code, message}} when createChannel fails.
import { createChannel } from '../../src/channel/index.js';

const [name, mode, backing] = process.argv.slice(2) as [string, string?, ('shm' | 'file')?];
try {
  const receiver = createChannel(name, {
    takeOver: mode === 'takeOver' ? 'stale' : 'never',
    backing: backing ?? 'shm',
  });
  console.log('ready');
  for await (const value of receiver) console.log(JSON.stringify({ got: value }));
} catch (error) {
  const { code, message } = error as { code?: string; message: string };
  console.log(JSON.stringify({ error: { code, message } }));
}
