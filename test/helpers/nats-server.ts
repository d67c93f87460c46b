// nats-server for the NATS tests (bench/lib/nats-server.ts starts and stops it), and a
// describe() that skips them with a printed reason where it is not installed, except in CI.
import { afterAll, beforeAll, describe, test } from 'vitest';

import { findNatsServer, startNatsServer, type NatsServer } from '../../bench/lib/nats-server.js';

export { findNatsServer, startNatsServer, type NatsServer };

/**
 * describe() for tests that need nats-server: skipped with a printed reason when it is not
 * installed, except in CI (CI set), where a missing server is a failure.
 */
export function describeWithNats(name: string, body: () => void): void {
  if (findNatsServer() !== undefined) {
    describe(name, body);
    return;
  }
  const reason = 'nats-server is not installed (apt-get install nats-server)';
  if (process.env.CI) {
    describe(name, () => {
      test('nats-server is installed', () => {
        throw new Error(reason);
      });
    });
    return;
  }
  console.warn(`skipping '${name}': ${reason}`);
  describe.skip(name, body);
}

/** A nats-server for the tests of the enclosing describe(): started before them, stopped (by pid) after them, also when they fail. */
export function useNatsServer(): () => NatsServer {
  let server: NatsServer | undefined;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('the nats-server did not start');
    return server;
  };
}
