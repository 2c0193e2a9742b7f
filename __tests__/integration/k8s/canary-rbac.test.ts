// k8s-canary RBAC: a deployer ServiceAccount bound to exactly the Role the README documents (parsed
// from the README's YAML block, so the doc and the test cannot drift) runs full canaries on every
// route; with one rule removed the run fails before any write, naming the missing permission.
// Results are checked with kubectl (admin).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { runCanaryInputs } from '../../support/k8s-run.js';
import { runCanaryPost } from '../../../packages/k8s/canary/entry.js';
import {
  createNamespace,
  deleteNamespace,
  deployerWithRules,
  k8sSandbox,
  kubectl,
  kubectlApply,
  kubectlGet,
  resourceVersions,
  watchInvariant,
  type InvariantWatcher,
  webYaml,
} from '../../support/k8s.js';
import { REPO_ROOT } from '../../support/sandbox.js';

const sb = k8sSandbox();
const REPO = sb.baseImage.replace(/:.*$/, '');
const KINDS =
  'deployments,services,configmaps,leases,ingresses.networking.k8s.io,httproutes.gateway.networking.k8s.io';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** The Role's rules from the README's "Minimal RBAC Role" YAML block. */
function readmeRules(): Rule[] {
  const md = fs.readFileSync(path.join(REPO_ROOT, 'actions', 'k8s-canary', 'README.md'), 'utf8');
  const block = /## Minimal RBAC Role\s+```yaml\n([\s\S]*?)```/.exec(md)?.[1];
  if (!block) throw new Error('the README has no Minimal RBAC Role YAML block');
  return (parseYaml(block) as { rules: Rule[] }).rules;
}

/** The rules without `verbs` (all of them when empty) on `resource`. */
function without(rules: Rule[], resource: string, verbs: string[]): Rule[] {
  let hit = false;
  const out = rules.flatMap((r) => {
    if (!r.resources.includes(resource)) return [r];
    hit = true;
    const left = verbs.length === 0 ? [] : r.verbs.filter((v) => !verbs.includes(v));
    if (verbs.some((v) => !r.verbs.includes(v)))
      throw new Error(`the README grants no ${verbs} on ${resource}`);
    return left.length ? [{ ...r, verbs: left }] : [];
  });
  if (!hit) throw new Error(`the README has no rule for ${resource}`);
  return out;
}

let ns = '';
let kubeconfig = '';
let runnerTemp = '';
let watcher: InvariantWatcher | undefined;

beforeAll(async () => {
  ns = createNamespace(sb, 'canary-rbac');
  runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-canary-rbac-'));
  process.env.RUNNER_TEMP = runnerTemp;
  kubeconfig = deployerWithRules(sb, ns, 'deployer', readmeRules());
  // The route objects routed methods weight (created by the admin, as a platform team would).
  kubectlApply(
    sb,
    ns,
    `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: web, port: 8080}]}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules: [{host: web.example, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 8080}}}}]}}]
`,
  );
}, 60_000);

afterAll(async () => {
  if (watcher) {
    const w = await watcher.stop();
    console.log(`k8s-canary RBAC invariant watcher: ${w.violations.length} violations`);
  }
  deleteNamespace(sb, ns);
});

async function run(inputs: Record<string, string>, kc = kubeconfig) {
  const state = memoryState();
  const all: Record<string, string> = {
    // The manifests are written to a temporary directory, outside the workspace.
    'allow-paths-outside-workspace': 'true',
    namespace: ns,
    app: 'web',
    replicas: '4',
    kubeconfig: kc,
    'gate-wait': '0',
    timeout: '60s',
    'lock-timeout': '30s',
    'run-id': `rbac-${Date.now()}`,
    ...inputs,
  };
  const { result, error, outputs } = await runCanaryInputs(all, state);
  // The post step removes the kubeconfig file main wrote (0600 under RUNNER_TEMP).
  const file = state.get<string>('canary-kubeconfig');
  expect(file && fs.statSync(file).mode & 0o777).toBe(0o600);
  await runCanaryPost({ state, log: () => undefined });
  expect(fs.existsSync(file as string)).toBe(false);
  return { result, error, outputs };
}

const web = () => kubectlGet(sb, ns, 'deployment web');
const record = () => JSON.parse(web()?.metadata.annotations?.['hac.dev/canary'] ?? 'null');

