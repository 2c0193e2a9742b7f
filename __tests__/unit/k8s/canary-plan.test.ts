// planCanary: the pure plan of a canary deploy, from the typed options and an observed snapshot
// of the cluster. Also the step runner's pure parts: desiredState (what one step asks of the
// cluster) and judge (where a step's analysis is turned into pass or fail).
import { describe, expect, test } from '@jest/globals';
import type { GateReport } from '@hac/probe';
import type { Deployment, KubeObject, Service } from '../../../packages/k8s/objects.js';
import type { Observed } from '../../../packages/k8s/canary/observe.js';
import { planCanary, planLines, type PlanInput, type StepPlan } from '../../../packages/k8s/canary/plan.js';
import { STATE_ANNOTATION } from '../../../packages/k8s/canary/state.js';
import { desiredState, judge, type Analysis } from '../../../packages/k8s/canary/steps.js';
import type { CanaryOptions } from '../../../packages/k8s/canary/types.js';
import type { MetricResult } from '../../../packages/k8s/canary/metrics.js';

const NOW = '2026-12-02T00:00:00.000Z';

function deployment(
  name: string,
  image: string,
  replicas?: number,
  extra: Partial<Deployment['metadata']> = {},
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, resourceVersion: '7', ...extra },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, version: image.split(':')[1] as string } },
        spec: { containers: [{ name: 'web', image }] },
      },
    },
  } as Deployment;
}

const service = (name: string, annotations: Record<string, string> = {}) =>
  ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, annotations },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
  }) as Service;

const httpRoute = (backend: string) =>
  ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web-route' },
    spec: { rules: [{ backendRefs: [{ name: backend, port: 80 }] }] },
  }) as KubeObject;

const ingress = (backend: string) =>
  ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web-ing' },
    spec: {
      rules: [
        { http: { paths: [{ path: '/', backend: { service: { name: backend, port: { number: 80 } } } }] } },
      ],
    },
  }) as KubeObject;

function options(extra: Partial<CanaryOptions> = {}): CanaryOptions {
  return {
    action: 'deploy',
    name: 'web',
    steps: [25, 50, 100],
    pauses: [0, 0],
    route: 'replicas',
    metrics: [],
    timeoutMs: 60_000,
    dryRun: false,
    runId: 'r1',
    ...extra,
  };
}

function input(o: CanaryOptions, others: KubeObject[] = []): PlanInput {
  return { o, namespace: 'ns', next: deployment('web', 'repo:v2', 4), others, now: NOW };
}

const stable = (replicas = 4) => deployment('web', 'repo:v1', replicas);
const rows = (p: { rows: { stable: number; canary: number; actual: number }[] }) =>
  p.rows.map((r) => [r.stable, r.canary, r.actual]);

describe('planCanary: replica math per step', () => {
  test.each([
    [
      'replicas, 4 pods',
      options(),
      { stable: stable(4) },
      [
        [3, 1, 25],
        [2, 2, 50],
        [1, 4, 80],
      ],
    ],
    [
      'replicas, 10 pods',
      options({ steps: [10, 50] }),
      { stable: stable(10) },
      [
        [9, 1, 10],
        [5, 5, 50],
      ],
    ],
    ['replicas, no surge', options({ steps: [10], surge: 0 }), { stable: stable(4) }, [[3, 1, 25]]],
    [
      'replicas with an HPA: stable keeps its size',
      options({ steps: [50] }),
      { stable: stable(6), hpa: { name: 'web', minReplicas: 2, maxReplicas: 10 } },
      [[6, 6, 50]],
    ],
    [
      'gateway-api: the route carries the weight, the canary gets enough pods',
      options({ route: 'gateway-api', httpRoute: 'web-route', steps: [10, 50, 100] }),
      { stable: stable(4), stableService: service('web'), stableHash: 'abc', route: httpRoute('web') },
      [
        [4, 1, 10],
        [4, 2, 50],
        [4, 4, 100],
      ],
    ],
    [
      'ingress-nginx with an HPA: stable at its current size',
      options({ route: 'ingress-nginx', ingress: 'web-ing', steps: [20] }),
      {
        stable: stable(5),
        hpa: { name: 'web', minReplicas: 1, maxReplicas: 9 },
        stableService: service('web'),
        route: ingress('web'),
      },
      [[5, 1, 20]],
    ],
    ['zero replicas counts as one', options({ steps: [50] }), { stable: stable(0) }, [[1, 1, 50]]],
  ])('%s', (_name, o, seen, expected) => {
    const plan = planCanary(input(o), seen as Observed);
    expect(plan.kind).toBe('steps');
    expect(rows(plan)).toEqual(expected);
    expect(plan.rows.map((r) => r.weight)).toEqual(o.steps);
  });
});

