// Bundles ship source maps that stack traces use, and the licence notices of every package they
// hold. The build runs into a temporary directory; the committed dist/ is checked as it is.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '../../..');
const ACTIONS = [
  'build-ami',
  'docker-build-push',
  'fleet',
  'hac',
  'k8s-bluegreen',
  'k8s-canary',
  'smoke-test',
  'swap-eip',
];
const SEPARATOR = '-'.repeat(72);

function files(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f));
}

/** The npm packages named by the sources of every source map under dir (the bundle's module list). */
function packagesInMaps(dir: string): Set<string> {
  const names = new Set<string>();
  for (const file of files(dir).filter((f) => f.endsWith('.map'))) {
    const { sources } = JSON.parse(fs.readFileSync(file, 'utf8')) as { sources: string[] };
    for (const s of sources) {
      const m = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(s);
      if (m?.[1]) names.add(m[1]);
    }
  }
  return names;
}

/** name -> licence text of each section of a licenses.txt. */
function notices(file: string): Map<string, string> {
  const sections = fs.readFileSync(file, 'utf8').split(`\n${SEPARATOR}\n\n`).slice(1);
  return new Map(
    sections.map((s) => {
      const [id = '', ...rest] = s.split('\n');
      return [id.replace(/@[^@]+$/, ''), rest.join('\n').trim()];
    }),
  );
}

/** 1-based line of the first line of file that contains text. */
function lineOf(file: string, text: string): number {
  const i = fs
    .readFileSync(path.join(root, file), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} not found in ${file}`);
  return i + 1;
}

describe('a bundle built by scripts/build.mjs', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bundle-'));
    const list = [
      {
        name: 'fixture',
        entry: path.join(root, '__tests__/fixtures/bundle/throws.ts'),
        out: 'fixture/index.js',
      },
      { name: 'lazy', entry: path.join(root, '__tests__/fixtures/bundle/lazy.ts'), out: 'lazy/index.js' },
    ];
    const script = `import { build } from ${JSON.stringify(pathToFileURL(path.join(root, 'scripts/build.mjs')).href)};
      await build(${JSON.stringify(dir)}, { log: () => {}, list: ${JSON.stringify(list)} });`;
    // Started outside the repository: the output must not depend on the working directory.
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: os.tmpdir(),
      encoding: 'utf8',
    });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  }, 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('an error thrown in an engine names its .ts file and line (entry chunk and lazy chunk)', () => {
    const res = spawnSync(process.execPath, [path.join(dir, 'fixture', 'index.js')], { encoding: 'utf8' });
    expect(res.status).toBe(0);
    const [internal = '', ...rest] = res.stdout.split('\n');
    // a stack of Node's own frames alone does not load source-map-support
    expect(JSON.parse(internal)).toEqual({
      internal: expect.stringMatching(/^Error: ENOENT/),
      mapsLoaded: false,
    });
    const [first, second] = rest.join('\n').split(/\n(?=Error: )/);
    expect(first).toContain('Error: not a duration: soon');
    expect(first).toContain(
      `packages/toolkit/duration.ts:${lineOf('packages/toolkit/duration.ts', 'not a duration:')}:`,
    );
    expect(second).toContain('Error: no checks given');
    expect(second).toContain(
      `packages/probe/checks.ts:${lineOf('packages/probe/checks.ts', '`no checks given')}:`,
    );
  });

  test('a module behind onFirstUse is in the bundle, evaluated on first use and once (run with no node_modules near)', () => {
    const res = spawnSync(process.execPath, [path.join(dir, 'lazy', 'index.js')], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout)).toEqual({
      before: 0,
      first: 'loaded',
      second: 'loaded',
      after: 1,
      yaml: { a: [1, 2] },
    });
  });

  test('map sources are relative to the bundle as it sits in dist/<action>/', () => {
    const map = JSON.parse(fs.readFileSync(path.join(dir, 'fixture', 'index.js.map'), 'utf8')) as {
      sources: string[];
      sourcesContent?: unknown;
    };
    expect(map.sources).toEqual(
      expect.arrayContaining([
        '../../packages/toolkit/duration.ts',
        '../../__tests__/fixtures/bundle/throws.ts',
      ]),
    );
    expect(map.sourcesContent).toBeUndefined();
  });

  test("licenses.txt has a notice for every package in the bundle's module list", () => {
    const inMaps = packagesInMaps(path.join(dir, 'fixture'));
    expect([...inMaps]).toEqual(expect.arrayContaining(['yaml']));
    const listed = notices(path.join(dir, 'fixture', 'licenses.txt'));
    // sourcemap-register.cjs is ncc's bundle of source-map-support, source-map and buffer-from.
    const expected = [...inMaps, 'source-map-support', 'source-map', 'buffer-from'];
    expect(expected.filter((name) => !listed.has(name))).toEqual([]);
    for (const [name, text] of listed) expect([name, text.length > 20]).toEqual([name, true]);
  });
});

describe('the committed dist/', () => {
  test.each(ACTIONS)(
    '%s: every code file has a source map whose sources exist in the repository',
    (action) => {
      const dir = path.join(root, 'dist', action);
      const code = files(dir).filter((f) => /(^|\/)(\d+\.)?index\.js$/.test(f));
      expect(code.length).toBeGreaterThan(0);
      for (const file of code) {
        expect([
          file,
          fs
            .readFileSync(file, 'utf8')
            .trimEnd()
            .endsWith(`//# sourceMappingURL=${path.basename(file)}.map`),
        ]).toEqual([file, true]);
        const { sources } = JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
        const ours = sources.filter((s) => /\.ts$/.test(s) && !s.includes('node_modules'));
        const missing = ours.filter((s) => !fs.existsSync(path.resolve(path.dirname(file), s)));
        expect([file, missing]).toEqual([file, []]);
      }
    },
  );

  test.each(ACTIONS)(
    "%s: licenses.txt has a notice for every package in the bundle's module list",
    (action) => {
      const dir = path.join(root, 'dist', action);
      const listed = notices(path.join(dir, 'licenses.txt'));
      expect([...packagesInMaps(dir)].filter((name) => !listed.has(name))).toEqual([]);
    },
  );
});
