// `npm run pipeline -- fleet [--bad-cluster N]`: the argument rules and the FLEET variable the local
// run gives the template (pure parts of scripts/pipeline.mjs and scripts/pipeline/fleet.mjs).
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { planFleet } from '../../../packages/fleet/plan.js';

const root = path.resolve(import.meta.dirname, '../../..');
const { parseArgs } = (await import(path.join(root, 'scripts/pipeline.mjs'))) as {
  parseArgs: (argv: string[]) => Record<string, unknown>;
};
const { fleetPlanVar, checkBadCluster } = (await import(path.join(root, 'scripts/pipeline/fleet.mjs'))) as {
  fleetPlanVar: (contexts: string[], canary: string[], stable: string) => string;
  checkBadCluster: (n: number | undefined, count: number) => void;
};

describe('pipeline arguments', () => {
  test.each([
    [['fleet'], { template: 'fleet', badCluster: undefined, bad: false }],
    [['fleet', '--bad-cluster', '2'], { template: 'fleet', badCluster: 2 }],
    [['fleet.yml', '--bad-cluster', '3', '--quiet'], { template: 'fleet', badCluster: 3, quiet: true }],
  ])('%j', (argv, want) => expect(parseArgs(argv)).toMatchObject(want));

  test.each([
    [['k8s-canary', '--bad-cluster', '2'], '--bad-cluster N is for the fleet template'],
    [['fleet', '--bad-cluster', '1'], '--bad-cluster 1: expected a wave-1 cluster'],
    [['fleet', '--bad-cluster', 'x'], '--bad-cluster NaN: expected a wave-1 cluster'],
    [['fleet', '--clusters'], 'unknown argument "--clusters"'],
  ])('%j is refused', (argv, message) => expect(() => parseArgs(argv)).toThrow(message));

  test.each([
    [undefined, 3, ''],
    [2, 3, ''],
    [3, 3, ''],
    [4, 3, 'from 2 to 3'],
    [1, 3, 'cluster 1 is wave 0'],
  ])('checkBadCluster(%p, %p)', (n, count, message) => {
    if (message) expect(() => checkBadCluster(n, count)).toThrow(message);
    else expect(() => checkBadCluster(n, count)).not.toThrow();
  });
});

test('the local FLEET: wave 0 the first cluster, wave 1 the others, each with its canary URL', () => {
  const value = fleetPlanVar(['hac-1', 'hac-2', 'hac-3'], ['http://a', 'http://bad', 'http://a'], 'http://s');
  const plan = planFleet(JSON.parse(value));
  expect(
    plan.waves.map((w) => [w.clusters.map((c) => [c.context, c.canary_url, c.stable_url]), w.maxParallel]),
  ).toEqual([
    [[['hac-1', 'http://a', 'http://s']], 1],
    [
      [
        ['hac-2', 'http://bad', 'http://s'],
        ['hac-3', 'http://a', 'http://s'],
      ],
      2,
    ],
  ]);
  expect(() => fleetPlanVar(['hac-1'], ['http://a'], 'http://s')).toThrow('at least 2 clusters');
});
