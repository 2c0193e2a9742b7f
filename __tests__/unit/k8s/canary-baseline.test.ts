// analysis: baseline, the pure parts: the input rules, the baseline's rows and objects in the
// plan (what a dry run prints), the route weights with a baseline, the step window, the outputs.
import { describe, expect, test } from '@jest/globals';
import type { Deployment, Service } from '../../../packages/k8s/objects.js';
import {
  baselineNeedsDeployAndWindow,
  judgeThresholdsInOrder,
  metricsFitAnalysis,
  resolveAnalysis,
  routeGivesBaselineTraffic,
  type AnalysisValues,
} from '../../../packages/k8s/canary/analysis-inputs.js';
import { baselineDeployment, baselineRows, ingressTarget } from '../../../packages/k8s/canary/baseline.js';
import { promotedTemplate } from '../../../packages/k8s/canary/build.js';
import { planCanary, planLines, type StepPlan } from '../../../packages/k8s/canary/plan.js';
import { METRICS_EXPECTED } from '../../../packages/k8s/canary/metrics.js';
import { DEFAULT_JUDGE_OPTIONS } from '../../../packages/k8s/canary/judge/index.js';
import { type CanaryOptions, type PlanRow } from '../../../packages/k8s/canary/types.js';

const METRIC = `- {name: latency, query: 'avg(x{role="{{role}}"})', bad: increase, tolerance: 1.1}`;

function values(extra: Partial<AnalysisValues> = {}): AnalysisValues {
  return {
    action: 'deploy',
    analysis: 'baseline',
    metrics: METRIC,
    route: 'replicas',
    steps: [25, 100],
    pause: '1m',
    alpha: '',
    'pass-score': '',
    'marginal-score': '',
    'on-no-data': '',
    ...extra,
  };
}

type Problem = [string, string, string];
type AnyRule = (v: AnalysisValues, p: { add: (i: string, v: string, e: string) => void }, c: never) => void;
function check(rule: AnyRule, v: AnalysisValues, failed: string[] = []): Problem[] {
  const seen: Problem[] = [];
  rule(v, { add: (i, val, e) => void seen.push([i, val, e]) }, {
    raw: () => '',
    failed: new Set(failed),
  } as never);
  return seen;
}

describe('analysis input rules', () => {
  test.each<[string, AnyRule, Partial<AnalysisValues>, (string | RegExp)[][]]>([
    ['judge metrics accepted', metricsFitAnalysis, {}, []],
    [
      'unknown direction',
      metricsFitAnalysis,
      { metrics: METRIC.replace('increase', 'up') },
      [['metrics', 'up', /"bad": one of increase, decrease, either/]],
    ],
    [
      'tolerance not a number',
      metricsFitAnalysis,
      { metrics: METRIC.replace('1.1', 'lots') },
      [['metrics', 'lots', /"tolerance", a ratio of medians >= 1/]],
    ],
    ['baseline needs metrics', metricsFitAnalysis, { metrics: '' }, [['metrics', '', /a non-empty list/]]],
    [
      'analysis none: threshold gates',
      metricsFitAnalysis,
      { analysis: 'none', metrics: METRIC },
      [['metrics', METRIC, METRICS_EXPECTED]],
    ],
    ['analysis none, no metrics', metricsFitAnalysis, { analysis: 'none', metrics: '' }, []],
    ['thresholds in order', judgeThresholdsInOrder, { 'pass-score': '90', 'marginal-score': '60' }, []],
    [
      'thresholds out of order',
      judgeThresholdsInOrder,
      { 'pass-score': '70', 'marginal-score': '80' },
      [['marginal-score', '80', 'a score no higher than pass-score (70)']],
    ],
    [
      'score not a number',
      judgeThresholdsInOrder,
      { 'pass-score': 'high' },
      [['pass-score', 'high', 'a number from 0 to 100']],
    ],
    [
      'unknown no-data outcome',
      judgeThresholdsInOrder,
      { 'on-no-data': 'maybe' },
      [['on-no-data', 'maybe', 'fail, pass or ignore']],
    ],
    ['deploy with a pause', baselineNeedsDeployAndWindow, {}, []],
    [
      'promote judges nothing',
      baselineNeedsDeployAndWindow,
      { action: 'promote' },
      [['analysis', 'baseline', /none unless action is deploy/]],
    ],
    [
      'no pause, no window',
      baselineNeedsDeployAndWindow,
      { pause: '0' },
      [['analysis-window', '', /when pause is 0/]],
    ],
    ['no pause, a window', baselineNeedsDeployAndWindow, { pause: '0', 'analysis-window': 30_000 }, []],
    [
      'a judged last step needs a window',
      baselineNeedsDeployAndWindow,
      { steps: [25] },
      [['analysis-window', '', /the last step, 25%, is judged/]],
    ],
    ['replicas: any weight', routeGivesBaselineTraffic, { steps: [75, 100] }, []],
    ['gateway-api up to 50%', routeGivesBaselineTraffic, { route: 'gateway-api', steps: [10, 50, 100] }, []],
    [
      'gateway-api over 50%',
      routeGivesBaselineTraffic,
      { route: 'gateway-api', steps: [50, 75, 100] },
      [['steps', '50,75,100', /75% cannot be given to both/]],
    ],
    [
      'ingress-nginx up to 50%',
      routeGivesBaselineTraffic,
      { route: 'ingress-nginx', steps: [25, 50, 100] },
      [],
    ],
    [
      'ingress-nginx over 50%',
      routeGivesBaselineTraffic,
      { route: 'ingress-nginx', steps: [60, 100] },
      [['steps', '60,100', /60% cannot be given to both/]],
    ],
    [
      'analysis none: no route limit',
      routeGivesBaselineTraffic,
      { analysis: 'none', route: 'ingress-nginx' },
      [],
    ],
  ])('%s', (_n, rule, extra, want) => {
    const got = check(rule, values(extra));
    expect(got).toEqual(
      want.map(([i, v, e]) => [i, v, typeof e === 'string' ? e : expect.stringMatching(e as RegExp)]),
    );
  });

  test('resolveAnalysis: the judge list and options, the window', () => {
    const r = resolveAnalysis(values({ 'analysis-window': 45_000 }));
    expect(r.metrics).toEqual([]);
    expect(r.analysis).toMatchObject({
      windowMs: 45_000,
      judge: DEFAULT_JUDGE_OPTIONS,
      metrics: [{ name: 'latency', bad: 'increase', tolerance: 1.1 }],
    });
    expect(resolveAnalysis(values({ analysis: 'none', metrics: '' }))).toEqual({ metrics: [] });
  });
});

