// k8s-canary against the sandbox's real control plane; every result is checked with kubectl, and
// the invariant watcher records the live Service's EndpointSlices through every scenario.
import { describe, test, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { runCanaryAction } from '../../../packages/k8s/canary/action.js';
import { runCanaryPost } from '../../../packages/k8s/canary/entry.js';
import { type CanaryResult } from '../../../packages/k8s/canary/types.js';
import {
  k8sSandbox,
  kubectl,
  kubectlApply,
  kubectlGet,
  createNamespace,
  deleteNamespace,
  resourceVersions,
  watchInvariant,
  webYaml,
  type InvariantWatcher,
} from '../../support/k8s.js';
import { requireSandbox } from '../../support/sandbox.js';

const sb = k8sSandbox();
process.env.KUBECONFIG = sb.kubeconfig;

function stableYaml(ns: string, replicas = 4): string {
  const image = `${sb.baseImage.replace(/:.*$/, '')}:v1`;
  return `\n${webYaml({ image, version: 'v1', replicas, namespace: ns, service: true })}`;
}

function manifestFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-canary-'));
  const file = path.join(dir, 'app.yaml');
  fs.writeFileSync(file, webYaml({ image: `${sb.baseImage.replace(/:.*$/, '')}:v1`, version: 'v2' }));
  return file;
}

