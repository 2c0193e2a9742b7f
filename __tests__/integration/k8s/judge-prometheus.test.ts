// The canary judge against the sandbox's real Prometheus: the exporter serves per-pod canary and
// baseline series drawn from chosen distributions, Prometheus scrapes them every second, and the
// judge reads both roles over the window with range queries. All four cases share one window.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  DEFAULT_JUDGE_OPTIONS,
  judgeCanaryStep,
  parseJudgeMetrics,
  queryRange,
  type JudgedStep,
  type JudgeTarget,
  type RangeWindow,
} from '../../../packages/k8s/canary/judge/index.js';
import { requireSandbox, uniqueName, type SandboxEnv } from '../../support/sandbox.js';
import { closedPort } from '../../support/http-servers.js';
import { sandboxFetch } from '../../support/pod-series.js';

const METRIC = 'hac_judge_latency_ms';
const WINDOW_S = 30;
const PODS = 3;
const THRESHOLD_MS = 170; // a threshold gate: the canary's worst value must stay under 170 ms (6 sd above the slower canary)

type Dist = Record<string, unknown>;
interface Case {
  name: string;
  canary: Dist;
  baseline: Dist;
  spike?: { factor: number; afterS: number; seconds: number };
  run: string;
}

let sb: SandboxEnv;
let window: RangeWindow;
const cases: Case[] = [
  { name: 'equal', canary: normal(100, 5), baseline: normal(100, 5), run: '' },
  { name: 'slower', canary: normal(130, 6.5), baseline: normal(100, 5), run: '' },
  {
    name: 'spike',
    canary: normal(100, 5),
    baseline: normal(100, 5),
    spike: { factor: 3, afterS: 10, seconds: 8 },
    run: '',
  },
  { name: 'noisy', canary: lognormal(100, 0.4), baseline: lognormal(100, 0.4), run: '' },
];
const judged = new Map<string, JudgedStep & { canaryMax: number }>();