const row = (weight: number, stable: number, canary: number, actual = weight): PlanRow => ({
  weight,
  stable,
  canary,
  actual,
});

describe('baseline rows: baseline traffic counts as stable traffic', () => {
  test.each<[string, string, boolean, PlanRow[], [number, number, number, number][]]>([
    [
      'replicas: baseline pods come out of stable',
      'replicas',
      false,
      [row(25, 3, 1), row(100, 0, 4)],
      [
        [2, 1, 1, 25],
        [0, 4, 0, 100],
      ],
    ],
    ['replicas: stable keeps one pod, the share shifts', 'replicas', false, [row(50, 2, 2)], [[1, 2, 2, 40]]],
    ['replicas with an HPA: stable left alone', 'replicas', true, [row(25, 3, 1)], [[3, 1, 1, 20]]],
    [
      'routed: the route gives the baseline the canary weight',
      'gateway-api',
      false,
      [row(10, 4, 1), row(50, 4, 2), row(100, 4, 4)],
      [
        [4, 1, 1, 10],
        [4, 2, 2, 50],
        [4, 4, 0, 100],
      ],
    ],
  ])('%s', (_n, route, hpa, rows, want) => {
    const out = baselineRows(
      rows,
      route,
      hpa ? ({ name: 'h', minReplicas: 1, maxReplicas: 9 } as never) : undefined,
    );
    expect(out.map((r) => [r.stable, r.canary, r.baseline, r.actual])).toEqual(want);
  });
});

function deployment(image: string, version: string, replicas = 4): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      resourceVersion: '7',
      annotations: { 'hac.dev/canary': '{"x":1}' },
      labels: { team: 'a' },
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', version } },
        spec: { containers: [{ name: 'web', image }] },
      },
    },
  } as Deployment;
}

const stableService = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
} as Service;

function plan(route: CanaryOptions['route']): StepPlan {
  const o: CanaryOptions = {
    action: 'deploy',
    name: 'web',
    steps: [25, 100],
    pauses: [60_000],
    route,
    metrics: [],
    timeoutMs: 1,
    dryRun: true,
    runId: 'r1',
    httpRoute: route === 'gateway-api' ? 'web-route' : undefined,
    ingress: route === 'ingress-nginx' ? 'web-ing' : undefined,
    analysis: { metrics: [], judge: DEFAULT_JUDGE_OPTIONS },
  };
  const next = deployment('repo:v2', 'v2');
  delete next.metadata.annotations;
  const seen = {
    stable: deployment('repo:v1', 'v1'),
    stableService: route === 'replicas' ? undefined : stableService,
    stableHash: 'abc',
    route:
      route === 'gateway-api'
        ? {
            apiVersion: 'gateway.networking.k8s.io/v1',
            kind: 'HTTPRoute',
            metadata: { name: 'web-route' },
            spec: { rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
          }
        : route === 'ingress-nginx'
          ? {
              apiVersion: 'networking.k8s.io/v1',
              kind: 'Ingress',
              metadata: { name: 'web-ing' },
              spec: {
                rules: [
                  {
                    http: {
                      paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }],
                    },
                  },
                ],
              },
            }
          : undefined,
  };
  return planCanary(
    { o, namespace: 'ns', next, others: [], now: '2026-12-02T00:00:00Z' },
    seen as never,
  ) as StepPlan;
}

