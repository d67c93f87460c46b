// npm's install step for shmring: nothing to do when the package carries a prebuilt addon that
// loads under this Node (see scripts/prebuild.js); otherwise compile it from source with node-gyp,
// which needs Python 3, make and a C++ compiler. `npm install --build-from-source` always compiles.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
// The name src/native.ts looks for.
const prebuild = join(
  root,
  'prebuilds',
  `${process.platform}-${process.arch}`,
  `shmring.abi${process.versions.modules}.node`,
);

function prebuildLoads() {
  if (process.env.npm_config_build_from_source === 'true' || !existsSync(prebuild)) return false;
  try {
    require(prebuild);
    return true;
  } catch (error) {
    console.warn(`shmring: the prebuilt addon does not load here (${error.message})`);
    return false;
  }
}

/**
 * node-gyp as the package manager provides it to install scripts: npm names its own copy in
 * npm_config_node_gyp, npm and pnpm put one on the PATH. shmring does not depend on node-gyp,
 * so that an install that finds a prebuild downloads nothing of a compiler toolchain.
 */
function nodeGyp() {
  const bundled = process.env.npm_config_node_gyp;
  if (bundled !== undefined && existsSync(bundled)) return [process.execPath, [bundled]];
  return ['node-gyp', []];
}

if (!prebuildLoads()) {
  console.warn(`shmring: compiling the native addon for Node ${process.version}`);
  const [command, args] = nodeGyp();
  const gyp = spawnSync(command, [...args, 'rebuild'], { cwd: root, stdio: 'inherit' });
  if (gyp.error !== undefined) console.error(`shmring: cannot run node-gyp: ${gyp.error.message}`);
  process.exit(gyp.status ?? 1);
}