describe('planCanary: route per method', () => {
  test.each([
    [
      'replicas: stable scaled per step, no route',
      options(),
      { stable: stable() },
      { routeDiff: undefined, canaryService: undefined, record: {} },
      [
        'apply Deployment/web-canary (canary, 1 replicas)',
        'scale Deployment/web per step',
        'annotate Deployment/web hac.dev/canary (state)',
      ],
    ],
    [
      'gateway-api: HTTPRoute weights, stable Service pinned',
      options({ route: 'gateway-api', httpRoute: 'web-route', steps: [25, 100] }),
      { stable: stable(), stableService: service('web'), stableHash: 'h1', route: httpRoute('web') },
      {
        routeDiff:
          'HTTPRoute web-route: backendRefs web=100 -> web=75/web-canary=25 -> web=0/web-canary=100 -> reset',
        canaryService: 'web-canary',
        record: { httpRoute: 'web-route', stableService: 'web', canaryService: 'web-canary' },
      },
      [
        'apply Service/web-canary (canary)',
        'patch Service/web selector += pod-template-hash (pinned to stable pods)',
        'apply Deployment/web-canary (canary, 1 replicas)',
        'patch HTTPRoute/web-route backendRefs weights',
        'annotate Deployment/web hac.dev/canary (state)',
      ],
    ],
    [
      'ingress-nginx: a canary Ingress copied from the stable one',
      options({ route: 'ingress-nginx', ingress: 'web-ing', steps: [10, 30] }),
      { stable: stable(), stableService: service('web'), route: ingress('web') },
      {
        routeDiff:
          'Ingress web-ing-canary (copy of web-ing, backend web-canary): canary-weight 10 -> 30 -> deleted',
        canaryService: 'web-canary',
        record: { ingress: 'web-ing', canaryIngress: 'web-ing-canary', stableService: 'web' },
      },
      [
        'apply Service/web-canary (canary)',
        'patch Service/web selector += pod-template-hash (pinned to stable pods)',
        'apply Deployment/web-canary (canary, 1 replicas)',
        'apply Ingress/web-ing-canary (canary-weight)',
        'annotate Deployment/web hac.dev/canary (state)',
      ],
    ],
  ])('%s', (_name, o, seen, want, writes) => {
    const plan = planCanary(input(o), seen as Observed) as StepPlan;
    expect(plan.routeDiff).toBe(want.routeDiff);
    expect(plan.canaryService?.metadata.name).toBe(want.canaryService);
    expect(plan.record).toMatchObject(want.record);
    expect(plan.writes).toEqual(writes);
  });

  test.each([
    [
      'the stable Service is missing',
      options({ route: 'gateway-api', httpRoute: 'web-route' }),
      { stable: stable() },
      /Service web \(the stable Service for route gateway-api\) does not exist in namespace ns/,
    ],
    [
      'the HTTPRoute is missing',
      options({ route: 'gateway-api', httpRoute: 'web-route' }),
      { stable: stable(), stableService: service('web') },
      /HTTPRoute web-route does not exist in namespace ns/,
    ],
    [
      'the HTTPRoute does not send to the stable Service',
      options({ route: 'gateway-api', httpRoute: 'web-route' }),
      { stable: stable(), stableService: service('web'), route: httpRoute('other') },
      /HTTPRoute web-route has no backendRef to Service web/,
    ],
    [
      'the Ingress does not send to the stable Service',
      options({ route: 'ingress-nginx', ingress: 'web-ing' }),
      { stable: stable(), stableService: service('web'), route: ingress('other') },
      /Ingress web-ing sends no path to Service web/,
    ],
  ])('fails before any write when %s', (_name, o, seen, error) => {
    expect(() => planCanary(input(o), seen as Observed)).toThrow(error);
  });
});

