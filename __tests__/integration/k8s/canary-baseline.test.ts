// k8s-canary with analysis: baseline against the sandbox: real kube-apiserver with kwok pods, the
// real Prometheus, and the exporter serving one generated series per canary and baseline pod,
// named and labelled after the pods the run created (read with kubectl as they appear). Every
// result is checked with kubectl (objects left, labels) and the Prometheus HTTP API.
import { afterEach, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { runCanaryAction } from '../../../packages/k8s/canary/action.js';
import { runCanaryPost } from '../../../packages/k8s/canary/entry.js';
import {
  createNamespace,
  deleteNamespace,
  k8sSandbox,
  kubectl,
  kubectlApply,
  kubectlGet,
  resourceVersions,
  webYaml,
} from '../../support/k8s.js';
import { exporterCall, normal, Poller, sandboxFetch } from '../../support/pod-series.js';
import { requireSandbox } from '../../support/sandbox.js';

const sb = k8sSandbox();
const prom = requireSandbox(['prometheus', 'exporter']);
process.env.KUBECONFIG = sb.kubeconfig;

const METRIC = 'hac_canary_baseline_latency_ms';
const WINDOW = '20s';
// What a threshold gate would allow: 6 standard deviations above the slower canary (130, sd 6.5), so
// that its samples stay under it, and far under a 3× spike of the baseline (300).
const THRESHOLD_MS = 170;
const image = `${sb.baseImage.replace(/:.*$/, '')}:v2`;
const podSeries = {
  kubectl: sb.kubectl,
  kubeconfig: sb.kubeconfig,
  exporterUrl: prom.exporterUrl,
  metric: METRIC,
};
const exporter = (method: string, route: string, body?: unknown) =>
  exporterCall(prom.exporterUrl, method, route, body);

let ns = '';
let poller: Poller | undefined;

function metricsYaml(extra = ''): string {
  return `
- name: latency
  query: 'avg(${METRIC}{ns="{{namespace}}", role="{{role}}", app="{{app}}"})'
  bad: increase
  tolerance: 1.1
  critical: true
  min-samples: 10
${extra}`;
}

function manifestFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-baseline-'));
  const file = path.join(dir, 'app.yaml');
  fs.writeFileSync(file, webYaml({ image: `${sb.baseImage.replace(/:.*$/, '')}:v1`, version: 'v2' }));
  return file;
}

