// The channel's codec is recorded in the segment and agreed at open; values that cannot be
// encoded are refused with a TypeError and leave nothing in the ring; msgpack channels keep
// what Node's 'advanced' serialization keeps (Map, Set, RegExp, Error, ...) across processes.
import { afterEach, describe, expect, it } from 'vitest';

import { createChannel, openChannel, openReceiver, type Receiver } from '../src/channel/index.js';
import type { Codec } from '../src/codec/index.js';
import { createRing, readMetadata, ringSegmentSize } from '../src/ring/index.js';
import { advancedValues } from './helpers/advanced-values.js';
import { finished, spawnChild } from './helpers/child.js';
import { uniqueShmName } from './helpers/names.js';

const receivers: Receiver[] = [];
afterEach(() => {
  for (const receiver of receivers.splice(0)) receiver.close({ unlink: true });
});

function track<T>(receiver: Receiver<T>): Receiver<T> {
  receivers.push(receiver as Receiver);
  return receiver;
}

/** What a codec peer prints: its counts, or the error its open failed with. */
interface PeerResult {
  error?: { code?: string; message?: string };
  [key: string]: unknown;
}

async function peer(name: string, role: string, codec?: string): Promise<PeerResult> {
  const args = codec === undefined ? [name, role] : [name, role, codec];
  const result = await finished(spawnChild('codec-peer.ts', args));
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as PeerResult;
}

const json: Codec<unknown> = {
  name: 'json',
  encode: (value) => Buffer.from(JSON.stringify(value)),
  decode: (bytes) => JSON.parse(Buffer.from(bytes).toString()) as unknown,
};

describe('the codec recorded in the channel', () => {
  it('is written at creation and adopted by an opener in another process that names none', async () => {
    const name = uniqueShmName('codec-adopt');
    const receiver = track(createChannel<Uint8Array>(name, { codec: 'raw' }));
    expect(readMetadata(receiver.buffer).codecName).toBe('raw');
    expect(await peer(name, 'send-raw')).toEqual({ sent: 3 });
    const got: Uint8Array[] = [];
    for await (const bytes of receiver) got.push(bytes);
    expect(got.map((bytes) => [...bytes])).toEqual([
      [0, 1, 2],
      [1, 2, 3],
      [2, 3, 4],
    ]);
  });

  it('refuses an opener in another process with a different codec, naming both, and leaves the channel usable', async () => {
    const name = uniqueShmName('codec-mismatch');
    const receiver = track(createChannel<Uint8Array>(name, { codec: 'raw' }));
    const refused = await peer(name, 'send-raw', 'msgpack');
    expect(refused.error?.code).toBe('ERR_SHMRING_CODEC_MISMATCH');
    expect(refused.error?.message).toContain("'raw'");
    expect(refused.error?.message).toContain("'msgpack'");
    // The refused opener never counted as the (single) sender: the next one gets in.
    expect(await peer(name, 'send-raw', 'raw')).toEqual({ sent: 3 });
    expect([...(await receiver.receive({ timeoutMs: 10_000 }))]).toEqual([0, 1, 2]);
  });

  it("records a user codec's name; an opener must bring a codec of that name", async () => {
    const name = uniqueShmName('codec-custom');
    const receiver = track(createChannel(name, { codec: json }));
    expect(readMetadata(receiver.buffer).codecName).toBe('json');
    const without = await peer(name, 'send-raw');
    expect(without.error?.code).toBe('ERR_SHMRING_CODEC_MISMATCH');
    expect(without.error?.message).toMatch(/uses the codec 'json'; pass that codec/);
    expect(() => openChannel(name, { codec: { ...json, name: 'json2' } })).toThrow(
      expect.objectContaining({
        code: 'ERR_SHMRING_CODEC_MISMATCH',
        message: expect.stringMatching(/'json'.*'json2'/),
      }),
    );
    const sender = openChannel(name, { codec: json });
    sender.sendSync({ via: 'json' });
    sender.close();
    expect(await receiver.receive({ timeoutMs: 10_000 })).toEqual({ via: 'json' });
  });

  it('checks user codec names up front', () => {
    const name = uniqueShmName('codec-names');
    const { name: _name, ...nameless } = json;
    expect(() => createChannel(name, { codec: nameless as Codec<unknown> })).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }),
    );
    for (const bad of ['', 'msgpack', 'raw', 'x'.repeat(65)]) {
      expect(() => createChannel(name, { codec: { ...json, name: bad } })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
      );
    }
    // Nothing was created by the refused calls.
    expect(() => openChannel(name)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('stays unchecked on a ring created without a codec name (before the field existed)', () => {
    const buffer = new SharedArrayBuffer(ringSegmentSize(64 * 1024));
    createRing(buffer, { kind: 'spsc', capacity: 64 * 1024 });
    expect(readMetadata(buffer).codecName).toBeUndefined();
    const receiver = openReceiver<Uint8Array>(buffer, { codec: 'raw' });
    const sender = openChannel<Uint8Array>(buffer, { codec: 'raw' });
    sender.sendSync(new Uint8Array([9]));
    expect([...receiver.tryReceive()!]).toEqual([9]);
    sender.close();
    receiver.close();
  });

  it('reports a stream of bad frames as one warning, then one count, not one line per message', async () => {
    // A ring without a recorded codec lets a raw sender talk to a msgpack receiver.
    const buffer = new SharedArrayBuffer(ringSegmentSize(64 * 1024));
    createRing(buffer, { kind: 'spsc', capacity: 64 * 1024 });
    const receiver = openReceiver(buffer);
    const sender = openChannel<Uint8Array>(buffer, { codec: 'raw' });
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 100; i++) sender.sendSync(new Uint8Array([i]));
      sender.close();
      expect(receiver.tryReceive()).toBeUndefined();
      expect(receiver.ended).toBe(true);
      receiver.close();
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toHaveLength(2);
    expect((warnings[0] as { code?: string }).code).toBe('ERR_SHMRING_BAD_FRAME');
    expect(warnings[1]!.message).toMatch(/^99 more bad frames skipped/);
  });
});

