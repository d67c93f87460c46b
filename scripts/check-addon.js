// Loads one compiled addon and uses it across two mappings of a new segment, as the package's
// loader would: `node scripts/check-addon.js <file.node>`. Exits non-zero when the addon does not
// load under this Node or its shared memory does not behave.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: node scripts/check-addon.js <file.node>');
  process.exit(2);
}
const addon = createRequire(import.meta.url)(resolve(file));
const name = `/shmring-check-addon-${process.pid}`;
const created = addon.shmCreate(name, 4096, 0o600);
try {
  const opened = addon.shmOpen(name);
  new Int32Array(created.buffer)[1] = 0x5a5a;
  const seen = new Int32Array(opened.buffer)[1];
  opened.close();
  if (seen !== 0x5a5a) throw new Error(`a write through one mapping read back as ${seen}`);
} finally {
  created.close();
  addon.shmUnlink(name);
}
console.log(`${file}: loads and maps shared memory under Node ${process.version}`);