describe('planCanary: first deploy, update, handover', () => {
  test('first deploy: applied as stable directly, one row, no record', () => {
    const plan = planCanary(input(options(), [service('web')]), {});
    expect(plan.kind).toBe('initial');
    expect(plan.rows).toEqual([
      { weight: 100, stable: 4, canary: 0, actual: 100, note: 'first release: no stable to compare with' },
    ]);
    expect(plan.writes).toEqual(['apply Service/web', 'apply Deployment/web']);
    expect(planLines(plan)[0]).toBe(
      'step 1: 100% → stable 4, canary 0, actual 100% (first release: no stable to compare with)',
    );
  });

  test('update: the record to write names both versions and starts before step 1', () => {
    const plan = planCanary(input(options()), { stable: stable() }) as StepPlan;
    expect(plan.record).toEqual({
      runId: 'r1',
      phase: 'progressing',
      route: 'replicas',
      stable: 'web',
      canary: 'web-canary',
      baseReplicas: 4,
      weight: 0,
      step: -1,
      steps: [25, 50, 100],
      image: 'repo:v2',
      previousImage: 'repo:v1',
      version: 'v2',
      previousVersion: 'v1',
      startedAt: NOW,
      updatedAt: NOW,
    });
    expect(plan.canary.metadata.name).toBe('web-canary');
    expect(plan.canary.spec.replicas).toBe(1);
    expect(plan.stableResourceVersion).toBe('7');
  });

  test.each([
    [
      'k8s-bluegreen marks the live Service',
      { service: service('web', { 'hac.dev/strategy': 'bluegreen' }) },
    ],
    [
      'k8s-bluegreen marks it, and a stable exists',
      { stable: stable(), service: service('web', { 'hac.dev/strategy': 'bluegreen' }) },
    ],
  ])('handover refused: %s', (_name, seen) => {
    expect(() => planCanary(input(options()), seen as Observed)).toThrow(/managed by k8s-bluegreen/);
  });

  test('a canary already in progress is refused', () => {
    const live = deployment('web', 'repo:v1', 4, {
      annotations: {
        [STATE_ANNOTATION]: JSON.stringify({
          runId: 'r0',
          phase: 'paused',
          canary: 'web-canary',
          weight: 25,
        }),
      },
    });
    expect(() => planCanary(input(options()), { stable: live })).toThrow(
      /already in progress \(run r0, phase paused, 25% of traffic\)/,
    );
  });
});

describe('the step runner: desired state per step', () => {
  test.each([
    [
      'replicas: stable scaled, actual share recorded',
      options({ pauses: [5000, 0] }),
      { stable: stable() },
      0,
      { weight: 25, canary: 1, stable: 3, recorded: 25, holds: false, pauseMs: 5000 },
    ],
    [
      'the last step below 100 holds the canary for a later job',
      options({ steps: [25, 50] }),
      { stable: stable() },
      1,
      { weight: 50, canary: 2, stable: 2, recorded: 50, holds: true },
    ],
    [
      'replicas: last step',
      options(),
      { stable: stable() },
      2,
      { weight: 100, canary: 4, stable: 1, recorded: 80, holds: false, pauseMs: 0 },
    ],
    [
      'replicas with an HPA: stable left alone',
      options(),
      { stable: stable(), hpa: { name: 'web', minReplicas: 1, maxReplicas: 8 } },
      1,
      { weight: 50, stable: undefined },
    ],
    [
      'gateway-api: stable left alone, the route weight recorded',
      options({ route: 'gateway-api', httpRoute: 'web-route' }),
      { stable: stable(), stableService: service('web'), route: httpRoute('web') },
      1,
      { weight: 50, canary: 2, stable: undefined, recorded: 50 },
    ],
  ])('%s', (_name, o, seen, i, want) => {
    const plan = planCanary(input(o), seen as Observed) as StepPlan;
    expect(desiredState(plan, o.pauses, i)).toMatchObject({ step: i, ...want });
  });
});

describe('the step runner: judging a step', () => {
  const gate = (passed: boolean, reason?: string) => ({ passed, reason }) as GateReport;
  const metric = (name: string, passed: boolean, value?: number) =>
    ({ name, passed, value, reason: passed ? undefined : 'above max 1', query: 'q' }) as MetricResult;
  test.each<[string, Analysis, { passed: boolean; summary: string; reason: string }]>([
    ['no gates', { gates: [], metrics: [] }, { passed: true, summary: 'no gates', reason: '' }],
    [
      'both smoke gates pass',
      {
        gates: [
          { label: 'canary', report: gate(true) },
          { label: 'stable', report: gate(true) },
        ],
        metrics: [],
      },
      { passed: true, summary: 'canary checks passed; stable checks passed', reason: '' },
    ],
    [
      'the canary gate fails',
      { gates: [{ label: 'canary', report: gate(false, '500 from /') }], metrics: [] },
      { passed: false, summary: 'canary checks FAILED', reason: 'canary smoke checks failed: 500 from /' },
    ],
    [
      'a metric over its threshold, one with no value',
      { gates: [], metrics: [metric('errors', false, 3), metric('latency', true)] },
      { passed: false, summary: 'errors=3 FAILED; latency=n/a ok', reason: 'metric errors: above max 1' },
    ],
  ])('%s', (_name, analysis, want) => {
    expect(judge(analysis)).toEqual(want);
  });
});