function fresh(): void {
  ns = createNamespace(sb, 'baseline');
  const v1 = `${sb.baseImage.replace(/:.*$/, '')}:v1`;
  kubectlApply(sb, ns, webYaml({ image: v1, version: 'v1', replicas: 4, namespace: ns, service: true }));
  kubectl(sb, ['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
}

afterEach(async () => {
  poller?.stop();
  poller = undefined;
  if (ns) {
    for (const name of [METRIC, `${METRIC}_errors`])
      await sandboxFetch(`${prom.exporterUrl}/series?name=${name}&labels=${encodeURIComponent(`ns=${ns}`)}`, {
        method: 'DELETE',
      });
    deleteNamespace(sb, ns);
  }
  ns = '';
});

function inputs(extra: Record<string, string>): (name: string) => string {
  const base: Record<string, string> = {
    'allow-paths-outside-workspace': 'true',
    namespace: ns,
    manifests: manifestFile(),
    images: image,
    steps: '25,100',
    pause: WINDOW,
    analysis: 'baseline',
    metrics: metricsYaml(),
    'prometheus-url': prom.prometheusUrl,
    timeout: '60s',
    'run-id': `b-${Date.now()}`,
    ...extra,
  };
  return (n) => base[n] ?? '';
}

async function run(
  extra: Record<string, string>,
  opts: { state?: ReturnType<typeof memoryState>; signal?: AbortSignal; onLog?: (l: string) => void } = {},
) {
  const outputs: Record<string, string> = {};
  let summary = '';
  let error: Error | undefined;
  try {
    await runCanaryAction({
      source: inputs(extra),
      state: opts.state ?? memoryState(),
      signal: opts.signal ?? new AbortController().signal,
      setOutput: (k, v) => void (outputs[k] = v),
      writeSummary: async (md) => void (summary = md),
      log: (l) => opts.onLog?.(l),
    });
  } catch (err) {
    error = err as Error;
  }
  return { outputs, summary, error };
}

const dep = (name: string) => kubectlGet(sb, ns, `deployment ${name}`);

/** The canary's highest value over the last `seconds` (what a threshold gate on the canary would see). */
async function canaryMax(seconds: number): Promise<number> {
  const q = `max_over_time(avg(${METRIC}{ns="${ns}", role="canary"})[${seconds}s:1s])`;
  const res = await sandboxFetch(`${prom.prometheusUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0]?.value[1]);
}

describe('analysis: baseline (route replicas)', () => {
  test('a canary equal to the baseline is promoted; baseline and canary removed; pods labelled by role', async () => {
    fresh();
    poller = new Poller(podSeries, ns, { canary: normal(100, 5), baseline: normal(100, 5) }).start();
    const r = await run({});
    expect(r.error).toBeUndefined();
    expect(r.outputs.verdict).toBe('promoted');
    expect(r.outputs['analysis-score']).toBe('100');
    expect(JSON.parse(r.outputs['analysis-verdicts']!)).toEqual([
      { step: 1, window: 1, score: 100, verdict: 'pass' },
    ]);
    // kubectl: the canary's pods ran v2, the baseline's v1 (stable's version), stable's pods had no role
    const roles = poller.rolesSeen();
    expect(new Set(roles.canary)).toEqual(new Set(['v2']));
    expect(new Set(roles.baseline)).toEqual(new Set(['v1']));
    expect(roles.stable!.length).toBeGreaterThanOrEqual(4);
    expect(dep('web-baseline')).toBeUndefined();
    expect(dep('web-canary')).toBeUndefined();
    expect(dep('web').spec.template.metadata.labels).toEqual({ app: 'web', version: 'v2' });
    expect(dep('web').status.readyReplicas).toBe(4);
    // the plan's baseline rows, the step's table and the chart
    expect(r.summary).toMatch(/\| step \| weight \| stable \| canary \| baseline \| actual share \|/);
    expect(r.summary).toMatch(/\| 1 \| 25% \| 2 \| 1 \| 1 \| 25% \|/);
    expect(r.summary).toMatch(/### Step 1 \(25%\) against the baseline/);
    expect(r.summary).toMatch(/xychart-beta/);
  }, 150_000);

  test('a canary 30% slower is rolled back: baseline and canary removed, stable back to 4', async () => {
    fresh();
    poller = new Poller(podSeries, ns, { canary: normal(130, 6.5), baseline: normal(100, 5) }).start();
    const r = await run({});
    expect(r.error?.message).toMatch(
      /step 1 \(25%\): analysis against the baseline: score 0, critical metric "latency" failed/,
    );
    expect(r.outputs.verdict).toBe('rolled-back');
    expect(r.outputs['analysis-score']).toBe('0');
    expect(dep('web-baseline')).toBeUndefined();
    expect(dep('web-canary')).toBeUndefined();
    expect(dep('web').spec.replicas).toBe(4);
    expect(dep('web').spec.template.metadata.labels.version).toBe('v1');
    // and the canary never crossed the threshold a threshold gate would use
    expect(await canaryMax(20)).toBeLessThan(THRESHOLD_MS);
  }, 150_000);

  test('a fleet-wide spike hitting canary and baseline passes, where a threshold gate fails', async () => {
    fresh();
    poller = new Poller(podSeries, ns, { canary: normal(100, 5), baseline: normal(100, 5) }).start();
    let spiked = false;
    const r = await run(
      {},
      {
        onLog: (line) => {
          if (spiked || !/^Pausing/.test(line)) return;
          spiked = true;
          setTimeout(() => {
            void exporter('POST', '/spike', { name: METRIC, factor: 3, seconds: 6, match: { ns } });
          }, 6_000);
        },
      },
    );
    expect(spiked).toBe(true);
    expect(r.error).toBeUndefined();
    expect(r.outputs.verdict).toBe('promoted');
    expect(await canaryMax(40)).toBeGreaterThan(THRESHOLD_MS);
  }, 150_000);

  test('a marginal step is judged over one more window, then passes', async () => {
    fresh();
    const errors = `${METRIC}_errors`;
    poller = new Poller(podSeries, ns, {
      canary: normal(100, 5),
      baseline: normal(100, 5),
      extra: { name: errors, canary: normal(20, 1), baseline: normal(10, 1) },
    }).start();
    const yaml = metricsYaml(`- name: errors
  query: 'avg(${errors}{ns="{{namespace}}", role="{{role}}"})'
  bad: increase
  tolerance: 1.2
  weight: 0.25
  min-samples: 10
`);
    const r = await run(
      { metrics: yaml },
      {
        onLog: (line) => {
          if (/is marginal/.test(line))
            void poller!.redraw(errors, { canary: normal(10, 1), baseline: normal(10, 1) });
        },
      },
    );
    expect(r.error).toBeUndefined();
    expect(JSON.parse(r.outputs['analysis-verdicts']!)).toEqual([
      { step: 1, window: 1, score: 80, verdict: 'marginal' },
      { step: 1, window: 2, score: 100, verdict: 'pass' },
    ]);
    expect(r.outputs.verdict).toBe('promoted');
    expect(r.summary).toMatch(/against the baseline, window 2/);
  }, 150_000);

  test('cancellation during the step removes the baseline and the canary', async () => {
    fresh();
    poller = new Poller(podSeries, ns, { canary: normal(100, 5), baseline: normal(100, 5) }).start();
    const ac = new AbortController();
    const r = await run(
      {},
      {
        signal: ac.signal,
        onLog: (line) => void (/^Pausing/.test(line) && setTimeout(() => ac.abort(), 1_000)),
      },
    );
    expect(r.error).toBeDefined();
    expect(r.outputs.verdict).toBe('rolled-back');
    expect(poller.rolesSeen().baseline?.length).toBeGreaterThanOrEqual(1);
    expect(dep('web-baseline')).toBeUndefined();
    expect(dep('web-canary')).toBeUndefined();
    expect(dep('web').spec.replicas).toBe(4);
  }, 150_000);

  test('the post step sweeps the baseline of a canary main left behind', async () => {
    fresh();
    poller = new Poller(podSeries, ns, { canary: normal(100, 5), baseline: normal(100, 5) }).start();
    const state = memoryState();
    const r = await run({ steps: '25', 'analysis-window': WINDOW }, { state });
    expect(r.outputs.verdict).toBe('paused');
    expect(dep('web-baseline').spec.replicas).toBe(1);
    expect(JSON.parse(dep('web').metadata.annotations['hac.dev/canary']).baseline).toBe('web-baseline');
    state.save('canary-done', false); // as if main had been killed mid-run
    expect(await runCanaryPost({ state, log: () => undefined })).toBe('aborted the canary main left');
    expect(dep('web-baseline')).toBeUndefined();
    expect(dep('web-canary')).toBeUndefined();
    expect(dep('web').spec.replicas).toBe(4);
  }, 150_000);
});

const ROUTE = (namespace: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: ${namespace}}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`;

describe('analysis: baseline (route gateway-api)', () => {
  test("the HTTPRoute gives the baseline the canary's share; all reset after promotion", async () => {
    fresh();
    kubectlApply(sb, ns, ROUTE(ns));
    const original = kubectlGet(sb, ns, 'httproute web').spec.rules[0].backendRefs;
    poller = new Poller(podSeries, ns, { canary: normal(100, 5), baseline: normal(100, 5) }).start();
    const during: { refs?: string; selector?: unknown } = {};
    const r = await run(
      { route: 'gateway-api', 'http-route': 'web' },
      {
        onLog: (line) => {
          if (!/^Pausing/.test(line)) return;
          const refs = kubectlGet(sb, ns, 'httproute web').spec.rules[0].backendRefs as {
            name: string;
            weight: number;
          }[];
          during.refs = refs.map((b) => `${b.name}=${b.weight}`).join(',');
          during.selector = kubectlGet(sb, ns, 'service web-baseline')?.spec.selector;
        },
      },
    );
    expect(r.error).toBeUndefined();
    expect(r.outputs.verdict).toBe('promoted');
    expect(during).toEqual({
      refs: 'web=50,web-canary=25,web-baseline=25',
      selector: { app: 'web', 'hac.dev/track': 'baseline' },
    });
    expect(kubectlGet(sb, ns, 'httproute web').spec.rules[0].backendRefs).toEqual(original);
    expect(kubectlGet(sb, ns, 'service web-baseline')).toBeUndefined();
    expect(dep('web-baseline')).toBeUndefined();
  }, 150_000);
});

const INGRESS = (namespace: string) => `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: ${namespace}}
spec:
  ingressClassName: nginx
  rules: [{host: web.example, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`;

/** The canary Ingress, the analysis Service and the pods behind it, polled until both roles are there (10 s at most). */
async function duringPause(): Promise<Record<string, unknown>> {
  const started = Date.now();
  for (;;) {
    const ing = kubectlGet(sb, ns, 'ingress web-canary');
    const slices = kubectlGet(sb, ns, 'endpointslices -l kubernetes.io/service-name=web-analysis');
    const pods = slices.items
      .flatMap((sl: { endpoints?: { targetRef?: { name: string } }[] }) => sl.endpoints ?? [])
      .map((e: { targetRef?: { name: string } }) =>
        (e.targetRef?.name ?? '').replace(/-[a-z0-9]+-[a-z0-9]+$/, ''),
      )
      .sort();
    if (pods.length >= 2 || Date.now() - started > 10_000)
      return {
        weight: ing.metadata.annotations['nginx.ingress.kubernetes.io/canary-weight'],
        backend: ing.spec.rules[0].http.paths[0].backend.service.name,
        selector: kubectlGet(sb, ns, 'service web-analysis')?.spec.selector,
        pods,
      };
    await new Promise((res) => setTimeout(res, 250));
  }
}

describe('analysis: baseline (route ingress-nginx)', () => {
  test('the canary Ingress sends twice the weight to canary and baseline pods together; all removed after promotion', async () => {
    fresh();
    kubectlApply(sb, ns, INGRESS(ns));
    poller = new Poller(podSeries, ns, { canary: normal(100, 5), baseline: normal(100, 5) }).start();
    let observed: Promise<Record<string, unknown>> | undefined;
    const r = await run(
      { route: 'ingress-nginx', ingress: 'web' },
      // The EndpointSlice controller adds the baseline's pod a moment after it is Ready: polled in the 20 s pause.
      { onLog: (line) => void (/^Pausing/.test(line) && !observed && (observed = duringPause())) },
    );
    const during = await observed;
    expect(r.error).toBeUndefined();
    expect(r.outputs.verdict).toBe('promoted');
    expect(during).toEqual({
      weight: '50',
      backend: 'web-analysis',
      selector: { app: 'web', 'hac.dev/analysis': 'web' },
      pods: ['web-baseline', 'web-canary'],
    });
    expect(kubectlGet(sb, ns, 'ingress web-canary')).toBeUndefined();
    expect(kubectlGet(sb, ns, 'service web-analysis')).toBeUndefined();
    expect(dep('web-baseline')).toBeUndefined();
  }, 150_000);
});

describe('analysis: baseline, bad input: one error before any write', () => {
  test('dry-run: the plan shows the baseline rows and writes, and nothing is written', async () => {
    fresh();
    const before = resourceVersions(sb, ns);
    const r = await run({ 'dry-run': 'true', steps: '25,50,100' });
    expect(r.error).toBeUndefined();
    expect(r.outputs.verdict).toBe('planned');
    expect(r.summary).toMatch(/\| 1 \| 25% \| 2 \| 1 \| 1 \| 25% \|/);
    expect(r.summary).toMatch(/\| 2 \| 50% \| 1 \| 2 \| 2 \| 40% \|/);
    expect(r.summary).toMatch(/apply Deployment\/web-baseline \(baseline: stable's version, 1 replicas/);
    expect(resourceVersions(sb, ns)).toEqual(before);
    expect(dep('web-baseline')).toBeUndefined();
  }, 60_000);

  test.each([
    [
      'an unknown direction',
      { metrics: metricsYaml().replace('bad: increase', 'bad: up') },
      /input "metrics": got "up"/,
    ],
    [
      'a tolerance that is not a number',
      { metrics: metricsYaml().replace('tolerance: 1.1', 'tolerance: lots') },
      /"tolerance", a ratio of medians >= 1/,
    ],
    [
      'thresholds out of order',
      { 'pass-score': '70', 'marginal-score': '80' },
      /input "marginal-score": got "80"; expected a score no higher than pass-score \(70\)/,
    ],
    [
      'a route that cannot give the baseline traffic',
      { route: 'ingress-nginx', ingress: 'web', steps: '60,100' },
      /input "steps": got "60,100"; expected steps below 100 of at most 50% with analysis: baseline and route ingress-nginx/,
    ],
    [
      'a routed step the baseline cannot share',
      { route: 'gateway-api', 'http-route': 'web', steps: '75,100' },
      /input "steps": got "75,100"/,
    ],
    ['no window with no pause', { pause: '0' }, /input "analysis-window"/],
    ['no window for a judged last step', { steps: '25' }, /the last step, 25%, is judged: it has no pause/],
  ])(
    '%s',
    async (_name, extra, message) => {
      fresh();
      const before = resourceVersions(sb, ns);
      const r = await run(extra as Record<string, string>);
      expect(r.error?.message).toMatch(message);
      expect(r.outputs.verdict).toBe('failed');
      expect(resourceVersions(sb, ns)).toEqual(before);
      expect(dep('web-baseline')).toBeUndefined();
    },
    60_000,
  );

  test('a query that returns many series fails before any write', async () => {
    fresh();
    const before = resourceVersions(sb, ns);
    const metrics = `
- name: many
  query: 'label_replace(vector(1), "role", "{{role}}", "", "") or label_replace(vector(2), "x", "y", "", "")'
  bad: increase
`;
    const r = await run({ metrics });
    expect(r.error?.message).toMatch(
      /Metric "many" \(canary\): .*2 series where one is expected.*Nothing was changed/,
    );
    expect(r.outputs.verdict).toBe('failed');
    expect(resourceVersions(sb, ns)).toEqual(before);
  }, 60_000);
});
