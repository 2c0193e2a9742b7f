// Kubernetes test support (sandbox): kubectl, throwaway namespaces, and the invariant watcher
// that records a live Service's EndpointSlices and counts moments with zero ready endpoints.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { requireSandbox, uniqueName, type SandboxEnv } from './sandbox.js';

export interface KubectlResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl with the admin kubeconfig (or `kubeconfig`). Throws on failure unless allowFail. */
export function kubectl(
  sb: SandboxEnv,
  args: string[],
  opts: { input?: string; allowFail?: boolean; kubeconfig?: string } = {},
): KubectlResult {
  const res = spawnSync(sb.kubectl, ['--kubeconfig', opts.kubeconfig ?? sb.kubeconfig, ...args], {
    encoding: 'utf8',
    input: opts.input,
    timeout: 60_000,
  });
  const out = {
    status: res.status ?? 1,
    stdout: res.stdout ?? '',
    stderr: res.stderr ?? String(res.error ?? ''),
  };
  if (out.status !== 0 && !opts.allowFail)
    throw new Error(`kubectl ${args.join(' ')} failed (${out.status}): ${out.stderr.trim()}`);
  return out;
}

/** kubectl get -o json, parsed; undefined when not found. */
export function kubectlGet<T = any>(sb: SandboxEnv, namespace: string, what: string): T | undefined {
  const r = kubectl(sb, ['-n', namespace, 'get', ...what.split(' '), '-o', 'json'], { allowFail: true });
  if (r.status !== 0) {
    if (/NotFound|not found/.test(r.stderr)) return undefined;
    throw new Error(`kubectl get ${what}: ${r.stderr}`);
  }
  return JSON.parse(r.stdout) as T;
}

export function kubectlApply(sb: SandboxEnv, namespace: string, yaml: string): void {
  kubectl(sb, ['-n', namespace, 'apply', '-f', '-'], { input: yaml });
}

/** Creates a namespace unique to the test; returns its name. */
export function createNamespace(sb: SandboxEnv, prefix: string): string {
  const ns = uniqueName(prefix).slice(0, 60);
  kubectl(sb, ['create', 'namespace', ns]);
  // Pods need the namespace's default ServiceAccount, which a controller creates shortly after.
  for (
    let i = 0;
    i < 60 && kubectl(sb, ['-n', ns, 'get', 'serviceaccount', 'default'], { allowFail: true }).status !== 0;
    i++
  ) {
    spawnSync('sleep', ['0.5']);
  }
  return ns;
}

export function deleteNamespace(sb: SandboxEnv, ns: string): void {
  kubectl(sb, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'], { allowFail: true });
}

/** resourceVersion of every object of the given kinds in a namespace: name → version. */
export function resourceVersions(
  sb: SandboxEnv,
  namespace: string,
  kinds = 'deployments,services,configmaps,leases',
): Record<string, string> {
  const list = JSON.parse(kubectl(sb, ['-n', namespace, 'get', kinds, '-o', 'json']).stdout) as {
    items: any[];
  };
  const out: Record<string, string> = {};
  for (const o of list.items) out[`${o.kind}/${o.metadata.name}`] = o.metadata.resourceVersion;
  return out;
}

/** Serves `kubeconfig` for a ServiceAccount bound to `rules` in `namespace` (admin creates them). */
export function deployerWithRules(sb: SandboxEnv, namespace: string, name: string, rules: unknown[]): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace }, rules },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name, namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
      },
    ],
  };
  kubectl(sb, ['apply', '-f', '-'], { input: JSON.stringify(doc) });
  const token = kubectl(sb, ['-n', namespace, 'create', 'token', name, '--duration', '2h']).stdout.trim();
  const admin = JSON.parse(kubectl(sb, ['config', 'view', '--raw', '--minify', '-o', 'json']).stdout);
  const cluster = admin.clusters[0];
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'sandbox', cluster: cluster.cluster }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: 'sandbox', user: name, namespace } }],
    'current-context': name,
  });
}

// ------------------------------------------------------------------ invariant watcher

export interface InvariantSample {
  at: number;
  ready: number;
  event: string;
}

