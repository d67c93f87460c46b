// A parent that forks fork-echo.ts, prints the child's pid, and exits (normally or by
// SIGKILL of itself) without closing anything: the child must notice and exit by itself.
import { fork } from '../../src/channel/index.js';

const how = process.argv[2];
const child = fork(new URL('./fork-echo.ts', import.meta.url).pathname, [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit'],
});
child.on('message', (message) => {
  if (message !== 'ready') return;
  console.log(`child ${child.pid}`);
  if (how === 'kill') process.kill(process.pid, 'SIGKILL');
  else process.exit(0);
});
