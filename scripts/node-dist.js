// Fetches a Node.js build from the npm registry package node-linux-<arch>@<spec> (its binary and
// headers) into a cache reused across runs, and prints the directory: `node scripts/node-dist.js 22`.
// The prebuilds are compiled against these headers and scripts/test-node-versions.sh runs the
// suite under these binaries; nothing is downloaded from anywhere but the npm registry.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
/** Downloads and builds live here; `npm ci` starts it afresh. */
export const cacheDir = join(root, 'node_modules', '.cache', 'shmring');

/** The architectures node-linux-<arch> packages exist for, by process.arch. */
const ARCHES = new Set(['x64', 'arm64']);

/**
 * The directory of node-linux-<arch>@<spec>, unpacked (bin/node, include/node). A spec that
 * names a whole version is never fetched twice; a range (`22`) asks the registry which version
 * it means, then reuses that version's directory.
 */
export function nodeDist(spec, arch = process.arch) {
  if (!ARCHES.has(arch)) throw new Error(`no node-linux package for the architecture ${arch}`);
  const name = `node-linux-${arch}`;
  const exact = /^\d+\.\d+\.\d+$/.test(spec);
  if (exact) {
    const known = join(cacheDir, 'node', `${name}-${spec}`);
    if (existsSync(join(known, 'include', 'node', 'node_version.h'))) return known;
  }
  mkdirSync(join(cacheDir, 'node'), { recursive: true });
  const work = mkdtempSync(join(cacheDir, 'node', 'fetch-'));
  try {
    // Explicit destination and no dry run: inside `npm pack` of shmring (prepack), npm hands
    // its own command line down as npm_config_* variables, which would apply here too.
    const packed = execFileSync(
      'npm',
      ['pack', '--json', '--dry-run=false', '--pack-destination', work, `${name}@${spec}`],
      { cwd: work, encoding: 'utf8' },
    );
    const [{ filename: tarball, version }] = JSON.parse(packed);
    const dir = join(cacheDir, 'node', `${name}-${version}`);
    if (!existsSync(join(dir, 'include', 'node', 'node_version.h'))) {
      const unpacked = join(work, 'unpacked');
      mkdirSync(unpacked);
      execFileSync('tar', ['-xzf', join(work, tarball), '-C', unpacked, '--strip-components=1']);
      rmSync(dir, { recursive: true, force: true });
      renameSync(unpacked, dir);
    }
    return dir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** NODE_MODULE_VERSION of the headers in `dir`: process.versions.modules of that Node. */
export function moduleVersion(dir) {
  const header = join(dir, 'include', 'node', 'node_version.h');
  const match = /#define NODE_MODULE_VERSION (\d+)/.exec(readFileSync(header, 'utf8'));
  if (match === null) throw new Error(`no NODE_MODULE_VERSION in ${header}`);
  return Number(match[1]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [spec, arch] = process.argv.slice(2);
  if (spec === undefined) {
    console.error('usage: node scripts/node-dist.js <version or major> [x64|arm64]');
    process.exit(2);
  }
  console.log(nodeDist(spec, arch));
}
