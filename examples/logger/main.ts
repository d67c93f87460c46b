// The logger example: `npx tsx examples/logger/main.ts --clients 4 --count 1000 --log /tmp/log.txt`
// (or without --clients: serve until Ctrl-C, and start clients with client.ts).
import { loggerMain } from './logger.js';

process.exitCode = await loggerMain(process.argv.slice(2));
