// Support for the k8s fault matrix: a least-privilege deployer from the READMEs' Roles, the
// destructive calls found in the fault proxy's log and their ownership check against what kubectl
// showed before the run, a user's unrelated Deployment and Service that must stay untouched, and
// the tally the matrix prints.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { parse } from 'yaml';
import { deployerWithRules, kubectlApply, type InvariantWatcher } from './k8s.js';
import { LATENCY_MS, type K8sFault, type K8sFaultProxy, type ProxiedRequest } from './k8s-fault-proxy.js';
import { REPO_ROOT, type SandboxEnv } from './sandbox.js';

/** The "Minimal RBAC Role" rules of both k8s actions' READMEs. */
export function readmeRoleRules(): unknown[] {
  return ['k8s-bluegreen', 'k8s-canary'].flatMap((action) => {
    const md = fs.readFileSync(path.join(REPO_ROOT, 'actions', action, 'README.md'), 'utf8');
    const block = /## Minimal RBAC Role\s+[^`]*```yaml\n([\s\S]*?)```/.exec(md)?.[1];
    if (!block) throw new Error(`actions/${action}/README.md has no Minimal RBAC Role YAML block`);
    return (parse(block) as { rules: unknown[] }).rules;
  });
}

/** A deployer ServiceAccount bound to the READMEs' Roles in `ns`; returns its kubeconfig path. */
export function matrixDeployer(sb: SandboxEnv, ns: string, dir: string, name = 'deployer'): string {
  const file = path.join(dir, `kubeconfig-${name}`);
  fs.writeFileSync(file, deployerWithRules(sb, ns, name, readmeRoleRules()), { mode: 0o600 });
  return file;
}

export interface ObjectMeta {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string }[];
}

const RESOURCES: Record<string, string> = {
  Deployment: 'deployments',
  ReplicaSet: 'replicasets',
  Service: 'services',
  ConfigMap: 'configmaps',
  Lease: 'leases',
  Pod: 'pods',
};

/** The namespace's objects of the kinds the matrix checks, in one kubectl call. */
export function namespaceObjects(sb: SandboxEnv, ns: string): any[] {
  const kinds = 'deployments,replicasets,services,configmaps,leases,pods';
  const res = spawnSync(sb.kubectl, ['--kubeconfig', sb.kubeconfig, '-n', ns, 'get', kinds, '-o', 'json'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024, // a namespace after a hundred runs is well over the 1 MB default
    timeout: 60_000,
  });
  if (res.status !== 0) throw new Error(`kubectl get ${kinds} in ${ns}: ${res.stderr || String(res.error)}`);
  return (JSON.parse(res.stdout) as { items: any[] }).items;
}

/** Metadata by `resource/name` (resource as in the API path). */
export function metaByPath(items: any[]): Map<string, ObjectMeta> {
  return new Map(items.map((o) => [`${RESOURCES[o.kind]}/${o.metadata.name}`, o.metadata as ObjectMeta]));
}

export interface DestructiveCall {
  index: number;
  what: 'delete' | 'scale-to-zero';
  target: string;
}

/** DELETEs and writes setting replicas to 0, from the proxy's log. */
export function destructiveCalls(log: ProxiedRequest[]): DestructiveCall[] {
  const out: DestructiveCall[] = [];
  for (const r of log) {
    const m = /\/namespaces\/[^/]+\/([a-z]+)\/([^/?]+)/.exec(r.url);
    if (!m) continue;
    const target = `${m[1]}/${decodeURIComponent(m[2] ?? '')}`;
    if (r.method === 'DELETE') out.push({ index: r.index, what: 'delete', target });
    else if (/PATCH|PUT/.test(r.method) && /"replicas"\s*:\s*0\b/.test(r.body))
      out.push({ index: r.index, what: 'scale-to-zero', target });
  }
  return out;
}

/**
 * Whether hac marks this object as belonging to `app`: named for the app and carrying hac.dev
 * annotations or labels, or hac's managed-by label; or owned by such an object.
 */
export function isOurs(meta: ObjectMeta, app: string): boolean {
  const hac =
    Object.keys({ ...meta.annotations, ...meta.labels }).some((k) => k.startsWith('hac.dev/')) ||
    meta.labels?.['app.kubernetes.io/managed-by'] === 'hac';
  const named = meta.name === app || meta.name.startsWith(`${app}-`);
  const owned = (meta.ownerReferences ?? []).some((o) => o.name === app || o.name.startsWith(`${app}-`));
  return (hac && named) || owned;
}

/** Every destructive call that targets an object neither created by this run nor marked as hac's for `app`. */
export function foreignTargets(
  calls: DestructiveCall[],
  before: Map<string, ObjectMeta>,
  after: Map<string, ObjectMeta>,
  app: string,
): string[] {
  return calls.flatMap((c) => {
    const meta = before.get(c.target) ?? after.get(c.target);
    if (!before.has(c.target) && !after.has(c.target)) return []; // created and removed by this run
    if (meta && isOurs(meta, app)) return [];
    return [`#${c.index} ${c.what} ${c.target}: not created by this run and not marked as hac's for ${app}`];
  });
}

