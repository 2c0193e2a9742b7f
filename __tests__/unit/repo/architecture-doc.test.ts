// docs/ARCHITECTURE.md stays true: every repository path it names in backticks exists, and the
// package layering it states is the one the import graph has.
import { expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGraph, compilerOptions, sourceFiles } from '../../support/import-graph.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const doc = fs.readFileSync(path.join(root, 'docs/ARCHITECTURE.md'), 'utf8');

/** Backticked spans that look like repository paths: a slash or a file extension, no spaces. */
function namedPaths(markdown: string): string[] {
  const spans = [...markdown.matchAll(/`([^`\s]+)`/g)].map((m) => m[1] as string);
  return [...new Set(spans.filter((s) => /\/|\.(ts|mjs|js|json|yml|md)$/.test(s) && !s.startsWith('@')))];
}

/** A path with `<name>` placeholders matches when some directory entry fits each placeholder. */
function exists(rel: string): boolean {
  const parts = rel.replace(/\/$/, '').split('/');
  let candidates = [root];
  for (const part of parts) {
    candidates = candidates.flatMap((dir) =>
      /<[^>]+>/.test(part)
        ? fs.existsSync(dir) && fs.statSync(dir).isDirectory()
          ? fs.readdirSync(dir).map((e) => path.join(dir, e))
          : []
        : [path.join(dir, part)],
    );
  }
  return candidates.some((c) => fs.existsSync(c));
}

test('the path finder picks paths and skips other code spans', () => {
  expect(namedPaths('`a/b.ts` `steps` `10,25,50,100` `@hac/<name>` `x.yml` `a/<n>/` `PATCH`')).toEqual([
    'a/b.ts',
    'x.yml',
    'a/<n>/',
  ]);
});

test('every path named in docs/ARCHITECTURE.md exists', () => {
  const named = namedPaths(doc);
  expect(named.length).toBeGreaterThan(30);
  expect(named.filter((p) => !exists(p))).toEqual([]);
});

test('a missing path is reported', () => {
  expect(exists('packages/k8s/canary/engine.ts')).toBe(true);
  expect(exists('packages/<name>/index.ts')).toBe(true);
  expect(exists('packages/k8s/canary/nowhere.ts')).toBe(false);
});

test('package imports follow the layers the document states', () => {
  const graph = buildGraph(
    sourceFiles([path.join(root, 'packages')]),
    compilerOptions(path.join(root, 'tsconfig.json')),
  );
  const pkg = (f: string) => path.relative(path.join(root, 'packages'), f).split(path.sep)[0] as string;
  const uses: Record<string, Set<string>> = {};
  for (const [file, edges] of graph)
    for (const e of edges)
      if (e.to && pkg(e.to) !== pkg(file)) (uses[pkg(file)] ??= new Set()).add(pkg(e.to));
  const table = Object.fromEntries(Object.entries(uses).map(([k, v]) => [k, [...v].sort()]));
  expect(table).toEqual({
    probe: ['toolkit'],
    image: ['toolkit'],
    dispatch: ['toolkit'],
    fleet: ['toolkit'],
    k8s: ['probe', 'toolkit'],
    aws: ['probe', 'toolkit'],
  });
  expect(doc).toContain(
    'probe, image, dispatch and fleet use the toolkit; k8s and aws use the toolkit\nand probe.',
  );
});
