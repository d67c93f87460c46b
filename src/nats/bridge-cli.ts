// `shmring bridge LOCAL NATS-URL --to-nats|--from-nats`: runs a bridge until the source's
// stream ends or the process is told to stop (SIGINT, SIGTERM: the value in flight is
// delivered first).
import { parseArgs } from 'node:util';

import { bridge } from './bridge.js';

export const BRIDGE_HELP = `Usage: shmring bridge LOCAL NATS-URL (--to-nats | --from-nats) [--remote NAME]

Forwards the local channel LOCAL to the NATS channel of the same name (or NAME) on the
server at NATS-URL (--to-nats), or the NATS channel to LOCAL (--from-nats), one value at a
time, in order, with back-pressure. Stops at the end of the source's stream, or on SIGINT /
SIGTERM after the value in flight was delivered; a restarted bridge carries on.`;

/** Runs the bridge command; the exit code. */
export async function runBridge(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'to-nats': { type: 'boolean' },
      'from-nats': { type: 'boolean' },
      remote: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(BRIDGE_HELP);
    return 0;
  }
  const [local, servers] = positionals;
  if (positionals.length !== 2 || values['to-nats'] === values['from-nats']) {
    console.error(BRIDGE_HELP);
    return 2;
  }
  const direction = values['to-nats'] ? 'to-nats' : 'from-nats';
  const running = await bridge(local, { direction, remote: values.remote, nats: { servers } });
  const stop = (): void => void running.stop();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  console.log(`bridging ${local} ${direction === 'to-nats' ? '->' : '<-'} ${servers}`);
  try {
    await running.done;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    console.log(`forwarded ${running.forwarded}`);
  }
  return 0;
}
