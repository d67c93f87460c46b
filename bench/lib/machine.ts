// What the benchmark ran on, for the reports.
import { arch, availableParallelism, cpus, release, type } from 'node:os';
import type { Machine } from './schema.js';

/** This machine, with `date` the given start time. */
export function describeMachine(start = new Date()): Machine {
  const cpu = cpus()[0];
  return {
    cpu:
      cpu !== undefined
        ? `${cpu.model.trim()}${cpu.speed > 0 ? ` @ ${cpu.speed} MHz` : ''}`
        : 'unknown',
    cores: availableParallelism(),
    node: process.version,
    os: `${type()} ${release()} ${arch()}`,
    date: start.toISOString(),
  };
}
