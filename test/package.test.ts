// The package as users get it: `npm pack` of a copy of this tree (prebuilds made by prepack),
// installed into a new app with install scripts disabled, then used from ESM across two
// processes, from CommonJS, from the command line and from a strict TypeScript project that
// compiles the README's TypeScript examples (each ```ts block a module of its own; an HTML comment
// `<!-- ts-prelude ... -->` right before a block holds what the block assumes and does not show,
// e.g. the declaration of a `source` stream). Prebuilds and the Node headers they need are cached
// in node_modules/.cache/shmring, so only the first run compiles.
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { finished, lineFrom, ROOT } from './helpers/child.js';
import { uniqueShmName } from './helpers/names.js';

const SETUP_TIMEOUT_MS = 300_000;
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
};
const devVersion = (name: string): string =>
  (createRequire(join(ROOT, 'package.json'))(`${name}/package.json`) as { version: string })
    .version;

let work = '';
let app = '';
let tarball = '';
let installed = '';

/** Runs a command; a failure throws with everything it printed, so a broken step is obvious. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`, {
      cause: error,
    });
  }
}

/** Writes a file of the test app. */
function appFile(name: string, text: string): string {
  const path = join(app, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'shmring-package-'));
  // Packing runs prepack (a clean dist/ and the prebuilds) in a copy, never in this tree, whose
  // build other test files are using meanwhile.
  const tree = join(work, 'tree');
  mkdirSync(tree);
  execFileSync(
    'sh',
    [
      '-c',
      `tar -c --exclude=./node_modules --exclude=./build --exclude=./dist --exclude=./prebuilds ` +
        `--exclude=./.git --exclude=./bench-results --exclude='./*.tgz' . | tar -x -C "${tree}"`,
    ],
    { cwd: ROOT },
  );
  symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
  run('npm', ['pack', '--pack-destination', work], tree);
  tarball = join(work, `shmring-${packageJson.version}.tgz`);
  expect(existsSync(tarball), `npm pack made no ${tarball}`).toBe(true);

  app = join(work, 'app');
  mkdirSync(app);
  appFile('package.json', JSON.stringify({ name: 'app', private: true, type: 'module' }));
  // Dependencies come from the npm cache that this tree's own install filled.
  run(
    'npm',
    [
      'install',
      '--ignore-scripts',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      tarball,
      `@types/node@${devVersion('@types/node')}`,
      `typescript@${devVersion('typescript')}`,
      // The README's NATS example needs the optional peers, as a user of shmring/nats installs them.
      ...['@nats-io/transport-node', '@nats-io/jetstream', '@nats-io/nats-core'].map(
        (name) => `${name}@${devVersion(name)}`,
      ),
    ],
    app,
  );
  installed = join(app, 'node_modules', 'shmring');
}, SETUP_TIMEOUT_MS);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('the tarball', () => {
  it('holds what runs, and nothing of the development tree', () => {
    const files = run('tar', ['-tzf', tarball], work)
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.replace(/^package\//, ''));
    for (const needed of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'docs/FORMAT.md',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/cli/main.js',
      'binding.gyp',
      'native/src/addon.cc',
      'native/include/shmring.h',
      'scripts/install.js',
      'prebuilds/linux-x64/shmring.abi115.node',
      'prebuilds/linux-x64/shmring.abi127.node',
      'prebuilds/linux-x64/shmring.abi137.node',
    ]) {
      expect(files, `${needed} is missing from the tarball`).toContain(needed);
    }
    const unwanted = files.filter(
      (file) =>
        /\.(map|ts)$/.test(file.replace(/\.d\.ts$/, '')) ||
        /^(bench|examples|test|dist\/bench|dist\/examples|build)\//.test(file) ||
        /^scripts\/(?!install\.js$)/.test(file),
    );
    expect(unwanted).toEqual([]);
  });

  it('has prebuilds that need no newer glibc and libstdc++ than the README says (2.34, GCC 12)', () => {
    const dir = join(installed, 'prebuilds', `linux-${process.arch}`);
    for (const file of readdirSync(dir)) {
      const symbols = run('objdump', ['-T', join(dir, file)], dir);
      const newest = (prefix: string): string =>
        [...symbols.matchAll(new RegExp(`\\(${prefix}_([\\d.]+)\\)`, 'g'))]
          .map((match) => match[1] ?? '')
          .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
          .at(-1) ?? '';
      expect(
        newest('GLIBC').localeCompare('2.34', 'en', { numeric: true }),
        file,
      ).toBeLessThanOrEqual(0);
      expect(
        newest('GLIBCXX').localeCompare('3.4.30', 'en', { numeric: true }),
        file,
      ).toBeLessThanOrEqual(0);
    }
  });

  it('has no source map references to files it does not ship', () => {
    const withMaps: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (
          /\.[cm]?js$/.test(entry.name) &&
          /sourceMappingURL/.test(readFileSync(path, 'utf8'))
        )
          withMaps.push(path);
      }
    };
    walk(join(installed, 'dist'));
    expect(withMaps).toEqual([]);
  });

  it('says which Node versions it supports', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(manifest.engines.node).toBe('^20.19.0 || >=22.12.0');
  });
});

