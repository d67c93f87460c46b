// Worker thread for test/segment-close.test.ts: attaches to the channel whose buffer it was
// given, tells the parent it is ready, and reports what it sees after the other side closed.
//   role 'sender':   waits for 'closed', then reports trySend's and send()'s error codes
//   role 'receiver': blocks in receiveSync (at most timeoutMs) and reports how it ended
import { parentPort, workerData } from 'node:worker_threads';

import { openChannel, openReceiver } from '../../src/channel/index.js';

const { buffer, role, timeoutMs } = workerData as {
  buffer: SharedArrayBuffer;
  role: 'sender' | 'receiver';
  timeoutMs: number;
};
const port = parentPort!;

function codeOf(run: () => unknown): string {
  try {
    run();
    return 'no error';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

if (role === 'sender') {
  const sender = openChannel<string>(buffer);
  port.once('message', () => {
    const trySend = codeOf(() => sender.trySend('after close'));
    void sender
      .send('after close')
      .then(
        () => 'no error',
        (error: { code?: string }) => error.code ?? String(error),
      )
      .then((send) => {
        sender.close();
        port.postMessage({ trySend, send });
      });
  });
  port.postMessage('ready');
} else {
  const receiver = openReceiver<string>(buffer);
  port.postMessage('ready');
  const first = receiver.receiveSync({ timeoutMs });
  const next = codeOf(() => receiver.receiveSync({ timeoutMs }));
  receiver.close();
  port.postMessage({ first, next });
}
