// Peer process for test/codec-contract.test.ts. Arguments: NAME ROLE [CODEC]
//   send-raw: opens NAME (with CODEC when given: 'msgpack', 'raw' or 'json' for the test's
//     own codec) and sends three Uint8Arrays; prints {sent} or {error: {name, code, message}}.
//   send-advanced: opens NAME and sends advancedValues() one message each, then closes.
import { openChannel } from '../../src/channel/index.js';
import type { Codec } from '../../src/codec/index.js';
import { advancedValues } from '../helpers/advanced-values.js';

const [name, role, codecName] = process.argv.slice(2) as [string, string, string | undefined];

const json: Codec<unknown> = {
  name: 'json',
  encode: (value) => Buffer.from(JSON.stringify(value)),
  decode: (bytes) => JSON.parse(Buffer.from(bytes).toString()) as unknown,
};
const codec = codecName === 'json' ? json : (codecName as 'raw' | 'msgpack' | undefined);

try {
  const sender = openChannel(name, codec === undefined ? {} : { codec });
  if (role === 'send-raw') {
    for (let i = 0; i < 3; i++) sender.sendSync(new Uint8Array([i, i + 1, i + 2]));
    sender.close();
    console.log(JSON.stringify({ sent: 3 }));
  } else {
    const values = advancedValues();
    for (const value of values) sender.sendSync(value);
    sender.close();
    console.log(JSON.stringify({ sent: values.length }));
  }
} catch (error) {
  const { name: errorName, message } = error as Error;
  console.log(
    JSON.stringify({
      error: { name: errorName, code: (error as { code?: string }).code, message },
    }),
  );
}
