// The logger of examples/logger on a System V segment: shmget(key, IPC_CREAT | IPC_EXCL) and
// shmat when it starts, shmdt and shmctl(IPC_RMID) when it stops, Ctrl-C included.
//   npx tsx examples/sysv/main.ts --clients 4 --count 1000 --log /tmp/sysv.log
// Options are the logger's; --sysv KEY picks the key (default 0x73686d72, "shmr").
import { loggerMain } from '../logger/logger.js';

process.exitCode = await loggerMain(process.argv.slice(2), { sysv: '0x73686d72' });
