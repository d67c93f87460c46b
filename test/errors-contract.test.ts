// Errors shaped like Node's: AbortError for aborted waits, TypeError ERR_INVALID_ARG_TYPE for
// wrong option types, unknown option names refused by every factory.
import { afterEach, describe, expect, it } from 'vitest';

import {
  createChannel,
  createSender,
  openChannel,
  openReceiver,
  type Receiver,
} from '../src/channel/index.js';
import { AbortError, ShmringError } from '../src/errors.js';
import { uniqueShmName } from './helpers/names.js';

const receivers: Receiver[] = [];
afterEach(() => {
  for (const receiver of receivers.splice(0)) receiver.close({ unlink: true });
});

function channel(capacity?: number): Receiver {
  const receiver = createChannel(uniqueShmName('errors'), { capacity, unlink: 'never' });
  receivers.push(receiver);
  return receiver;
}

const abortShape = expect.objectContaining({
  name: 'AbortError',
  code: 'ABORT_ERR',
  message: 'The operation was aborted',
});

describe('an aborted wait', () => {
  it("is an AbortError with code 'ABORT_ERR' and the signal's reason as cause, for receive and send", async () => {
    const receiver = channel(4096);
    const controller = new AbortController();
    const receiving = receiver.receive({ signal: controller.signal });
    const reason = new Error('enough');
    controller.abort(reason);
    const error = await receiving.catch((caught: unknown) => caught);
    expect(error).toEqual(abortShape);
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toBeInstanceOf(ShmringError);
    expect((error as Error).cause).toBe(reason);

    const sender = openChannel(receiver.name);
    while (sender.trySend('x'.repeat(200))); // fill the ring
    await expect(sender.send('x'.repeat(200), { signal: AbortSignal.abort() })).rejects.toEqual(
      abortShape,
    );
    sender.close();
  });
});

describe('closing a receiver during for await', () => {
  it('ends the loop instead of failing with an internal error', async () => {
    const receiver = channel();
    const got: unknown[] = [];
    const sender = openChannel(receiver.name);
    sender.sendSync('before');
    setTimeout(() => receiver.close({ unlink: true }), 100);
    for await (const value of receiver) got.push(value);
    expect(got).toEqual(['before']);
    sender.close();
  });
});

describe('options', () => {
  const factories: Array<[string, (options: object) => unknown]> = [
    ['createChannel', (o) => createChannel(uniqueShmName('opt'), o)],
    ['createSender', (o) => createSender(uniqueShmName('opt'), o)],
    ['openChannel', (o) => openChannel(channel().name, o)],
    ['openReceiver', (o) => openReceiver(channel().name, o)],
  ];

  it.each(factories)(
    '%s refuses an unknown option name, naming it and the valid ones',
    (_name, make) => {
      expect(() => make({ capacty: 4096 })).toThrow(
        expect.objectContaining({
          name: 'TypeError',
          code: 'ERR_SHMRING_UNKNOWN_OPTION',
          message: expect.stringMatching(/no option "capacty"; the options are: .*capacity/),
        }),
      );
    },
  );

  it.each(factories)('%s refuses a wrong option type with ERR_INVALID_ARG_TYPE', (_name, make) => {
    const wrongs = [
      { capacity: '4096' },
      { producers: 2 },
      { codec: 42 },
      { unlink: true },
      { wait: 1 },
      { spinMicros: '5' },
      { keepOpen: 'yes' },
      { mode: '0600' },
      { allowUids: 1000 },
      { takeOver: true },
    ];
    for (const wrong of wrongs) {
      expect(() => make(wrong), JSON.stringify(wrong)).toThrow(
        expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }),
      );
    }
  });

  it('keeps ERR_INVALID_ARG_VALUE for a value of the right type that is not allowed', () => {
    for (const wrong of [{ producers: 'many' }, { wait: 'sleep' }, { takeOver: 'always' }]) {
      expect(() => createChannel(uniqueShmName('opt'), wrong as object)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
      );
    }
  });
});
