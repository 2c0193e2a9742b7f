import { describe, expect, test } from '@jest/globals';
import { judgeStep, type MetricSamples } from '../../../packages/k8s/canary/judge/judge.js';
import {
  comparisonChart,
  downsample,
  stepReport,
  stepTable,
} from '../../../packages/k8s/canary/judge/report.js';
import { DEFAULT_JUDGE_OPTIONS, type JudgeMetric } from '../../../packages/k8s/canary/judge/spec.js';

const metric = (name: string, over: Partial<JudgeMetric> = {}): JudgeMetric => ({
  name,
  query: 'avg(x{role="{{role}}"})',
  bad: 'increase',
  tolerance: 1.1,
  weight: 1,
  critical: false,
  minSamples: 3,
  onError: 'fail',
  ...over,
});
const series = (values: number[]) => ({ times: values.map((_, i) => 1000 + i), values });

const latencyCanary = [130, 131, 132, 133, 134, 135];
const latencyBase = [100, 101, 102, 103, 104, 105];
const samples: MetricSamples[] = [
  { metric: metric('latency', { critical: true }), canary: latencyCanary, baseline: latencyBase },
  { metric: metric('errors|rate'), canary: [1, 2, 3], baseline: [1, 2, 3] },
  { metric: metric('cpu'), canary: [1], baseline: [1, 2, 3] },
];

describe('step report', () => {
  test('the table: one row per metric, then the score and verdict', () => {
    const j = judgeStep(samples, DEFAULT_JUDGE_OPTIONS);
    expect(stepTable('Step 2: 50%', j)).toBe(
      [
        '### Step 2: 50%',
        '',
        '| metric | canary median | baseline median | U | p | effect (canary/baseline) | verdict |',
        '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
        '| latency (critical) | 132.5 (n=6) | 102.5 (n=6) | 36 | 0.00108 | ×1.29 | ❌ fail: significant (p < 0.05) and beyond the tolerance 1.1 |',
        '| errors\\|rate | 2 (n=3) | 2 (n=3) | 4.5 | 0.59 | ×1 | ✅ pass: not significant (p >= 0.05) |',
        '| cpu | 1 (n=1) | 2 (n=3) | – | – | – | ⚪ no data: 1 canary and 3 baseline samples; need 3 each |',
        '',
        '**Score 33.3 / 100: ❌ fail** (critical metric "latency" failed)',
      ].join('\n'),
    );
  });

  test('the chart of the deciding metric follows the table', () => {
    const j = judgeStep(samples, DEFAULT_JUDGE_OPTIONS);
    const out = stepReport('Step 2', j, {
      latency: { canary: series(latencyCanary), baseline: series(latencyBase) },
      cpu: { canary: series([1]), baseline: series([1, 2, 3]) },
    });
    expect(out).toContain('Deciding metric **latency**:');
    expect(
      out.endsWith(
        [
          '```mermaid',
          'xychart-beta',
          '    title "latency: canary (first line) vs baseline (second line)"',
          '    x-axis "sample" 1 --> 6',
          '    y-axis "latency" 96.5 --> 138.5',
          '    line [130, 131, 132, 133, 134, 135]',
          '    line [100, 101, 102, 103, 104, 105]',
          '```',
          '',
        ].join('\n'),
      ),
    ).toBe(true);
  });

  test('no chart without series for the deciding metric', () => {
    const j = judgeStep(samples, DEFAULT_JUDGE_OPTIONS);
    expect(stepReport('Step 2', j, {})).not.toContain('mermaid');
  });

  test.each([
    [[1, 2, 3], 5, [1, 2, 3]],
    [[1, 3, 5, 7], 2, [2, 6]],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9], 3, [2, 5, 8]],
  ])('downsample(%j, %i) = %j', (values, points, out) => expect(downsample(values, points)).toEqual(out));

  test('a flat or empty series still gives a valid axis, or no chart', () => {
    expect(comparisonChart('m', { canary: series([5, 5]), baseline: series([5]) })).toContain(
      'y-axis "m" 4.5 --> 5.5',
    );
    expect(comparisonChart('m', { canary: series([]), baseline: series([NaN]) })).toBe('');
  });
});
