// Where the logger's channel lives, as the command line says: a POSIX shm name (--channel)
// or a System V key (--sysv). The logger and its clients read it the same way.
import type { Backing } from '../../src/index.js';

export const DEFAULT_CHANNEL = '/shmring-logger';

export interface Address {
  /** A '/name' for POSIX shm, the decimal key for System V. */
  name: string;
  backing: Backing;
}

/** The parseArgs options both programs accept. */
export const addressOptions = {
  channel: { type: 'string' },
  sysv: { type: 'string' },
} as const;

export function addressFrom(values: { channel?: string; sysv?: string }): Address {
  if (values.sysv === undefined) return { name: values.channel ?? DEFAULT_CHANNEL, backing: 'shm' };
  if (values.channel !== undefined) throw new Error('give --channel or --sysv, not both');
  const key = Number(values.sysv); // accepts 0x... as well as decimal
  if (!Number.isInteger(key) || key < 1 || key > 0x7fffffff)
    throw new Error(`--sysv wants a key in 1..0x7fffffff, not '${values.sysv}'`);
  return { name: String(key), backing: 'sysv' };
}

/** The arguments that point another process at the same channel. */
export function addressArgs(address: Address): string[] {
  return address.backing === 'sysv' ? ['--sysv', address.name] : ['--channel', address.name];
}

/** How `shmring ls` names it. */
export function describe(address: Address): string {
  return address.backing === 'sysv'
    ? `sysv:0x${Number(address.name).toString(16).padStart(8, '0')}`
    : address.name;
}