describe('the plan with a baseline (what dry-run shows)', () => {
  test('route replicas: rows, writes and record', () => {
    const p = plan('replicas');
    expect(planLines(p)).toEqual(
      expect.arrayContaining([
        'step 1: 25% → stable 2, canary 1, baseline 1, actual 25%',
        'step 2: 100% → stable 1, canary 4, baseline 0, actual 80% (stable keeps its minimum until promotion)',
        "write: apply Deployment/web-baseline (baseline: stable's version, 1 replicas; scaled with the canary)",
      ]),
    );
    expect(p.record.baseline).toBe('web-baseline');
    expect(p.record.baselineService).toBeUndefined();
    expect(p.canary.spec.template.metadata?.labels).toEqual({
      app: 'web',
      version: 'v2',
      'hac.dev/track': 'canary',
      'hac.dev/role': 'canary',
      'hac.dev/analysis': 'web',
    });
  });

  test('the baseline Deployment: stable version, baseline labels, none of stable annotations', () => {
    const b = plan('replicas').baseline as Deployment;
    expect(b.metadata).toEqual({
      name: 'web-baseline',
      namespace: 'ns',
      labels: { team: 'a', 'hac.dev/role': 'baseline', 'hac.dev/canary-of': 'web' },
    });
    expect(b.spec.selector).toEqual({ matchLabels: { app: 'web', 'hac.dev/track': 'baseline' } });
    expect(b.spec.template.metadata?.labels).toEqual({
      app: 'web',
      version: 'v1',
      'hac.dev/track': 'baseline',
      'hac.dev/role': 'baseline',
      'hac.dev/analysis': 'web',
    });
    expect(b.spec.template.spec?.containers?.[0]?.image).toBe('repo:v1');
    expect(
      baselineDeployment(deployment('repo:v1', 'v1'), { namespace: 'ns', replicas: 3 }).spec.replicas,
    ).toBe(3);
  });

  test('gateway-api: the baseline Service beside the canary Service', () => {
    const p = plan('gateway-api');
    expect(p.record.baselineService).toBe('web-baseline');
    expect(p.baselineService?.spec.selector).toEqual({ app: 'web', 'hac.dev/track': 'baseline' });
    expect(p.writes).toContain('apply Service/web-baseline (baseline)');
    expect(p.rows.map((r) => [r.stable, r.canary, r.baseline])).toEqual([
      [4, 1, 1],
      [4, 4, 0],
    ]);
  });

  test('ingress-nginx: a pair Service over canary and baseline pods, no baseline Service', () => {
    const p = plan('ingress-nginx');
    expect(p.record.pairService).toBe('web-analysis');
    expect(p.record.baselineService).toBeUndefined();
    expect(p.pairService?.spec.selector).toEqual({ app: 'web', 'hac.dev/analysis': 'web' });
    expect(p.writes).toContain(
      'apply Service/web-analysis (canary and baseline pods, for the canary Ingress)',
    );
  });

  test.each<[number, { service: string; weight: number }]>([
    [25, { service: 'web-analysis', weight: 50 }],
    [50, { service: 'web-analysis', weight: 100 }],
    [100, { service: 'web-canary', weight: 100 }],
    [0, { service: 'web-canary', weight: 0 }],
  ])('ingressTarget at %s%%', (w, want) => {
    const rec = { canaryService: 'web-canary', pairService: 'web-analysis' } as never;
    expect(ingressTarget(rec, w)).toEqual(want);
    expect(ingressTarget({ canaryService: 'web-canary' } as never, w)).toEqual({
      service: 'web-canary',
      weight: w,
    });
  });

  test('promotion drops the canary role label', () => {
    const t = promotedTemplate(
      {
        metadata: {
          labels: {
            app: 'web',
            'hac.dev/track': 'canary',
            'hac.dev/role': 'canary',
            'hac.dev/analysis': 'web',
          },
        },
      },
      { app: 'web' },
    );
    expect(t.template.metadata?.labels).toEqual({ app: 'web' });
  });
});