export interface InvariantWatcher {
  /** Every change of the ready-endpoint total, in order. */
  samples: InvariantSample[];
  /** Moments when the total dropped to 0 after the Service had been serving. */
  violations: InvariantSample[];
  /** Resolves when the Service has at least `n` ready endpoints. */
  waitReady(n?: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<{ samples: InvariantSample[]; violations: InvariantSample[] }>;
}

/** Splits a stream of concatenated (pretty-printed) JSON documents. */
export function jsonStreamSplitter(onDoc: (doc: any) => void): (chunk: string) => void {
  let buf = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  return (chunk) => {
    for (const ch of chunk) {
      buf += ch;
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === '{') {
        if (depth === 0) start = buf.length - 1;
        depth++;
      } else if (ch === '}') {
        depth--;
        if (depth === 0 && start >= 0) {
          onDoc(JSON.parse(buf.slice(start)));
          buf = '';
          start = -1;
        }
      }
    }
  };
}

/**
 * Watches the EndpointSlices of Service `service` with `kubectl get --watch` and checks that,
 * once the Service has served (≥1 ready endpoint), it never has 0 ready endpoints again.
 * `allowEmptyAfterDelete`: a Service deleted on purpose (first-deploy rollback) is not a violation.
 */
export function watchInvariant(sb: SandboxEnv, namespace: string, service: string): InvariantWatcher {
  const slices = new Map<string, number>();
  const samples: InvariantSample[] = [];
  const violations: InvariantSample[] = [];
  let armed = false;
  let total = -1;
  const waiters: { n: number; resolve: () => void }[] = [];
  const child: ChildProcess = spawn(
    sb.kubectl,
    [
      '--kubeconfig',
      sb.kubeconfig,
      '-n',
      namespace,
      'get',
      'endpointslices',
      '-l',
      `kubernetes.io/service-name=${service}`,
      '--watch',
      '--output-watch-events',
      '-o',
      'json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  const feed = jsonStreamSplitter((ev) => {
    const obj = ev.object ?? ev;
    const name = obj?.metadata?.name as string;
    if (!name) return;
    const ready = (obj.endpoints ?? []).filter((e: any) => e.conditions?.ready !== false).length;
    if (ev.type === 'DELETED') slices.delete(name);
    else slices.set(name, ready);
    const now = [...slices.values()].reduce((a, b) => a + b, 0);
    if (now === total) return;
    total = now;
    const sample = { at: Date.now(), ready: now, event: `${ev.type} ${name}` };
    samples.push(sample);
    if (now > 0) armed = true;
    else if (armed) violations.push(sample);
    for (const w of [...waiters]) {
      if (now >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => feed(d));
  return {
    samples,
    violations,
    waitReady(n = 1, timeoutMs = 60_000) {
      if (total >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () =>
            reject(
              new Error(
                `Service ${service} did not reach ${n} ready endpoints (now ${total}); kubectl: ${stderr}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
      });
    },
    async stop() {
      // Let the last events arrive before stopping.
      await new Promise((r) => setTimeout(r, 300));
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      return { samples, violations };
    },
  };
}

/** A global tally of invariant violations across a test file (reported at the end). */
export const invariantTally = { scenarios: 0, violations: 0 };

export function k8sSandbox(): SandboxEnv {
  return requireSandbox(['k8s']);
}

export interface WebYamlOptions {
  /** The container image. */
  image: string;
  /** The pods' version label. */
  version: string;
  replicas?: number;
  /** Written into metadata when given (otherwise the namespace comes from kubectl -n or the action). */
  namespace?: string;
  /** Also a Service `web` selecting app=web (the live Service of the canary tests). */
  service?: boolean;
  container?: string;
}

/** The `web` app the canary tests deploy: a Deployment labelled app and version, and optionally its Service. */
export function webYaml(o: WebYamlOptions): string {
  const meta = o.namespace ? `{name: web, namespace: ${o.namespace}}` : '{name: web}';
  const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: ${meta}
spec:
  replicas: ${o.replicas ?? 4}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, version: ${o.version}}}
    spec: {containers: [{name: ${o.container ?? 'web'}, image: "${o.image}"}]}
`;
  if (!o.service) return deployment;
  return `${deployment}---
apiVersion: v1
kind: Service
metadata: ${meta}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
`;
}
