// How channel names map to JetStream names: valid stream names and subject tokens, and
// distinct channels never share one.
import { expect, test } from 'vitest';

import { channelNames } from '../src/nats/index.js';
import { runChild } from './helpers/child.js';

test('a name maps to two streams, their subjects and the durable consumer', () => {
  expect(channelNames('/jobs')).toMatchObject({
    dataStream: 'SHMRING_jobs',
    dataSubject: 'shmring.jobs.data',
    sendersStream: 'SHMRING_jobs_SENDERS',
    sendersSubjects: 'shmring.jobs.senders.*',
    consumer: 'receiver',
  });
  expect(channelNames('jobs').dataStream).toBe('SHMRING_jobs');
});

test('characters JetStream does not allow are escaped, so distinct names stay distinct', () => {
  const names = ['/a.b', '/a_2eb', '/a b', '/a/b', '/a*', '/a>', '/ä', '/a_b'];
  const streams = names.map((name) => channelNames(name).dataStream);
  expect(new Set(streams).size).toBe(names.length);
  for (const stream of streams) expect(stream).toMatch(/^[A-Za-z0-9_-]+$/);
  expect(channelNames('/a.b').dataSubject).toBe('shmring.a_2eb.data');
});

test('empty, non-string and over-long names are refused', () => {
  expect(() => channelNames('/')).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
  );
  expect(() => channelNames(7)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  expect(() => channelNames(`/${'x'.repeat(300)}`)).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
  );
});

test('neither shmring nor shmring/nats loads the NATS client before a channel connects', async () => {
  const loaded = async (what: string) => (await runChild('nats-loaded.ts', [what])).stdout.trim();
  expect(await loaded('main')).toBe('not loaded');
  expect(await loaded('nats')).toBe('not loaded');
  expect(await loaded('connect')).toBe('loaded'); // the check can see it
});
