import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@jest/globals';
// @ts-expect-error: a plain .mjs script with no type declarations
import { measure } from '../../../scripts/sizes.mjs';
import { REPO_ROOT } from '../../support/sandbox.js';

// The shape the architecture promises (docs/ARCHITECTURE.md): every entry point is the same two
// statements over its engine, and the shipped code has no function over 60 lines and no file over
// 400 (counted with the TypeScript compiler API by scripts/sizes.mjs).
const ENTRY =
  /^import \{ runEngine \} from '@hac\/toolkit';\nimport \{ (\w+) \} from '@hac\/([a-z0-9-]+)';\n\nvoid runEngine\(\1\);\n$/;

const entries = fs
  .readdirSync(path.join(REPO_ROOT, 'actions'))
  .flatMap((name) => ['main.ts', 'post.ts'].map((file) => path.join('actions', name, file)))
  .filter((file) => fs.existsSync(path.join(REPO_ROOT, file)));

test('there is an entry point for every action', () => {
  const actions = fs.readdirSync(path.join(REPO_ROOT, 'actions'));
  expect(actions.length).toBeGreaterThanOrEqual(6);
  for (const a of actions) expect(entries).toContain(path.join('actions', a, 'main.ts'));
});

test.each(entries)('%s is `void runEngine(<engine>)` and nothing else', (file) => {
  const text = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
  expect(text).toMatch(ENTRY);
});

test.each([
  ["import { runEngine } from '@hac/toolkit';\nimport { a } from '@hac/k8s';\n\nvoid runEngine(a);\n", true],
  ["import { runEngine } from '@hac/toolkit';\nimport { a } from '@hac/k8s';\n\nvoid runEngine(b);\n", false],
  [
    "import { runEngine } from '@hac/toolkit';\nimport { a } from '@hac/k8s';\n\nvoid runEngine(a);\nconsole.log(1);\n",
    false,
  ],
  ["import { a } from './inputs.js';\n\nvoid runEngine(a);\n", false],
])('the shape check: %j → %s', (text, ok) => {
  expect(ENTRY.test(text)).toBe(ok);
});

test('no function over 60 lines and no file over 400 in packages/ and actions/', () => {
  const r = measure(REPO_ROOT) as {
    files: number;
    bigFunctions: { file: string; line: number; name: string; lines: number }[];
    bigFiles: { file: string; lines: number }[];
  };
  expect(r.files).toBeGreaterThan(100);
  expect(r.bigFunctions.map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`)).toEqual([]);
  expect(r.bigFiles.map((f) => `${f.file} (${f.lines} lines)`)).toEqual([]);
});
