import { describe, expect, test } from '@jest/globals';
import {
  exactUCounts,
  mannWhitney,
  normalCdf,
  tieGroups,
  type Alternative,
} from '../../../packages/k8s/canary/judge/mannwhitney.js';

// Hollander & Wolfe (1973), p. 69, as printed in R's ?wilcox.test examples:
//   wilcox.test(x, y, alternative = "g")                                  W = 35, p-value = 0.1272
//   wilcox.test(x, y, alternative = "greater", exact = FALSE, correct = FALSE)  W = 35, p-value = 0.1103
const HW_X = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
const HW_Y = [1.15, 0.88, 0.9, 0.74, 1.21];
// SciPy's scipy.stats.mannwhitneyu documentation (ages of male and female subjects):
//   method="exact"       statistic=17.0, pvalue=0.1111111111111111
//   method="asymptotic"  statistic=17.0, pvalue=0.11134688653314041 (continuity correction on)
const MALES = [19, 22, 16, 29, 24];
const FEMALES = [20, 11, 17, 12];
// R's ?wilcox.test: wilcox.test(Ozone ~ Month, data = airquality, subset = Month %in% c(5, 8))
//   W = 127.5, p-value = 0.0001208 (ties: normal approximation with tie and continuity correction)
const OZONE_MAY = [
  41, 36, 12, 18, 28, 23, 19, 8, 7, 16, 11, 14, 18, 14, 34, 6, 30, 11, 1, 11, 4, 32, 23, 45, 115, 37,
];
const OZONE_AUG = [
  39, 9, 16, 78, 35, 66, 122, 89, 110, 44, 28, 65, 22, 59, 23, 31, 44, 21, 9, 45, 168, 73, 76, 118, 84, 85,
];

describe('mannWhitney against published reference values', () => {
  test.each<
    [
      string,
      number[],
      number[],
      Alternative,
      { exact?: boolean; correct?: boolean },
      number,
      number,
      number,
      string,
    ]
  >([
    ['Hollander & Wolfe, exact, greater', HW_X, HW_Y, 'greater', {}, 35, 0.1272, 4, 'exact'],
    [
      'Hollander & Wolfe, normal, no correction',
      HW_X,
      HW_Y,
      'greater',
      { exact: false, correct: false },
      35,
      0.1103,
      4,
      'normal',
    ],
    ['SciPy ages, exact, two-sided', MALES, FEMALES, 'two-sided', {}, 17, 0.1111111111111111, 12, 'exact'],
    [
      'SciPy ages, asymptotic, two-sided',
      MALES,
      FEMALES,
      'two-sided',
      { exact: false },
      17,
      0.11134688653314041,
      7,
      'normal',
    ],
    [
      'R airquality Ozone May vs August (ties)',
      OZONE_MAY,
      OZONE_AUG,
      'two-sided',
      {},
      127.5,
      0.0001208,
      7,
      'normal',
    ],
  ])('%s', (_name, x, y, alt, opts, u, p, digits, method) => {
    const r = mannWhitney(x, y, alt, opts);
    expect(r.u).toBe(u);
    expect(r.p).toBeCloseTo(p, digits);
    expect(r.method).toBe(method);
  });

  test('the one-sided tails add up and mirror each other', () => {
    const g = mannWhitney(HW_X, HW_Y, 'greater').p;
    const l = mannWhitney(HW_Y, HW_X, 'less').p;
    expect(l).toBeCloseTo(g, 12);
    expect(mannWhitney(HW_X, HW_Y, 'two-sided').p).toBeCloseTo(2 * g, 12);
  });

  test('U of one side plus U of the other is m*n', () => {
    expect(mannWhitney(OZONE_MAY, OZONE_AUG).u + mannWhitney(OZONE_AUG, OZONE_MAY).u).toBe(26 * 26);
  });

  test('identical constant samples give p = 1', () => {
    expect(mannWhitney([5, 5, 5], [5, 5, 5, 5]).p).toBe(1);
  });

  test('an empty sample is an error', () => {
    expect(() => mannWhitney([], [1])).toThrow(/at least one value/);
  });
});

describe('building blocks', () => {
  test.each([
    [[1, 2, 3], []],
    [
      [1, 1, 2, 3, 3, 3],
      [2, 3],
    ],
    [[4, 4, 4, 4], [4]],
  ])('tieGroups(%j) = %j', (values, groups) => expect(tieGroups(values)).toEqual(groups));

  test.each([
    // m=2, n=2: the 6 rankings give U = 0,1,2,2,3,4
    [2, 2, [1, 1, 2, 1, 1]],
    [1, 3, [1, 1, 1, 1]],
    [3, 1, [1, 1, 1, 1]],
  ])('exactUCounts(%i, %i)', (m, n, counts) => expect([...exactUCounts(m, n)]).toEqual(counts));

  test.each([
    [0, 0.5],
    [1.959963985, 0.975],
    [-1.644853627, 0.05],
  ])('normalCdf(%f) = %f', (z, p) => expect(normalCdf(z)).toBeCloseTo(p, 6));
});