describe('installed with install scripts disabled', () => {
  it('loads the prebuilt addon (nothing was compiled) and carries messages between two processes', async () => {
    expect(existsSync(join(installed, 'build')), 'a source build exists').toBe(false);
    const name = uniqueShmName('package-esm');
    const receiver = spawn(process.execPath, [appFile('receiver.mjs', RECEIVER)], {
      cwd: app,
      env: { ...process.env, CHANNEL: name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const done = finished(receiver);
    await lineFrom(receiver, /^ready$/);
    const sender = await finished(
      spawn(process.execPath, [appFile('sender.mjs', SENDER)], {
        cwd: app,
        env: { ...process.env, CHANNEL: name },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    expect(sender.stderr).toBe('');
    expect(sender.code).toBe(0);
    const result = await done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.replace(/^ready\n/, ''))).toEqual([
      { id: 1, text: 'hello', big: '12345678901234567890', bytes: [1, 2, 3] },
      { id: 2, text: 'x'.repeat(100_000), big: '0', bytes: [] },
    ]);
    expect(existsSync(`/dev/shm${name}`)).toBe(false);
  });

  it('is require()d from CommonJS', () => {
    const out = run(process.execPath, [appFile('require.cjs', REQUIRE)], app, {
      CHANNEL: uniqueShmName('package-cjs'),
    });
    expect(out.trim()).toBe('{"n":42} ERR_SHMRING_CLOSED');
  });

  it('runs the shmring command from node_modules/.bin', () => {
    const help = run(join(app, 'node_modules', '.bin', 'shmring'), ['--help'], app);
    for (const command of ['ls', 'stat', 'rm', 'prune']) expect(help).toContain(command);
  });

  it("compiles in a strict TypeScript project without skipLibCheck, with the README's examples", () => {
    const readme = readFileSync(join(installed, 'README.md'), 'utf8');
    const blocks = tsBlocks(readme);
    expect(blocks.length).toBeGreaterThan(2);
    rmSync(join(app, 'typed'), { recursive: true, force: true });
    blocks.forEach((block, i) => appFile(`typed/readme-${i + 1}.ts`, block));
    appFile('typed/usage.ts', USAGE);
    appFile('typed/tsconfig.json', JSON.stringify(STRICT_TSCONFIG, null, 2));
    const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    run(process.execPath, [tsc, '-p', join(app, 'typed')], app);
  });
});

describe('installed with install scripts', () => {
  // npm gives install scripts its own node-gyp; the headers are those of the Node running here,
  // so nothing is downloaded.
  const headers = dirname(dirname(process.execPath));
  const env = existsSync(join(headers, 'include', 'node', 'node_api.h'))
    ? { npm_config_nodedir: headers }
    : {};

  it('compiles nothing when a prebuild loads', () => {
    run('npm', ['rebuild', 'shmring'], app, env);
    expect(existsSync(join(installed, 'build'))).toBe(false);
  });

  it('compiles from source when no prebuild fits this Node, and then works the same', async () => {
    const prebuild = join(
      installed,
      'prebuilds',
      `linux-${process.arch}`,
      `shmring.abi${process.versions.modules}.node`,
    );
    renameSync(prebuild, `${prebuild}.away`);
    run('npm', ['rebuild', 'shmring'], app, env);
    expect(existsSync(join(installed, 'build', 'Release', 'shmring.node'))).toBe(true);
    const again = run(process.execPath, [join(app, 'require.cjs')], app, {
      CHANNEL: uniqueShmName('package-source'),
    });
    expect(again.trim()).toBe('{"n":42} ERR_SHMRING_CLOSED');
  }, 180_000);

  it('says how to build the addon when neither a source build nor a prebuild loads', () => {
    rmSync(join(installed, 'build'), { recursive: true });
    const out = run(process.execPath, [appFile('no-addon.mjs', NO_ADDON)], app);
    expect(out).toMatch(/^ERR_SHMRING_NO_ADDON .*npm rebuild shmring --build-from-source/);
  });
});

/** The ```ts blocks of a markdown text, each preceded by its `<!-- ts-prelude ... -->`, if any. */
function tsBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const fence = /(?:<!--\s*ts-prelude\n([\s\S]*?)-->\s*\n)?```ts\n([\s\S]*?)```/g;
  for (const match of markdown.matchAll(fence)) {
    blocks.push(`${match[1] ?? ''}${match[2]}\nexport {};\n`);
  }
  return blocks;
}

const STRICT_TSCONFIG = {
  compilerOptions: {
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    target: 'ES2022',
    lib: ['ES2022'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: ['node'],
  },
  include: ['*.ts'],
};

const RECEIVER = `import { createChannel } from 'shmring';
const receiver = createChannel(process.env.CHANNEL, { capacity: 1 << 16 });
console.log('ready');
const got = [];
for await (const value of receiver) {
  got.push({ ...value, big: String(value.big), bytes: [...value.bytes] });
}
receiver.close();
process.stdout.write(JSON.stringify(got));
`;

const SENDER = `import { openChannel } from 'shmring';
const sender = openChannel(process.env.CHANNEL);
await sender.send({ id: 1, text: 'hello', big: 12345678901234567890n, bytes: new Uint8Array([1, 2, 3]) });
await sender.send({ id: 2, text: 'x'.repeat(100_000), big: 0n, bytes: new Uint8Array(0) });
sender.close();
`;

const REQUIRE = `const { createChannel, openChannel, ShmringError } = require('shmring');
const receiver = createChannel(process.env.CHANNEL, { capacity: 4096 });
const sender = openChannel(process.env.CHANNEL);
sender.trySend({ n: 42 });
const value = receiver.tryReceive();
sender.close();
receiver.close();
try {
  sender.trySend(1);
} catch (error) {
  if (!(error instanceof ShmringError)) throw error;
  console.log(JSON.stringify(value), error.code);
}
`;

const NO_ADDON = `try {
  await import('shmring');
} catch (error) {
  console.log(error.code, error.message);
}
`;

const USAGE = `import { createChannel, openChannel, ShmringError, type ShmringErrorCode } from 'shmring';

interface Job {
  id: number;
  payload: Uint8Array;
}

const receiver = createChannel<Job>('/typed-jobs', { capacity: 1 << 16, producers: 'multi' });
const sender = openChannel<Job>('/typed-jobs');
const sent: boolean = sender.trySend({ id: 1, payload: new Uint8Array(8) });
const job: Job | undefined = receiver.tryReceive();
console.log(sent, job?.id);

function codeOf(error: unknown): ShmringErrorCode | undefined {
  return error instanceof ShmringError ? error.code : undefined;
}
const closed: ShmringErrorCode = 'ERR_SHMRING_CLOSED';
// @ts-expect-error: not a code shmring uses
const unknownCode: ShmringErrorCode = 'ERR_SOMETHING_ELSE';
console.log(codeOf(new Error('x')), closed, unknownCode);
sender.close();
receiver.close();
`;
