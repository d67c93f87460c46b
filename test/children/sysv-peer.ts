// Child side of the System V test: attaches by key, checks and answers like segment-peer.ts.
import { Segment } from '../../src/segment/index.js';

const [key, expectText, replyText] = process.argv.slice(2);
const segment = Segment.openSysv(Number(key));
try {
  const bytes = new Uint8Array(segment.buffer);
  const seen = Buffer.from(bytes.subarray(0, expectText.length)).toString();
  if (seen !== expectText) {
    console.error(`child saw ${JSON.stringify(seen)}`);
    process.exit(3);
  }
  bytes.set(Buffer.from(replyText), 1024);
  console.log(`ok size=${segment.size}`);
} finally {
  segment.close();
}