/**
 * A user's own Deployment and Service, unrelated to hac, in the app's namespace. The Service is
 * headless: a matrix makes one per run, a hundred and more, and the sandbox's Service range (a /24
 * shared by every suite) would run out of cluster IPs.
 */
export function applyBystander(sb: SandboxEnv, ns: string, name: string): void {
  kubectlApply(
    sb,
    ns,
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, labels: {team: users}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: main, image: registry.example/user:1}]}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, labels: {team: users}}
spec: {clusterIP: None, selector: {app: ${name}}, ports: [{port: 80}]}
`,
  );
}

/** What is wrong with the user's objects `names` (missing, scaled, changed spec); empty when untouched. */
export function bystanderProblems(items: any[], names: string[]): string[] {
  return names.flatMap((n) => {
    const dep = items.find((o) => o.kind === 'Deployment' && o.metadata.name === n);
    const svc = items.find((o) => o.kind === 'Service' && o.metadata.name === n);
    const problems: string[] = [];
    if (!dep) problems.push(`Deployment ${n} is gone`);
    else if (dep.spec.replicas !== 1 || dep.metadata.generation !== 1)
      problems.push(
        `Deployment ${n} changed (replicas ${dep.spec.replicas}, generation ${dep.metadata.generation})`,
      );
    if (!svc) problems.push(`Service ${n} is gone`);
    else if (Object.keys(svc.metadata.annotations ?? {}).some((k) => k.startsWith('hac.dev/')))
      problems.push(`Service ${n} got hac annotations`);
    return problems;
  });
}

export interface MatrixTally {
  faults: number;
  /** Faults that hit a watch request. */
  watchFaults: number;
  completed: number;
  rolledBack: number;
  failedCleanly: number;
  destructive: number;
  violations: string[];
  /** The slowest runs of the sweep. */
  slowest: { label: string; ms: number }[];
}

export const newTally = (): MatrixTally => ({
  faults: 0,
  watchFaults: 0,
  completed: 0,
  rolledBack: 0,
  failedCleanly: 0,
  destructive: 0,
  violations: [],
  slowest: [],
});

export function tallyLine(name: string, t: MatrixTally): string {
  return (
    `${name} fault matrix: ${t.faults} faults injected (${t.watchFaults} on a watch), ${t.completed} runs completed, ` +
    `${t.rolledBack} rolled back, ${t.failedCleanly} failed before changing traffic, ` +
    `${t.destructive} destructive calls checked, ${t.violations.length} violations` +
    `\n  slowest runs: ${t.slowest.map((s) => `${s.label} ${s.ms} ms`).join(', ')}` +
    (t.violations.length ? `\n  ${t.violations.join('\n  ')}` : '')
  );
}

/** Runs `release` once per request index (1..count, or the sampled ones) with `fault` planned at that index. */
export async function sweep(
  proxy: K8sFaultProxy,
  count: number,
  fault: K8sFault,
  release: (label: string) => Promise<unknown>,
  tally: MatrixTally,
  sample: (i: number, n: number) => boolean = () => true,
  check: (log: ProxiedRequest[]) => string[] = () => [],
): Promise<string[]> {
  const before = tally.violations.length;
  for (let i = 1; i <= count; i++) {
    if (!sample(i, count)) continue;
    proxy.reset();
    proxy.failAt(i, fault);
    const start = Date.now();
    await release(`${fault} at #${i}`);
    tally.slowest.push({ label: `${fault} at #${i}`, ms: Date.now() - start });
    tally.slowest = tally.slowest.sort((a, b) => b.ms - a.ms).slice(0, 5);
    for (const p of check(proxy.requests)) tally.violations.push(`${fault} at #${i}: ${p}`);
    const hit = proxy.requests.find((q) => q.fault === fault);
    if (hit) tally.faults++;
    if (hit?.watch) tally.watchFaults++;
  }
  return tally.violations.slice(before);
}

/** The latency sample: the first index, every fourth, the last. */
export const latencySample = (i: number, n: number): boolean => i === 1 || i === n || i % 4 === 0;

/** The request-timeout input of every matrix run: a third of the injected latency (LATENCY_MS). */
export const REQUEST_TIMEOUT = '1s';

/** The fault kinds by what they break: the connection (resets, silence), or the answer (a status). */
export const NETWORK_FAULTS: K8sFault[] = ['reset-before', 'reset-mid', 'latency'];
export const STATUS_FAULTS: K8sFault[] = ['500', '429'];

export interface MatrixContext {
  proxy: () => K8sFaultProxy;
  /** Requests of the clean release (set by the suite's first test). */
  cleanCount: () => number;
  release: (label: string) => Promise<unknown>;
  tally: MatrixTally;
  /** Indices that get latency (default: every one). */
  latency?: (i: number, n: number) => boolean;
  /** The fault kinds this suite sweeps (the others run in a sibling suite). */
  faults: K8sFault[];
}

