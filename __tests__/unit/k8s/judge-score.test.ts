import { describe, expect, test } from '@jest/globals';
import {
  beyondTolerance,
  judgeMetric,
  judgeStep,
  ratio,
  type MetricSamples,
} from '../../../packages/k8s/canary/judge/judge.js';
import { DEFAULT_JUDGE_OPTIONS, type JudgeMetric } from '../../../packages/k8s/canary/judge/spec.js';

function metric(over: Partial<JudgeMetric> = {}): JudgeMetric {
  return {
    name: 'latency',
    query: 'avg(x{role="{{role}}"})',
    bad: 'increase',
    tolerance: 1.1,
    weight: 1,
    critical: false,
    minSamples: 5,
    onError: 'fail',
    ...over,
  };
}
/** n values evenly spread over [center*(1-spread), center*(1+spread)]. */
function spread(center: number, n = 30, width = 0.05): number[] {
  return Array.from({ length: n }, (_, i) => center * (1 - width + (2 * width * i) / (n - 1)));
}
const EQUAL = spread(100);
const SLOW = spread(130); // 30% higher, clearly separated
const SLIGHT = spread(103); // significant but within a 1.1 tolerance

describe('judgeMetric', () => {
  test.each<[string, Partial<JudgeMetric>, number[], number[], string, RegExp]>([
    ['equal samples pass', {}, EQUAL, EQUAL, 'pass', /not significant/],
    [
      '30% slower fails (increase is bad)',
      {},
      SLOW,
      EQUAL,
      'fail',
      /significant .* beyond the tolerance 1.1/,
    ],
    ['30% slower passes when decrease is bad', { bad: 'decrease' }, SLOW, EQUAL, 'pass', /not significant/],
    [
      '30% lower fails when decrease is bad',
      { bad: 'decrease' },
      EQUAL,
      SLOW,
      'fail',
      /beyond the tolerance/,
    ],
    ['either direction catches both', { bad: 'either' }, EQUAL, SLOW, 'fail', /beyond the tolerance/],
    ['significant but within tolerance passes', {}, SLIGHT, EQUAL, 'pass', /within the tolerance 1.1/],
    [
      'a wider tolerance lets 30% through',
      { tolerance: 1.5 },
      SLOW,
      EQUAL,
      'pass',
      /within the tolerance 1.5/,
    ],
    [
      'too few canary samples is no data',
      {},
      SLOW.slice(0, 4),
      EQUAL,
      'no-data',
      /4 canary and 30 baseline samples; need 5/,
    ],
    ['NaN samples do not count', {}, [NaN, NaN, NaN, NaN, NaN, 1], EQUAL, 'no-data', /1 canary/],
  ])('%s', (_what, over, canary, baseline, verdict, reason) => {
    const j = judgeMetric({ metric: metric(over), canary, baseline }, 0.05);
    expect(j.verdict).toBe(verdict);
    expect(j.reason).toMatch(reason);
  });

  test('reports medians, U, p and the effect', () => {
    const j = judgeMetric({ metric: metric(), canary: SLOW, baseline: EQUAL }, 0.05);
    expect(j.canaryMedian).toBeCloseTo(130, 6);
    expect(j.baselineMedian).toBeCloseTo(100, 6);
    expect(j.effect).toBeCloseTo(1.3, 6);
    expect(j.u).toBe(900); // every canary value above every baseline value: U = m*n
    expect(j.p).toBeLessThan(1e-9);
  });

  test.each([
    ['fail', 'fail', /query failed: boom/],
    ['no-data', 'no-data', /on-error: no-data/],
  ] as const)('a failed query with on-error %s', (onError, verdict, reason) => {
    const j = judgeMetric({ metric: metric({ onError }), canary: [], baseline: [], error: 'boom' }, 0.05);
    expect(j.verdict).toBe(verdict);
    expect(j.reason).toMatch(reason);
  });
});

describe('ratio and tolerance', () => {
  test.each([
    [2, 1, 2],
    [0, 0, 1],
    [1, 0, Infinity],
    [-1, 0, -Infinity],
  ])('ratio(%f, %f) = %f', (c, b, r) => expect(ratio(c, b)).toBe(r));
  test.each([
    [1.2, 'increase', 1.1, true],
    [1.1, 'increase', 1.1, false],
    [0.8, 'increase', 1.1, false],
    [0.8, 'decrease', 1.1, true],
    [0.95, 'decrease', 1.1, false],
    [0.8, 'either', 1.1, true],
    [1.2, 'either', 1.1, true],
  ] as const)('beyondTolerance(%f, %s, %f) = %s', (e, bad, tol, out) =>
    expect(beyondTolerance(e, bad, tol)).toBe(out),
  );
});

describe('judgeStep scoring', () => {
  const ok = (name: string, over: Partial<JudgeMetric> = {}): MetricSamples => ({
    metric: metric({ name, ...over }),
    canary: EQUAL,
    baseline: EQUAL,
  });
  const bad = (name: string, over: Partial<JudgeMetric> = {}): MetricSamples => ({
    metric: metric({ name, ...over }),
    canary: SLOW,
    baseline: EQUAL,
  });
  const none = (name: string, over: Partial<JudgeMetric> = {}): MetricSamples => ({
    metric: metric({ name, ...over }),
    canary: [],
    baseline: EQUAL,
  });
  const opts = DEFAULT_JUDGE_OPTIONS;

  test.each<[string, MetricSamples[], Partial<typeof opts>, number, string, string | undefined]>([
    ['all pass', [ok('a'), ok('b')], {}, 100, 'pass', 'a'],
    ['one of two fails', [ok('a'), bad('b')], {}, 50, 'fail', 'b'],
    ['weights: 19 of 20 passes', [ok('a', { weight: 19 }), bad('b')], {}, 95, 'pass', 'b'],
    ['weights: 4 of 5 is marginal', [ok('a', { weight: 4 }), bad('b')], {}, 80, 'marginal', 'b'],
    [
      'a critical failure fails whatever the score',
      [ok('a', { weight: 99 }), bad('b', { critical: true })],
      {},
      99,
      'fail',
      'b',
    ],
    ['no data fails by default', [ok('a'), none('b')], {}, 50, 'fail', 'a'],
    ['no data may pass', [ok('a'), none('b')], { noData: 'pass' }, 100, 'pass', 'a'],
    ['no data may be ignored', [ok('a'), none('b')], { noData: 'ignore' }, 100, 'pass', 'a'],
    [
      'a critical metric without data fails when no data fails',
      [ok('a', { weight: 99 }), none('b', { critical: true })],
      {},
      99,
      'fail',
      'b',
    ],
    [
      'nothing with data, ignored, is never a pass',
      [none('a'), none('b')],
      { noData: 'ignore' },
      0,
      'fail',
      'a',
    ],
    [
      'thresholds are configurable',
      [ok('a', { weight: 3 }), bad('b')],
      { pass: 70, marginal: 50 },
      75,
      'pass',
      'b',
    ],
  ])('%s', (_what, samples, over, score, verdict, deciding) => {
    const j = judgeStep(samples, { ...opts, ...over });
    expect(j.score).toBe(score);
    expect(j.verdict).toBe(verdict);
    expect(j.deciding).toBe(deciding);
  });
});
