// analysis: baseline, the traffic and reporting parts: HTTPRoute weights with a baseline, the
// step's range-query window, and the outputs.
import { describe, expect, test } from '@jest/globals';
import { judgeAgainstBaseline, stepWindow, windowMsOf } from '../../../packages/k8s/canary/analysis.js';
import { DEFAULT_JUDGE_OPTIONS, parseJudgeMetrics } from '../../../packages/k8s/canary/judge/index.js';
import { analysisOutputs } from '../../../packages/k8s/canary/report.js';
import { weightedRules } from '../../../packages/k8s/canary/routes.js';
import { emptyResult } from '../../../packages/k8s/canary/types.js';
import { closedPort } from '../../support/http-servers.js';

describe('HTTPRoute weights with a baseline', () => {
  const rules = () => [
    {
      backendRefs: [
        { name: 'web', port: 80 },
        { name: 'other', port: 80, weight: 5 },
      ],
    },
  ];
  test.each<[number, { name: string; weight?: number }[]]>([
    [
      25,
      [
        { name: 'web', weight: 50 },
        { name: 'web-canary', weight: 25 },
        { name: 'web-baseline', weight: 25 },
        { name: 'other', weight: 5 },
      ],
    ],
    [
      50,
      [
        { name: 'web', weight: 0 },
        { name: 'web-canary', weight: 50 },
        { name: 'web-baseline', weight: 50 },
        { name: 'other', weight: 5 },
      ],
    ],
    [
      100,
      [
        { name: 'web', weight: 0 },
        { name: 'web-canary', weight: 100 },
        { name: 'other', weight: 5 },
      ],
    ],
    [
      0,
      [
        { name: 'web', weight: 100 },
        { name: 'other', weight: 5 },
      ],
    ],
  ])('weight %s', (w, want) => {
    const once = weightedRules(rules(), 'web', 'web-canary', 25, 'web-baseline');
    const out = weightedRules(once, 'web', 'web-canary', w, 'web-baseline');
    expect(out[0]!.backendRefs!.map((b) => ({ name: b.name, weight: b.weight }))).toEqual(want);
  });
});

describe('the step window and the outputs', () => {
  test.each<[string, number, number, { start: number; end: number; stepSeconds: number }]>([
    ['30s window, 1s step', 1_000_000, 30_000, { start: 970, end: 1000, stepSeconds: 1 }],
    ['5m window, 5s step', 1_000_500, 300_000, { start: 700, end: 1000, stepSeconds: 5 }],
    ['1h window, 60s step', 7_200_000, 3_600_000, { start: 3600, end: 7200, stepSeconds: 60 }],
  ])('stepWindow: %s', (_n, end, ms, want) => {
    expect(stepWindow(end, ms)).toEqual(want);
  });

  test.each<[number | undefined, number, number]>([
    [undefined, 60_000, 60_000],
    [30_000, 60_000, 30_000],
    [undefined, 0, 5_000],
  ])('windowMsOf(analysis-window %s, pause %s) = %s', (windowMs, pause, want) => {
    expect(windowMsOf({ metrics: [], judge: DEFAULT_JUDGE_OPTIONS, windowMs }, pause)).toBe(want);
  });

  test('analysis-score is the last window, analysis-verdicts every window', () => {
    const r = emptyResult({ action: 'deploy', name: 'web' });
    expect(analysisOutputs(r)).toEqual({ 'analysis-score': '', 'analysis-verdicts': '' });
    r.analysis = [
      { step: 1, weight: 25, attempt: 1, score: 80, verdict: 'marginal', reason: '', summary: '' },
      { step: 1, weight: 25, attempt: 2, score: 100, verdict: 'pass', reason: '', summary: '' },
    ];
    expect(analysisOutputs(r)).toEqual({
      'analysis-score': '100',
      'analysis-verdicts':
        '[{"step":1,"window":1,"score":80,"verdict":"marginal"},{"step":1,"window":2,"score":100,"verdict":"pass"}]',
    });
  });
});

describe('a Prometheus outage during a step: the on-error policy, never a silent pass', () => {
  async function judgeWithOutage(onError: 'fail' | 'no-data', noData: 'fail' | 'pass' | 'ignore') {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const metrics = parseJudgeMetrics(
      `- {name: latency, query: 'avg(x{role="{{role}}"})', bad: increase, on-error: ${onError}}`,
    );
    const ctx = {
      o: {
        name: 'web',
        prometheus: { url },
        analysis: { metrics, judge: { ...DEFAULT_JUDGE_OPTIONS, noData } },
      },
      c: { namespace: 'ns' },
      clock: () => 1_000_000,
      sleep: async () => undefined,
      log: () => undefined,
      result: emptyResult({ action: 'deploy', name: 'web' }),
    };
    const verdict = await judgeAgainstBaseline(ctx as never, {
      index: 0,
      weight: 25,
      pauseMs: 30_000,
      readyAt: 0,
    });
    return { verdict, analysis: ctx.result.analysis };
  }

  test.each<[string, 'fail' | 'no-data', 'fail' | 'pass' | 'ignore', boolean, RegExp]>([
    ['on-error fail: the step fails', 'fail', 'fail', false, /score 0, score 0 below marginal 75/],
    ['on-error no-data, on-no-data fail: the step fails', 'no-data', 'fail', false, /score 0/],
    [
      'on-error no-data, on-no-data ignore: nothing counted, the step fails',
      'no-data',
      'ignore',
      false,
      /no metric had data/,
    ],
    ['on-error no-data, on-no-data pass: passes only as configured', 'no-data', 'pass', true, /^$/],
  ])('%s', async (_n, onError, noData, passed, reason) => {
    const { verdict, analysis } = await judgeWithOutage(onError, noData);
    expect(verdict.passed).toBe(passed);
    expect(verdict.reason ?? '').toMatch(reason);
    expect(analysis?.[0]?.summary).toMatch(/query failed/);
  });
});
