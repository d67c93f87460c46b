// A child written for child_process.fork, nothing shmring in it: test/fork-dropin.test.ts
// runs it under Node's fork() and under shmring's and expects the same behaviour. Commands
// arrive as messages; what happens to the channel is printed on stdout.
const log = (line: string): void => void process.stdout.write(`${line}\n`);

function onMessage(message: { cmd: string; value?: unknown }): void {
  switch (message.cmd) {
    case 'echo':
      process.send!({ echo: message.value }, (error: Error | null) =>
        log(`echo-sent ${error === null ? 'ok' : (error as { code?: string }).code}`),
      );
      break;
    case 'info':
      process.send!({
        connected: process.connected,
        argv: process.argv.slice(2),
        returned: process.send!('probe'),
      });
      break;
    case 'disconnect':
      process.disconnect();
      log(`after-disconnect connected=${process.connected}`);
      break;
    case 'stop-listening':
      process.off('message', onMessage);
      break;
  }
}

process.on('message', onMessage);
process.on('disconnect', () => log(`disconnect connected=${process.connected}`));
process.on('exit', (code) => log(`exit ${code}`));
process.send!('ready');
