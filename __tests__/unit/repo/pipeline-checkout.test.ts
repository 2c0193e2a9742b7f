// The hac checkout that local template runs map `org/hac/...@v1` to (scripts/pipeline/checkout.mjs):
// the working tree's top-level entries as links, without what a runner's download would not have.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';

const root = path.resolve(import.meta.dirname, '../../..');
const { checkoutEntries, linkedCheckout } = (await import(
  path.join(root, 'scripts/pipeline/checkout.mjs')
)) as {
  checkoutEntries: (names: string[]) => string[];
  linkedCheckout: (repoRoot: string, dir: string) => string;
};

describe('pipeline checkout', () => {
  test.each([
    [
      ['dist', 'actions', 'action.yml'],
      ['action.yml', 'actions', 'dist'],
    ],
    [['node_modules', '.git', 'actions', 'coverage', '.tmp', '.tmp-x'], ['actions']],
    [
      ['.github', 'node_modules-notes', 'README.md'],
      ['.github', 'README.md', 'node_modules-notes'],
    ],
  ])('checkoutEntries(%j)', (names, want) => expect(checkoutEntries(names)).toEqual(want));

  test('links every entry into the working tree; removing the checkout leaves the tree', () => {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-checkout-'));
    try {
      const src = path.join(top, 'src');
      fs.mkdirSync(path.join(src, 'actions', 'a'), { recursive: true });
      fs.mkdirSync(path.join(src, 'node_modules'));
      fs.writeFileSync(path.join(src, 'actions', 'a', 'action.yml'), 'name: a\n');
      const dir = linkedCheckout(src, path.join(top, 'run', 'hac'));
      expect(fs.readdirSync(dir)).toEqual(['actions']);
      expect(fs.lstatSync(path.join(dir, 'actions')).isSymbolicLink()).toBe(true);
      expect(fs.readFileSync(path.join(dir, 'actions', 'a', 'action.yml'), 'utf8')).toBe('name: a\n');
      fs.rmSync(path.join(top, 'run'), { recursive: true, force: true });
      expect(fs.existsSync(path.join(src, 'actions', 'a', 'action.yml'))).toBe(true);
    } finally {
      fs.rmSync(top, { recursive: true, force: true });
    }
  });
});

const { committedDistIsCurrent } = (await import(path.join(root, 'scripts/pipeline/fleet.mjs'))) as {
  committedDistIsCurrent: (
    repoRoot: string,
    run: (r: string, args: string[]) => string | undefined,
  ) => boolean;
};

describe('the fleet run uses the committed bundles only when they are the build of the sources', () => {
  const answers =
    (log: string | undefined, diff: string | undefined, others: string | undefined) =>
    (_: string, args: string[]) => (args[0] === 'log' ? log : args[0] === 'diff' ? diff : others);
  test.each([
    ['nothing changed since dist/ was rebuilt', answers('abc', '', ''), true],
    ['a source changed', answers('abc', 'packages/fleet/plan.ts', ''), false],
    ['dist/ itself changed', answers('abc', 'dist/fleet/index.js', ''), false],
    ['a new source file', answers('abc', '', 'packages/fleet/new.ts'), false],
    ['dist/ never committed', answers('', '', ''), false],
    ['not a git checkout', answers(undefined, undefined, undefined), false],
  ])('%s', (_, run, want) => expect(committedDistIsCurrent('/repo', run)).toBe(want));
});