describe('values that cannot be encoded', () => {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  const circularMap = new Map<string, unknown>();
  circularMap.set('me', circularMap);
  const cases: Array<[string, unknown]> = [
    ['a function', { f: () => 1 }],
    ['a Symbol', Symbol('s')],
    ['a circular object', circular],
    ['a circular Map', circularMap],
  ];

  it.each(cases)(
    '%s: a TypeError ERR_SHMRING_UNENCODABLE from every send call, nothing written',
    async (_what, value) => {
      const receiver = track(createChannel(uniqueShmName('unencodable')));
      const sender = openChannel(receiver.name);
      const expected = expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_SHMRING_UNENCODABLE',
        message: expect.stringMatching(/^cannot send this value: /),
      });
      expect(() => sender.trySend(value)).toThrow(expected);
      expect(() => sender.sendSync(value)).toThrow(expected);
      await expect(sender.send(value)).rejects.toThrow(expected);
      expect(receiver.tryReceive()).toBeUndefined();
      sender.sendSync('after');
      expect(receiver.tryReceive()).toBe('after');
      sender.close();
    },
  );
});

describe("what Node's 'advanced' serialization keeps", () => {
  it('round-trips Map, Set, RegExp, Error (name, message, stack, cause, code), Date, BigInt, typed arrays, ArrayBuffer and undefined across processes', async () => {
    const name = uniqueShmName('advanced');
    const receiver = track(createChannel(name));
    const sent = await peer(name, 'send-advanced');
    const got: unknown[] = [];
    for await (const value of receiver) got.push(value);
    const expected = advancedValues();
    expect(sent).toEqual({ sent: expected.length });
    expect(got).toHaveLength(expected.length);
    for (let i = 0; i < expected.length; i++) {
      const [mine, theirs] = [expected[i], got[i]];
      expect(Object.prototype.toString.call(theirs)).toBe(Object.prototype.toString.call(mine));
      if (mine instanceof Error) {
        const error = theirs as Error & { code?: string; errno?: number };
        expect(error).toBeInstanceOf(
          mine.constructor === Error || mine.name === 'CustomError' ? Error : mine.constructor,
        );
        expect([error.name, error.message]).toEqual([mine.name, mine.message]);
        expect(error.stack).toMatch(new RegExp(`^${mine.name}: ${mine.message}\\n\\s+at `));
        expect(error.stack).toContain('advanced-values.ts'); // the sender's stack, not ours
        expect(error.cause).toEqual(mine.cause);
        expect(Object.hasOwn(error, 'cause')).toBe(Object.hasOwn(mine, 'cause'));
        expect([error.code, error.errno]).toEqual([
          (mine as { code?: string }).code,
          (mine as { errno?: number }).errno,
        ]);
      } else if (mine instanceof RegExp) {
        expect([(theirs as RegExp).source, (theirs as RegExp).flags]).toEqual([
          mine.source,
          mine.flags,
        ]);
      } else {
        expect(theirs).toEqual(mine);
      }
    }
    // The nested ones: a Set inside a Map value, Maps in Maps with a RegExp inside.
    expect((got[0] as Map<unknown, { nested: Set<unknown> }>).get(2)!.nested).toEqual(
      new Set(['x', 3n]),
    );
    expect((got[14] as { map: Map<number, Map<number, RegExp>> }).map.get(1)!.get(2)!.source).toBe(
      'x',
    );
    // The cause chain of an Error survives two levels deep.
    const outer = got[5] as Error;
    expect(outer).toBeInstanceOf(TypeError);
    expect((outer.cause as Error).cause).toEqual({ deep: [1, 2] });
  });
});
