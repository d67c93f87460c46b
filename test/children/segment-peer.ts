// Child side of test/segment.test.ts: opens a segment (by name, inherited fd or file path),
// checks the bytes the parent wrote, then writes its own for the parent to check.
import { Segment } from '../../src/segment/index.js';

const [how, where, expectText, replyText] = process.argv.slice(2);

const segment =
  how === 'name'
    ? Segment.open(where)
    : how === 'fd'
      ? Segment.fromFd(Number(where))
      : Segment.openFile(where);
try {
  const bytes = new Uint8Array(segment.buffer);
  const seen = Buffer.from(bytes.subarray(0, expectText.length)).toString('utf8');
  if (seen !== expectText) {
    console.error(`child saw ${JSON.stringify(seen)}, expected ${JSON.stringify(expectText)}`);
    process.exit(3);
  }
  bytes.set(Buffer.from(replyText), 1024);
  console.log(`ok size=${segment.size}`);
} finally {
  segment.close();
}
