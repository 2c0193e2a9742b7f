// scripts/build.mjs shares the actions among its build processes: whole actions (main and post
// together), every one exactly once, the heavy ones apart.
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';

const root = path.resolve(import.meta.dirname, '../../..');
const { shareActions } = (await import(path.join(root, 'scripts/build.mjs'))) as {
  shareActions: (list: { name: string }[], jobs: number) => string[][];
};
const { entries } = (await import(path.join(root, 'scripts/entries.mjs'))) as {
  entries: () => { name: string; out: string }[];
};

const of = (...names: string[]) => names.flatMap((name) => [{ name }, { name }]);

describe('shareActions', () => {
  test.each([
    [of('smoke-test'), 2, [['smoke-test']]],
    [of('k8s-canary', 'k8s-bluegreen'), 2, [['k8s-bluegreen'], ['k8s-canary']]],
    [of('k8s-canary', 'smoke-test', 'fleet'), 1, [['k8s-canary', 'fleet', 'smoke-test']]],
    [of('hac', 'fleet', 'k8s-canary'), 2, [['k8s-canary'], ['fleet', 'hac']]],
    [of('a', 'b', 'c'), 5, [['a'], ['b'], ['c']]],
  ])('%j in %i jobs', (list, jobs, groups) => {
    expect(shareActions(list, jobs)).toEqual(groups);
  });

  test('every bundle hac ships is built by exactly one process, the two k8s actions by different ones', () => {
    const list = entries();
    const groups = shareActions(list, 2);
    expect(groups.flat().sort()).toEqual([...new Set(list.map((e) => e.name))].sort());
    const k8s = ['k8s-bluegreen', 'k8s-canary'].map((n) => groups.findIndex((g) => g.includes(n)));
    expect(k8s[0]).not.toBe(k8s[1]);
  });
});