/** A stand-in endpoint for the canary or stable: 200, or 500 once `fail` is set. */
async function endpoint() {
  const state = { fail: false, hits: 0 };
  const srv = http.createServer((_req, res) => {
    state.hits++;
    res.writeHead(state.fail ? 500 : 200);
    res.end(state.fail ? 'broken' : 'ok');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`;
  return { url, state, close: () => new Promise((r) => srv.close(r)) };
}

let ns = '';
let watcher: InvariantWatcher | undefined;
let violations = 0;
let canaryEp: Awaited<ReturnType<typeof endpoint>>;
let stableEp: Awaited<ReturnType<typeof endpoint>>;
const image = `${sb.baseImage.replace(/:.*$/, '')}:v2`;

async function fresh(replicas = 4, extra = ''): Promise<void> {
  ns = createNamespace(sb, 'canary');
  kubectlApply(sb, ns, stableYaml(ns, replicas) + extra);
  kubectl(sb, ['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
  watcher = watchInvariant(sb, ns, 'web');
  await watcher.waitReady(1, 30_000);
}

afterEach(async () => {
  if (watcher) {
    const w = await watcher.stop();
    violations += w.violations.length;
    expect(w.violations).toEqual([]);
    watcher = undefined;
  }
  if (ns) deleteNamespace(sb, ns);
  ns = '';
  canaryEp.state.fail = false;
});

beforeAll(async () => {
  canaryEp = await endpoint();
  stableEp = await endpoint();
});
afterAll(async () => {
  await canaryEp.close();
  await stableEp.close();
  console.log(`k8s-canary invariant watcher: ${violations} violations`);
});

function inputs(extra: Record<string, string>): (name: string) => string {
  const base: Record<string, string> = {
    // The manifests are written to a temporary directory, outside the workspace.
    'allow-paths-outside-workspace': 'true',
    namespace: ns,
    manifests: manifestFile(),
    images: image,
    steps: '25,50,100',
    'canary-urls': canaryEp.url,
    'stable-urls': stableEp.url,
    'gate-wait': '0',
    timeout: '60s',
    'run-id': `t-${Date.now()}`,
    ...extra,
  };
  return (n) => base[n] ?? '';
}

async function run(extra: Record<string, string>, state = memoryState()) {
  const outputs: Record<string, string> = {};
  let summary = '';
  let error: Error | undefined;
  let result: CanaryResult | undefined;
  try {
    result = await runCanaryAction({
      source: inputs(extra),
      state,
      signal: new AbortController().signal,
      setOutput: (k, v) => void (outputs[k] = v),
      writeSummary: async (md) => void (summary = md),
      log: () => undefined,
    });
  } catch (err) {
    error = err as Error;
  }
  return { outputs, summary, error, result, state };
}

const dep = (name: string) => kubectlGet(sb, ns, `deployment ${name}`);
const record = () => JSON.parse(dep('web')?.metadata.annotations?.['hac.dev/canary'] ?? 'null');

describe('route: replicas', () => {
  test('happy path: steps, gates, promotion by rolling update, canary removed', async () => {
    await fresh();
    const r = await run({});
    expect(r.error).toBeUndefined();
    expect(r.outputs.verdict).toBe('promoted');
    expect(r.outputs.version).toBe('v2');
    expect(r.outputs['previous-version']).toBe('v1');
    expect(r.outputs.image).toBe(image);
    expect(r.outputs.weight).toBe('0');
    const web = dep('web');
    expect(web.spec.template.spec.containers[0].image).toBe(image);
    expect(web.spec.template.metadata.labels.version).toBe('v2');
    expect(web.spec.replicas).toBe(4);
    expect(web.status.readyReplicas).toBe(4);
    expect(dep('web-canary')).toBeUndefined();
    expect(record().phase).toBe('promoted');
    expect(r.summary).toMatch(/\| 1 \| 25% \| 3 \/ 1 \| 25% \|/);
    expect(r.summary).toMatch(/\| 2 \| 50% \| 2 \/ 2 \|/);
    expect(canaryEp.state.hits).toBeGreaterThanOrEqual(3);
  }, 120_000);

  test('a failing canary gate at step 2 rolls back: stable restored to 4, canary gone', async () => {
    await fresh();
    let calls = 0;
    const r = await runCanaryAction({
      source: inputs({ 'stable-urls': '' }),
      state: memoryState(),
      signal: new AbortController().signal,
      setOutput: () => undefined,
      writeSummary: async () => undefined,
      log: () => undefined,
      runGate: async () => {
        calls++;
        return {
          passed: calls < 2,
          reason: calls < 2 ? undefined : 'GET canary: 500',
          checks: [],
          durationMs: 1,
          ...{ spec: undefined },
        } as never;
      },
    }).catch((e) => e as Error);
    expect(r).toBeInstanceOf(Error);
    expect((r as Error).message).toMatch(/step 2 \(50%\): canary smoke checks failed/);
    const web = dep('web');
    expect(web.spec.replicas).toBe(4);
    expect(web.spec.template.metadata.labels.version).toBe('v1');
    expect(dep('web-canary')).toBeUndefined();
    expect(record()).toMatchObject({ phase: 'aborted' });
  }, 120_000);

  test('a failing smoke check (real HTTP 500) at step 1 rolls back, outputs name the reason', async () => {
    await fresh();
    canaryEp.state.fail = true;
    const r = await run({});
    expect(r.error?.message).toMatch(/step 1 \(25%\)/);
    expect(r.outputs.verdict).toBe('rolled-back');
    expect(r.outputs.version).toBe('v1');
    expect(r.outputs['rollback-reason']).toMatch(/canary smoke checks failed/);
    expect(dep('web-canary')).toBeUndefined();
    expect(dep('web').spec.replicas).toBe(4);
  }, 120_000);

  test('HPA on stable: stable is never scaled below minReplicas; the HPA keeps its size', async () => {
    await fresh(
      4,
      `---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 6
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]
`,
    );
    const r = await run({ steps: '50,75' });
    expect(r.error).toBeUndefined();
    expect(r.outputs.verdict).toBe('paused');
    // 50 %: stable left at 4 (HPA-owned), canary 4; 75 %: canary capped at the HPA's max 6.
    expect(r.result?.timeline.map((t) => [t.stable, t.canary])).toEqual([
      [4, 4],
      [4, 6],
    ]);
    expect(dep('web').spec.replicas).toBe(4);
    expect(dep('web-canary').spec.replicas).toBe(6);
    // Clean up through a later run that only has the recorded state.
    const a = await run({ action: 'abort', app: 'web', manifests: '', images: '' });
    expect(a.error).toBeUndefined();
    expect(dep('web-canary')).toBeUndefined();
  }, 120_000);
});

describe('Prometheus threshold', () => {
  test('an error ratio over max rolls back at step 1', async () => {
    const sbp = requireSandbox(['prometheus', 'exporter']);
    const metric = `hac_canary_errors_${Date.now()}`;
    await fetch(`${sbp.exporterUrl}/set?name=${metric}&value=0.5`, { method: 'POST' });
    // Wait until Prometheus has scraped it.
    for (let i = 0; i < 40; i++) {
      const res = (await (await fetch(`${sbp.prometheusUrl}/api/v1/query?query=${metric}`)).json()) as any;
      if (res.data.result.length > 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await fresh();
    const r = await run({
      'prometheus-url': sbp.prometheusUrl,
      metrics: `- {name: error-ratio, query: 'max(${metric})', max: 0.01}`,
    });
    expect(r.error?.message).toMatch(/step 1 \(25%\): metric error-ratio: value 0.5 is not <= 0.01/);
    expect(r.outputs.verdict).toBe('rolled-back');
    expect(dep('web-canary')).toBeUndefined();
    expect(dep('web').spec.replicas).toBe(4);
  }, 120_000);
});

describe('promote and abort in a later run, from recorded state only', () => {
  test('steps ending below 100 pause; promote later with only app', async () => {
    await fresh();
    const r = await run({ steps: '25' });
    expect(r.outputs.verdict).toBe('paused');
    expect(record()).toMatchObject({ phase: 'paused', weight: 25 });
    expect(dep('web-canary').spec.replicas).toBe(1);
    const p = await run({ action: 'promote', app: 'web', manifests: '', images: '' });
    expect(p.error).toBeUndefined();
    expect(p.outputs.verdict).toBe('promoted');
    expect(dep('web').spec.template.spec.containers[0].image).toBe(image);
    expect(dep('web-canary')).toBeUndefined();
    // Nothing left to promote: a clear error, nothing changed.
    const before = resourceVersions(sb, ns);
    const again = await run({ action: 'promote', app: 'web', manifests: '', images: '' });
    expect(again.error?.message).toMatch(/Nothing to promote: its last canary is already promoted/);
    expect(resourceVersions(sb, ns)).toEqual(before);
  }, 120_000);

  test('abort later restores stable and removes the canary', async () => {
    await fresh();
    await run({ steps: '50' });
    expect(dep('web').spec.replicas).toBe(2);
    const a = await run({ action: 'abort', app: 'web', manifests: '', images: '' });
    expect(a.outputs.verdict).toBe('aborted');
    expect(dep('web').spec.replicas).toBe(4);
    expect(dep('web').spec.template.metadata.labels.version).toBe('v1');
    expect(dep('web-canary')).toBeUndefined();
  }, 120_000);

  test('the post step aborts a canary main left behind', async () => {
    await fresh();
    const state = memoryState();
    await run({ steps: '50' }, state);
    state.save('canary-done', false); // as if main had been killed mid-run
    expect(await runCanaryPost({ state, log: () => undefined })).toBe('aborted the canary main left');
    expect(dep('web-canary')).toBeUndefined();
    expect(dep('web').spec.replicas).toBe(4);
  }, 120_000);
});

const ROUTE = (ns: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: ${ns}}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`;
const INGRESS = (ns: string) => `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: ${ns}, annotations: {nginx.ingress.kubernetes.io/rewrite-target: /}}
spec:
  ingressClassName: nginx
  rules: [{host: web.example, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`;

describe('routed methods', () => {
  test('gateway-api: exact HTTPRoute weights per step, then reset after promotion', async () => {
    await fresh();
    kubectlApply(sb, ns, ROUTE(ns));
    const original = kubectlGet(sb, ns, 'httproute web').spec.rules[0].backendRefs;
    const weights: string[] = [];
    const r = await runCanaryAction({
      source: inputs({ route: 'gateway-api', 'http-route': 'web', steps: '10,50,100', 'stable-urls': '' }),
      state: memoryState(),
      signal: new AbortController().signal,
      setOutput: () => undefined,
      writeSummary: async () => undefined,
      log: () => undefined,
      runGate: async () => {
        const hr = kubectlGet(sb, ns, 'httproute web');
        weights.push(hr.spec.rules[0].backendRefs.map((b: any) => `${b.name}=${b.weight}`).join(','));
        // The canary Service selects only canary pods; the stable Service is pinned to stable's.
        const svc = kubectlGet(sb, ns, 'service web');
        expect(Object.keys(svc.spec.selector)).toContain('pod-template-hash');
        expect(kubectlGet(sb, ns, 'service web-canary').spec.selector).toMatchObject({
          app: 'web',
          'hac.dev/track': 'canary',
        });
        return { passed: true, checks: [], durationMs: 0 } as never;
      },
    });
    expect(r.verdict).toBe('promoted');
    expect(weights).toEqual(['web=90,web-canary=10', 'web=50,web-canary=50', 'web=0,web-canary=100']);
    const hr = kubectlGet(sb, ns, 'httproute web');
    // Back to the original refs (the CRD defaults weight to 1 on both).
    expect(hr.spec.rules[0].backendRefs).toEqual(original);
    expect(original).toEqual([{ group: '', kind: 'Service', name: 'web', port: 80, weight: 1 }]);
    expect(kubectlGet(sb, ns, 'service web').spec.selector).toEqual({ app: 'web' });
    expect(kubectlGet(sb, ns, 'service web-canary')).toBeUndefined();
    expect(dep('web').spec.template.spec.containers[0].image).toBe(image);
  }, 120_000);

  test('ingress-nginx: a canary Ingress with canary-weight per step, deleted on abort', async () => {
    await fresh();
    kubectlApply(sb, ns, INGRESS(ns));
    const seen: string[] = [];
    let calls = 0;
    const r = await runCanaryAction({
      source: inputs({ route: 'ingress-nginx', ingress: 'web', steps: '20,40,100', 'stable-urls': '' }),
      state: memoryState(),
      signal: new AbortController().signal,
      setOutput: () => undefined,
      writeSummary: async () => undefined,
      log: () => undefined,
      runGate: async () => {
        const ing = kubectlGet(sb, ns, 'ingress web-canary');
        seen.push(
          `${ing.metadata.annotations['nginx.ingress.kubernetes.io/canary']}:${ing.metadata.annotations['nginx.ingress.kubernetes.io/canary-weight']}:${ing.spec.rules[0].http.paths[0].backend.service.name}`,
        );
        calls++;
        return { passed: calls < 2, reason: 'canary 500', checks: [], durationMs: 0 } as never;
      },
    }).catch((e) => e as Error);
    expect(r).toBeInstanceOf(Error);
    expect(seen).toEqual(['true:20:web-canary', 'true:40:web-canary']);
    expect(kubectlGet(sb, ns, 'ingress web-canary')).toBeUndefined();
    expect(kubectlGet(sb, ns, 'ingress web')).toBeDefined();
    expect(kubectlGet(sb, ns, 'service web').spec.selector).toEqual({ app: 'web' });
    expect(dep('web-canary')).toBeUndefined();
  }, 120_000);
});

describe('bad inputs: one clear error, nothing written', () => {
  test.each([
    [{ steps: '10,200' }, /input "steps": got "10,200"/],
    [{ steps: '50,25' }, /input "steps": got "50,25"/],
    [{ steps: ' , ' }, /input "steps"/],
    [
      { route: 'istio' },
      /input "route": got "istio"; expected one of "replicas", "gateway-api", "ingress-nginx"/,
    ],
    [{ pause: '5 minutes' }, /input "pause": got "5 minutes"/],
    [{ pause: '1m,1m,1m,1m' }, /input "pause"/],
    [{ metrics: '- {name: x, query: up}', 'prometheus-url': 'http://127.0.0.1:1' }, /input "metrics"/],
    [{ metrics: '- {name: x, query: up, max: 1}' }, /input "prometheus-url"/],
    [{ route: 'gateway-api' }, /input "http-route"/],
    [{ route: 'ingress-nginx' }, /input "ingress"/],
    [{ route: 'gateway-api', 'http-route': 'missing' }, /HTTPRoute missing does not exist/],
    [{ route: 'ingress-nginx', ingress: 'missing' }, /Ingress missing does not exist/],
    [{ surge: '-1' }, /input "surge"/],
    [
      { action: 'promote', app: 'web', manifests: '', images: '' },
      /Nothing to promote: no canary was ever recorded/,
    ],
    [
      { action: 'abort', app: 'nope', manifests: '', images: '' },
      /Nothing to abort: Deployment nope does not exist/,
    ],
    [{ images: 'other/repo:v2' }, /other\/repo:v2/],
    [
      {
        'prometheus-url': process.env.HAC_PROMETHEUS_URL ?? 'http://127.0.0.1:15090',
        metrics: "- {name: bad, query: 'sum(', max: 1}",
      },
      /Metric "bad": Prometheus rejected "sum\(": bad_data/,
    ],
    [
      { metrics: '- {name: x, query: up, max: 1}', 'prometheus-url': 'http://127.0.0.1:1' },
      /Metric "x": Prometheus at http:\/\/127.0.0.1:1 is unreachable/,
    ],
    [{ 'dry-run': 'true' }, /^dry-run$/],
  ])('%j', async (extra, why) => {
    if (!ns) {
      ns = createNamespace(sb, 'canary-bad');
      kubectlApply(sb, ns, stableYaml(ns));
      kubectl(sb, ['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    }
    const before = resourceVersions(sb, ns);
    const r = await run(extra);
    if (String(why) === '/^dry-run$/') {
      // Not an error: the plan, with every write dry-run, and nothing changed.
      expect(r.error).toBeUndefined();
      expect(r.outputs.verdict).toBe('planned');
      expect(r.summary).toMatch(/\| 1 \| 25% \| 3 \| 1 \| 25% \|/);
      expect(r.summary).toMatch(/apply Deployment\/web-canary/);
    } else {
      expect(r.error?.message).toMatch(why);
    }
    expect(resourceVersions(sb, ns)).toEqual(before);
  });

  afterAll(() => {
    if (ns) deleteNamespace(sb, ns);
  });
});
