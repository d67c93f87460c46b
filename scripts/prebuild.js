// `npm run prebuilds` (run by `prepack`; not named `prebuild`, which npm would run before every
// `npm run build`): compiles the addon once per supported Node major into
// prebuilds/linux-<arch>/shmring.abi<NODE_MODULE_VERSION>.node, which src/native.ts loads when
// no source build is present. Each is built against the headers of the OLDEST version of its
// major that package.json's `engines` admits, so that it loads on every later one: built against
// newer headers it would call Node-API functions that older versions of the same major lack
// (node_api_create_external_sharedarraybuffer is in 22.23 but not in 22.12, nor in 24.0). The
// prebuilds therefore take the V8 BackingStore path of native/src/shared_buffer.cc on every
// major; source builds against newer headers take the Node-API one. Builds are cached by the hash
// of everything that goes into them, so a second run only copies.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, moduleVersion, nodeDist } from './node-dist.js';

/** The oldest version of each supported major (package.json `engines`). */
const TARGETS = ['20.19.0', '22.12.0', '24.0.0'];

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const arch = process.arch;
const outDir = join(root, 'prebuilds', `linux-${arch}`);
const nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');

/** Every file the compiler reads from this package, plus what it reads from elsewhere. */
function buildKey(version) {
  const hash = createHash('sha256');
  const files = ['binding.gyp', ...listFiles('native')].sort();
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(root, file)));
  const addonApi = createRequire(import.meta.url)('node-addon-api/package.json').version;
  hash.update(`node-addon-api@${addonApi} node@${version} ${arch}`);
  return hash.digest('hex').slice(0, 24);
}

function listFiles(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** Compiles the addon against `nodeDir`'s headers in a scratch copy; returns the .node file. */
function compile(nodeDir, cached) {
  const work = mkdtempSync(join(cacheDir, 'build-'));
  try {
    cpSync(join(root, 'binding.gyp'), join(work, 'binding.gyp'));
    cpSync(join(root, 'native'), join(work, 'native'), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));
    // npm passes its own `nodedir` setting down as npm_config_nodedir, which would win over
    // --nodedir; set both so the addon really builds against these headers.
    const gyp = spawnSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`], {
      cwd: work,
      env: { ...process.env, npm_config_nodedir: nodeDir },
      encoding: 'utf8',
    });
    if (gyp.status !== 0) {
      process.stderr.write(gyp.stdout + gyp.stderr);
      throw new Error(`node-gyp failed for the headers in ${nodeDir}`);
    }
    const deps = join(work, 'build/Release/.deps/Release/obj.target/shmring/native/src/addon.o.d');
    if (!readFileSync(deps, 'utf8').includes(join(nodeDir, 'include', 'node'))) {
      throw new Error(`the addon was not built against the headers in ${nodeDir}`);
    }
    copyFileSync(join(work, 'build', 'Release', 'shmring.node'), cached);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.platform !== 'linux') throw new Error('prebuilds are made on Linux only');
rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
mkdirSync(join(cacheDir, 'addons'), { recursive: true });
for (const version of TARGETS) {
  const nodeDir = nodeDist(version, arch);
  const cached = join(cacheDir, 'addons', `${buildKey(version)}.node`);
  if (!existsSync(cached)) {
    console.error(`prebuild: compiling for Node ${version} (linux-${arch})`);
    const fresh = cached.replace(/\.node$/, '.new.node');
    compile(nodeDir, fresh);
    // Loaded by that very Node before it is kept: a build that cannot load is never shipped.
    execFileSync(join(nodeDir, 'bin', 'node'), [join(root, 'scripts', 'check-addon.js'), fresh], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    renameSync(fresh, cached);
  }
  const target = join(outDir, `shmring.abi${moduleVersion(nodeDir)}.node`);
  copyFileSync(cached, target);
  console.error(`prebuild: ${target.slice(root.length + 1)} (Node ${version})`);
}
