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

if (!prebuildLoads()) {
  console.warn(`shmring: compiling the native addon for Node ${process.version}`);
  const gyp = spawnSync(
    process.execPath,
    [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  process.exit(gyp.status ?? 1);
}