/** Latency hits the proxy saw whose client did not give up before LATENCY_MS (its deadline did not fire). */
export function unabandoned(log: ProxiedRequest[]): string[] {
  return log
    .filter((q) => q.fault === 'latency' && !q.abandoned)
    .map((q) => `#${q.index} ${q.method} ${q.url}: waited out the latency`);
}

/** Registers the sweeps of `c.faults`: reset before the response, reset mid-body (a watch among them), 500, 429, latency. */
export function sweepTests(c: MatrixContext): void {
  const atEvery =
    (
      fault: K8sFault,
      sample?: (i: number, n: number) => boolean,
      check?: (log: ProxiedRequest[]) => string[],
    ) =>
    async () => {
      expect(c.cleanCount()).toBeGreaterThan(0);
      expect(await sweep(c.proxy(), c.cleanCount(), fault, c.release, c.tally, sample, check)).toEqual([]);
    };
  const every = 'at every request index';
  const sweeps: Record<K8sFault, [string, () => Promise<void>]> = {
    'reset-before': [`a reset before the response ${every}`, atEvery('reset-before')],
    'reset-mid': [
      `a reset mid-body (mid-watch on a watch) ${every}`,
      async () => {
        const watches = c.tally.watchFaults;
        await atEvery('reset-mid')();
        expect(c.tally.watchFaults).toBeGreaterThan(watches);
      },
    ],
    '500': [`a 500 ${every}`, atEvery('500')],
    '429': [`a 429 with Retry-After ${every}`, atEvery('429')],
    latency: [
      `${LATENCY_MS / 1000} s of latency (request-timeout ${REQUEST_TIMEOUT}: its deadline cuts each one short) ${c.latency ? 'at sampled indices: the first, every fourth, the last' : every}`,
      atEvery('latency', c.latency, unabandoned),
    ],
  };
  for (const f of c.faults) test(sweeps[f][0], sweeps[f][1], 240_000);
}

export interface Judged {
  sb: SandboxEnv;
  ns: string;
  app: string;
  label: string;
  proxy: K8sFaultProxy;
  tally: MatrixTally;
  /** kubectl's view before the run (metaByPath). */
  before: Map<string, ObjectMeta>;
  bystanders: string[];
  /** The image that served before the run, and the one it released. */
  previous: string;
  next: string;
  verdict: string;
  /** The strategy's own view of what serves (and what is wrong with it), from kubectl's objects. */
  served: (items: any[]) => { image: string; problems: string[] };
  /** More checks, given what serves. */
  more?: (image: string) => string[];
}

/** Checks one run of the matrix with kubectl and the proxy's log, tallies it; returns the image that serves. */
export function judgeRelease(j: Judged): string {
  const calls = destructiveCalls(j.proxy.requests);
  j.tally.destructive += calls.length;
  const items = namespaceObjects(j.sb, j.ns);
  const now = j.served(items);
  const problems = [
    ...now.problems,
    ...foreignTargets(calls, j.before, metaByPath(items), j.app),
    ...bystanderProblems(items, j.bystanders),
    ...(j.more?.(now.image) ?? []),
  ];
  if (now.image !== j.next && now.image !== j.previous)
    problems.push(`serves ${now.image}: neither ${j.previous} nor ${j.next}`);
  if (j.verdict === 'promoted' && now.image !== j.next)
    problems.push(`verdict promoted but serves ${now.image}`);
  for (const p of problems) j.tally.violations.push(`${j.label}: ${p}`);
  if (now.image === j.next) j.tally.completed++;
  else if (j.verdict === 'rolled-back') j.tally.rolledBack++;
  else j.tally.failedCleanly++;
  return now.image;
}

export interface MatrixSuite extends Omit<MatrixContext, 'cleanCount'> {
  name: string;
  release: (label: string) => Promise<{ verdict: string; count: number }>;
  watcher: () => InvariantWatcher;
  /** Runs at the start of the clean test (a first deploy, the watcher started). */
  first?: () => Promise<void>;
  /** More checks after the watcher stopped. */
  after?: () => void;
}

/** Registers a strategy's matrix: a clean release whose requests are counted, the sweeps, then the watcher's verdict. */
export function matrixSuite(s: MatrixSuite): void {
  let cleanCount = 0;
  describe(`${s.name} fault matrix: ${s.faults.join(', ')}`, () => {
    test('a clean release: its requests are counted', async () => {
      await s.first?.();
      s.proxy().reset();
      const r = await s.release('clean');
      cleanCount = r.count;
      const log = s.proxy().requests.map((q) => `${q.index} ${q.method} ${q.url}`);
      console.log(`clean release: ${cleanCount} requests\n${log.join('\n')}`);
      expect(r.verdict).toBe('promoted');
      expect(cleanCount).toBeGreaterThan(5);
      expect(s.tally.violations).toEqual([]);
    }, 60_000);

    sweepTests({ ...s, cleanCount: () => cleanCount });

    test('the live Service never had 0 ready endpoints', async () => {
      const w = await s.watcher().stop();
      if (w.violations.length)
        s.tally.violations.push(`${w.violations.length} moments with 0 ready endpoints`);
      expect(w.violations).toEqual([]);
      s.after?.();
    });
  });
}
