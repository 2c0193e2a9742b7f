// The import graph of packages/, actions/ and root/ (TypeScript's compiler API): no cycles, type-only
// and dynamic imports included, and nothing of @actions/core, @actions/github or octokit on any
// action's path (docker-build-push reads its git context itself, so undici stays off it too).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildGraph,
  compilerOptions,
  findCycles,
  importsOf,
  reachable,
  sourceFiles,
  type ImportGraph,
  type ImportKind,
} from '../../support/import-graph.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const rel = (f: string) => path.relative(root, f);
const options = compilerOptions(path.join(root, 'tsconfig.json'));
const graph = buildGraph(
  sourceFiles(['packages', 'actions', 'root'].map((d) => path.join(root, d))),
  options,
);
const entries = [...graph.keys()].filter((f) => /^(actions\/[^/]+|root)\/(main|post)\.ts$/.test(rel(f)));

/** The npm packages imported (not only for types) by the files reachable from `entry`. */
function packagesFrom(g: ImportGraph, entry: string, kinds: ImportKind[]): string[] {
  const files = reachable(g, entry, kinds);
  const names = [...files].flatMap((f) =>
    (g.get(f) ?? []).flatMap((e) => (e.external && kinds.includes(e.kind) ? [e.external] : [])),
  );
  return [...new Set(names)].sort();
}

describe('the repository', () => {
  test('the graph covers every source file and resolves @hac/* through the tsconfig paths', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(entries.map(rel)).toEqual(expect.arrayContaining(['actions/k8s-canary/main.ts', 'root/main.ts']));
    const canary = graph.get(path.join(root, 'actions/k8s-canary/main.ts'))!;
    expect(canary.map((e) => e.to && rel(e.to))).toContain('packages/k8s/index.ts');
  });

  test('has no import cycle (static, type-only or dynamic)', () => {
    expect(findCycles(graph).map((loop) => loop.map(rel).join(' → '))).toEqual([]);
  });

  const FORBIDDEN = /^(@actions\/core|@actions\/github|@octokit\/.*)$/;
  test.each(entries.map((e) => [rel(e), e]))(
    '%s: no @actions/core, @actions/github or octokit, not even lazily',
    (_name, entry) => {
      const all = packagesFrom(graph, entry, ['static', 'dynamic']);
      expect(all.filter((p) => FORBIDDEN.test(p))).toEqual([]);
    },
  );

  test('docker-build-push: no HTTP client at all (undici, octokit); the tag logic is there', () => {
    const all = packagesFrom(graph, path.join(root, 'actions/docker-build-push/main.ts'), [
      'static',
      'dynamic',
    ]);
    expect(all.filter((p) => /^(undici|@octokit\/.*|@actions\/.*|@kubernetes\/.*)$/.test(p))).toEqual([]);
    expect(all).toEqual(expect.arrayContaining(['semver', 'yaml']));
  });
});

describe('on a fixture', () => {
  let dir: string;
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-graph-'));
    write('a.ts', "import type { B } from './b.js';\nexport const a = (b: B) => b;\n");
    write('b.ts', "export { c } from './c.js';\nexport type B = number;\n");
    write('c.ts', "export const c = () => import('./a.js');\nexport type T = import('./d.js').D;\n");
    write('d.ts', "import { type A } from './e.js';\nimport 'side-effect';\nexport type D = A;\n");
    write('e.ts', "import x = require('./d.js');\nexport type A = typeof x;\n");
    write('f.ts', "export const later = () => require('lazy-package');\n");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('imports are read with their kind', () => {
    expect(importsOf(path.join(dir, 'c.ts'))).toEqual([
      { specifier: './a.js', kind: 'dynamic' },
      { specifier: './d.js', kind: 'type' },
    ]);
    expect(importsOf(path.join(dir, 'd.ts'))).toEqual([
      { specifier: './e.js', kind: 'type' },
      { specifier: 'side-effect', kind: 'static' },
    ]);
    expect(importsOf(path.join(dir, 'f.ts'))).toEqual([{ specifier: 'lazy-package', kind: 'dynamic' }]);
  });

  test('a cycle through type-only and dynamic imports is found, one loop per cycle', () => {
    const g = buildGraph(sourceFiles([dir]), options);
    const loops = findCycles(g).map((loop) => loop.map((f) => path.basename(f)).join(' → '));
    expect(loops).toEqual(['a.ts → b.ts → c.ts → a.ts', 'd.ts → e.ts → d.ts']);
    expect(g.get(path.join(dir, 'd.ts'))).toContainEqual({
      specifier: 'side-effect',
      kind: 'static',
      external: 'side-effect',
    });
  });
});