describe('the deployer bound to exactly the README Role', () => {
  test('first release, then canaries to promotion on every route', async () => {
    const first = await run({ image: `${REPO}:v1`, version: 'v1' });
    expect(first.error).toBeUndefined();
    expect(first.outputs.verdict).toBe('initial');
    expect(web().status.readyReplicas).toBe(4);
    watcher = watchInvariant(sb, ns, 'web');
    await watcher.waitReady(1, 30_000);

    // A digest image with the version input: the label, state and outputs say v2.
    const digest = `${REPO}@sha256:${'0123456789abcdef'.repeat(4)}`;
    const replicas = await run({ image: digest, version: 'v2', steps: '25,50,100' });
    expect(replicas.error).toBeUndefined();
    expect(replicas.outputs).toMatchObject({
      verdict: 'promoted',
      version: 'v2',
      'previous-version': 'v1',
      image: digest,
    });
    expect(web().spec.template.spec.containers[0].image).toBe(digest);
    expect(web().spec.template.metadata.labels.version).toBe('v2');
    expect(record()).toMatchObject({ phase: 'promoted', version: 'v2', image: digest });

    const gw = await run({ image: `${REPO}:v3`, route: 'gateway-api', 'http-route': 'web', steps: '50,100' });
    expect(gw.error).toBeUndefined();
    expect(gw.outputs.verdict).toBe('promoted');
    expect(kubectlGet(sb, ns, 'httproute web').spec.rules[0].backendRefs).toEqual([
      { group: '', kind: 'Service', name: 'web', port: 8080, weight: 1 },
    ]);

    const ing = await run({ image: `${REPO}:v4`, route: 'ingress-nginx', ingress: 'web', steps: '50,100' });
    expect(ing.error).toBeUndefined();
    expect(ing.outputs.verdict).toBe('promoted');
    expect(kubectlGet(sb, ns, 'ingress web-canary')).toBeUndefined();

    // Checked with kubectl: stable runs v4 at full size, no canary objects are left, the Lease is free.
    expect(web().spec.template.spec.containers[0].image).toBe(`${REPO}:v4`);
    expect(web().spec.replicas).toBe(4);
    expect(kubectlGet(sb, ns, 'deployment web-canary')).toBeUndefined();
    expect(kubectlGet(sb, ns, 'service web-canary')).toBeUndefined();
    expect(kubectlGet(sb, ns, 'service web').spec.selector).toEqual({ app: 'web' });
    expect(kubectlGet(sb, ns, 'lease hac-web').spec.holderIdentity ?? '').toBe('');
    expect(watcher.violations).toEqual([]);
  }, 240_000);
});

describe('one rule removed: fails before any write, naming the missing permission', () => {
  test.each([
    ['leases', [], 'replicas', ['get', 'create', 'update'], 'leases.coordination.k8s.io'],
    ['deployments', ['patch'], 'replicas', ['patch'], 'deployments.apps'],
    ['deployments', ['update'], 'replicas', ['update'], 'deployments.apps'],
    ['horizontalpodautoscalers', ['list'], 'replicas', ['list'], 'horizontalpodautoscalers.autoscaling'],
    ['services', ['get'], 'gateway-api', ['get'], 'services'],
    ['replicasets', [], 'gateway-api', ['list'], 'replicasets.apps'],
    ['httproutes', ['patch'], 'gateway-api', ['patch'], 'httproutes.gateway.networking.k8s.io'],
    ['ingresses', ['create'], 'ingress-nginx', ['create'], 'ingresses.networking.k8s.io'],
  ])(
    'without %s %j, route %s',
    async (resource, verbs, route, named, res) => {
      const name = `minus-${resource}-${verbs.join('-') || 'all'}`;
      const kc = deployerWithRules(sb, ns, name, without(readmeRules(), resource, verbs));
      // Settle: nothing of an earlier run is still being changed.
      kubectl(sb, ['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
      const before = resourceVersions(sb, ns, KINDS);
      const r = await run(
        {
          image: `${REPO}:v9`,
          route,
          ...(route === 'gateway-api' ? { 'http-route': 'web' } : {}),
          ...(route === 'ingress-nginx' ? { ingress: 'web' } : {}),
          steps: '50,100',
        },
        kc,
      );
      expect(r.error).toBeDefined();
      expect(r.error?.message).toMatch(/^Permission denied: the deployer may not /);
      for (const verb of named)
        expect(r.error?.message).toContain(`"${verb}" on ${res} in namespace "${ns}"`);
      expect(r.error?.message).toMatch(/Nothing was changed\.$/);
      // Only what is missing is named; the hint is the rule to add.
      expect(r.error?.message.match(/"\w+" on /g)).toHaveLength(named.length);
      expect(r.error?.hint).toContain(`resources: ["${resource}"]`);
      expect(resourceVersions(sb, ns, KINDS)).toEqual(before);
      expect(kubectlGet(sb, ns, 'deployment web-canary')).toBeUndefined();
    },
    60_000,
  );
});

describe('preflight before the Lease', () => {
  test('a manifest only the apiserver rejects (dry run): one clear error, nothing written, not even the Lease', async () => {
    const file = path.join(runnerTemp, 'bad.yaml');
    fs.writeFileSync(file, webYaml({ image: `${REPO}:v9`, version: 'v9', container: 'Web_9' }));
    kubectl(sb, ['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    const before = resourceVersions(sb, ns, KINDS);
    const r = await run({ app: '', replicas: '', manifests: file, steps: '50,100' });
    expect(r.error?.message).toMatch(
      /^Preflight: the apiserver rejected apply Deployment\/web-canary: .*Web_9.*Nothing was changed\.$/,
    );
    expect(resourceVersions(sb, ns, KINDS)).toEqual(before);
  }, 60_000);

  test('a deploy while a paused canary waits for promote/abort fails at once, writing nothing; abort with the Role', async () => {
    const paused = await run({ image: `${REPO}:v10`, steps: '50' });
    expect(paused.outputs.verdict).toBe('paused');
    expect(record()).toMatchObject({ phase: 'paused', weight: 50 });
    const before = resourceVersions(sb, ns, KINDS);
    const again = await run({ image: `${REPO}:v11`, steps: '50,100' });
    expect(again.error?.message).toMatch(
      /^A canary of Deployment web is already in progress \(run rbac-\d+, phase paused, 50% of traffic\)\.$/,
    );
    expect(resourceVersions(sb, ns, KINDS)).toEqual(before);
    const abort = await run({ action: 'abort', image: '', replicas: '' });
    expect(abort.error).toBeUndefined();
    expect(abort.outputs.verdict).toBe('aborted');
    expect(kubectlGet(sb, ns, 'deployment web-canary')).toBeUndefined();
    expect(web().spec.replicas).toBe(4);
    expect(web().spec.template.spec.containers[0].image).toBe(`${REPO}:v4`);
  }, 90_000);
});