function normal(mean: number, sd: number): Dist {
  return { kind: 'normal', mean, sd };
}
function lognormal(median: number, sigma: number): Dist {
  return { kind: 'lognormal', median, sigma };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function exporterCall(method: string, route: string, body: unknown): Promise<void> {
  const res = await sandboxFetch(`${sb.exporterUrl}${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status === 404)
    throw new Error(
      `the sandbox exporter at ${sb.exporterUrl} has no ${method} ${route} (it runs older code): ` +
        'restart it with npm run sandbox -- down exporter && npm run sandbox -- up exporter',
    );
  expect({ route, status: res.status, text }).toEqual({ route, status: 200, text: expect.any(String) });
}

async function seriesFor(c: Case): Promise<void> {
  for (const role of ['canary', 'baseline'] as const)
    for (let i = 0; i < PODS; i++)
      await exporterCall('PUT', '/series', {
        name: METRIC,
        labels: {
          run: c.run,
          role,
          pod: `web-${role}-${i}`,
          app: 'web',
          version: role === 'canary' ? 'v2' : 'v1',
        },
        distribution: c[role],
      });
}

function metricsYaml(run: string, tolerance: number): string {
  return `
- name: latency
  query: 'avg(${METRIC}{run="${run}", role="{{role}}", app="{{app}}"})'
  bad: increase
  tolerance: ${tolerance}
  critical: true
  min-samples: 20
`;
}

const target: JudgeTarget = { namespace: 'hac', app: 'web', canaryVersion: 'v2', baselineVersion: 'v1' };

beforeAll(async () => {
  sb = requireSandbox(['prometheus', 'exporter']);
  const base = uniqueName('judge');
  for (const c of cases) c.run = `${base}-${c.name}`;
  for (const c of cases) await seriesFor(c);
  await sleep(3000); // the first scrapes
  const start = Math.floor(Date.now() / 1000);
  window = { start, end: start + WINDOW_S, stepSeconds: 1 };
  const spiked = cases.filter((c) => c.spike);
  await sleep(spiked[0]!.spike!.afterS * 1000);
  for (const c of spiked)
    await exporterCall('POST', '/spike', {
      name: METRIC,
      factor: c.spike!.factor,
      seconds: c.spike!.seconds,
      match: { run: c.run },
    });
  await sleep((window.end - Math.floor(Date.now() / 1000) + 2) * 1000);
  const client = { url: sb.prometheusUrl, timeoutMs: 10_000 };
  for (const c of cases) {
    const metrics = parseJudgeMetrics(metricsYaml(c.run, c.name === 'noisy' ? 1.2 : 1.1));
    const step = await judgeCanaryStep(
      client,
      metrics,
      target,
      window,
      DEFAULT_JUDGE_OPTIONS,
      `Step 1 (${c.name})`,
    );
    const canary = await queryRange(client, `avg(${METRIC}{run="${c.run}", role="canary"})`, window);
    judged.set(c.name, { ...step, canaryMax: Math.max(...canary.values) });
  }
}, 120_000);

afterAll(async () => {
  // the exporter keeps generated series across restarts: drop this run's
  for (const c of cases.filter((x) => x.run))
    await sandboxFetch(
      `${sb.exporterUrl}/series?name=${METRIC}&labels=${encodeURIComponent(`run=${c.run}`)}`,
      {
        method: 'DELETE',
      },
    );
});

describe('canary judge on the real Prometheus', () => {
  test('a canary equal to the baseline passes', () => {
    const j = judged.get('equal')!;
    expect(j.judgement.metrics[0]!.canaryCount).toBeGreaterThanOrEqual(WINDOW_S - 2);
    expect(j.judgement).toMatchObject({ verdict: 'pass', score: 100 });
    expect(j.canaryMax).toBeLessThan(THRESHOLD_MS);
  });

  test('a canary 30% slower fails, and the report shows why', () => {
    const j = judged.get('slower')!;
    expect(j.judgement).toMatchObject({ verdict: 'fail', score: 0, deciding: 'latency' });
    const m = j.judgement.metrics[0]!;
    expect(m.effect).toBeGreaterThan(1.2);
    expect(m.effect).toBeLessThan(1.4);
    expect(m.p).toBeLessThan(1e-6);
    // a threshold gate at 170 ms lets this canary through
    expect(j.canaryMax).toBeLessThan(THRESHOLD_MS);
    expect(j.summary).toContain('| latency (critical) |');
    expect(j.summary).toContain('xychart-beta');
  });

  test('a fleet-wide spike on both canary and baseline passes, where the threshold gate fails', () => {
    const j = judged.get('spike')!;
    expect(j.canaryMax).toBeGreaterThan(THRESHOLD_MS);
    expect(j.judgement.verdict).toBe('pass');
  });

  test('a noisy but equal canary passes', () => {
    const j = judged.get('noisy')!;
    expect(j.judgement.verdict).toBe('pass');
  });

  test('a query giving one series per pod is refused, naming the count', async () => {
    const c = cases[0]!;
    await expect(
      queryRange({ url: sb.prometheusUrl }, `${METRIC}{run="${c.run}", role="canary"}`, window),
    ).rejects.toThrow(
      new RegExp(
        `range query to ${sb.prometheusUrl}/api/v1/query_range failed: ${PODS} series where one is expected`,
      ),
    );
  });

  test('a Prometheus that does not answer follows on-error, never a silent pass', async () => {
    const down = { url: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 2000 };
    const [fail] = parseJudgeMetrics(metricsYaml(cases[0]!.run, 1.1));
    const failing = await judgeCanaryStep(down, [fail!], target, window, DEFAULT_JUDGE_OPTIONS, 'outage');
    expect(failing.judgement).toMatchObject({ verdict: 'fail' });
    expect(failing.judgement.metrics[0]!.reason).toMatch(
      /query failed: Prometheus range query to http:\/\/127\.0\.0\.1:\d+/,
    );
    const noData = { ...fail!, critical: false, onError: 'no-data' as const };
    const ignored = await judgeCanaryStep(
      down,
      [noData],
      target,
      window,
      { ...DEFAULT_JUDGE_OPTIONS, noData: 'ignore' },
      'outage',
    );
    expect(ignored.judgement).toMatchObject({
      verdict: 'fail',
      reason: expect.stringMatching(/no metric had data/),
    });
  });
});
