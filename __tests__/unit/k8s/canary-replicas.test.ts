import { describe, test, expect } from '@jest/globals';
import { planReplicas, azurePodCanary, defaultSurge } from '../../../packages/k8s/canary/replicas.js';

describe('planReplicas without an HPA', () => {
  // base, step -> stable, canary, actual %
  test.each([
    [4, 25, 3, 1, 25],
    [4, 50, 2, 2, 50],
    [4, 10, 4, 1, 20], // 1 canary pod is the least; one surge pod keeps stable at 4
    [4, 75, 1, 3, 75],
    [4, 100, 1, 4, 80], // stable never reaches 0 before promotion
    [10, 10, 9, 1, 10],
    [10, 25, 9, 3, 25], // 3/12 exact, within the 13-pod cap
    [10, 33, 8, 4, 33.3],
    [3, 10, 3, 1, 25],
    [1, 50, 1, 1, 50],
    [1, 10, 1, 1, 50],
    [2, 100, 1, 2, 66.7],
  ])('base %i at %i%% -> stable %i, canary %i (%f%%)', (base, weight, stable, canary, actual) => {
    const plan = planReplicas({ base, weight });
    expect({ stable: plan.stable, canary: plan.canary, actual: plan.actual }).toEqual({
      stable,
      canary,
      actual,
    });
  });

  test.each([1, 2, 3, 4, 5, 7, 10, 16, 25])('base %i: invariants hold at every step', (base) => {
    for (let w = 1; w <= 100; w++) {
      const p = planReplicas({ base, weight: w });
      expect(p.stable).toBeGreaterThanOrEqual(1);
      expect(p.canary).toBeGreaterThanOrEqual(1);
      expect(p.stable + p.canary).toBeGreaterThanOrEqual(Math.max(2, base));
      expect(p.stable + p.canary).toBeLessThanOrEqual(Math.max(2, base + defaultSurge(base)));
    }
  });

  test('no surge keeps the total at the base size', () => {
    expect(planReplicas({ base: 4, weight: 10, surge: 0 })).toMatchObject({
      stable: 3,
      canary: 1,
      actual: 25,
    });
  });

  test('a note explains an inexact ratio', () => {
    expect(planReplicas({ base: 4, weight: 10 }).note).toMatch(/nearest ratio/);
    expect(planReplicas({ base: 4, weight: 25 }).note).toBeUndefined();
  });
});

describe('planReplicas with an HPA on stable', () => {
  const hpa = { name: 'web', minReplicas: 3, maxReplicas: 6 };
  test.each([
    // stableCurrent, step -> stable (left to the HPA), canary
    [4, 50, 4, 4],
    [4, 25, 4, 1], // 1/5 = 20 % is nearer 25 % than 2/6
    [2, 50, 3, 3], // below min: the HPA would raise it to 3, so plan with 3
    [9, 50, 6, 6], // above max: clamp to 6
    [4, 100, 4, 6], // canary capped at the HPA's max
  ])('stable %i at %i%% -> stable %i, canary %i', (stableCurrent, weight, stable, canary) => {
    expect(planReplicas({ base: 4, weight, hpa, stableCurrent })).toMatchObject({ stable, canary });
  });

  test('stable is never planned below minReplicas', () => {
    for (let w = 1; w <= 100; w++) {
      expect(planReplicas({ base: 4, weight: w, hpa, stableCurrent: 1 }).stable).toBeGreaterThanOrEqual(3);
    }
  });
});

describe("Azure/k8s-deploy's pod canary, for the README table", () => {
  test.each([
    [4, 25, 1, 16.7],
    [4, 10, 0, 0],
    [10, 20, 2, 14.3],
  ])('base %i at %i%% -> %i canary pods, %f%%', (base, weight, canary, actual) => {
    expect(azurePodCanary(base, weight)).toMatchObject({ canary, actual });
  });
});
