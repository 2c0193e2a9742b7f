// Cluster helpers for the peer and growth benchmarks: an admin kubectl, a fresh namespace with
// its own least-privilege ServiceAccount (the sandbox deployer's Role), audit events counted by
// user, and one API round trip timed with a keep-alive client.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import YAML from 'yaml';
import { median } from '../lib.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** kubectl with the admin kubeconfig (sync, throws with stderr) and its async form. */
export function kubectlFor(env) {
  const bin = env.HAC_KUBECTL || 'kubectl';
  const kc = (args, input, kubeconfig = env.KUBECONFIG) => {
    // maxBuffer: the pods of a 1000-replica app are several MB of JSON
    const r = spawnSync(bin, ['--kubeconfig', kubeconfig, ...args], {
      encoding: 'utf8',
      input,
      maxBuffer: 1 << 28,
    });
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
    return r.stdout;
  };
  const kcAsync = (args, input, kubeconfig = env.KUBECONFIG) =>
    new Promise((resolve, reject) => {
      const c = spawn(bin, ['--kubeconfig', kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      c.stdin.end(input ?? '');
      let out = '';
      let err = '';
      c.stdout.on('data', (d) => (out += d));
      c.stderr.on('data', (d) => (err += d));
      c.on('close', (code) =>
        code === 0 ? resolve(out) : reject(new Error(`kubectl ${args.join(' ')}: ${err.trim()}`)),
      );
    });
  return { bin, kc, kcAsync };
}

/** The rules of the sandbox deployer's Role (scripts/sandbox/manifests/deployer-rbac.yaml). */
export function deployerRules(repoRoot) {
  const file = path.join(repoRoot, 'scripts/sandbox/manifests/deployer-rbac.yaml');
  const role = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJS())
    .find((o) => o?.kind === 'Role');
  return role.rules;
}

function clusterInfo(kc) {
  const cfg = JSON.parse(kc(['config', 'view', '--raw', '--minify', '-o', 'json']));
  const c = cfg.clusters[0].cluster;
  const ca =
    c['certificate-authority-data'] ?? fs.readFileSync(c['certificate-authority']).toString('base64');
  return { server: c.server, ca };
}

/** Writes a kubeconfig (mode 0600) for a bearer token. */
function writeKubeconfig(file, { server, ca }, token, namespace) {
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'sandbox', cluster: { server, 'certificate-authority-data': ca } }],
    users: [{ name: 'bench', user: { token } }],
    contexts: [{ name: 'bench', context: { cluster: 'sandbox', user: 'bench', namespace } }],
    'current-context': 'bench',
  };
  fs.writeFileSync(file, YAML.stringify(cfg), { mode: 0o600 });
}

/**
 * A fresh namespace with a ServiceAccount bound to `rules` (default: the deployer's Role), a
 * kubeconfig for it under `dir`, and the audit user name its requests carry.
 */
export async function freshIdentity({ kc, repoRoot, ns, dir, sa = 'deployer', rules, clusterRules }) {
  const objs = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'hac.dev/bench': 'true' } } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: ns } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: sa, namespace: ns },
      rules: rules ?? deployerRules(repoRoot),
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: sa, namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sa },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
    },
  ];
  if (clusterRules)
    objs.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: `${ns}-${sa}`, labels: { 'hac.dev/bench-ns': ns } },
        rules: clusterRules,
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `${ns}-${sa}`, labels: { 'hac.dev/bench-ns': ns } },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${ns}-${sa}` },
        subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
      },
    );
  kc(['apply', '-f', '-'], objs.map((o) => JSON.stringify(o)).join('\n---\n'));
  // pods cannot be created before the namespace's default ServiceAccount exists
  for (let i = 0; i < 100; i++) {
    try {
      kc(['-n', ns, 'get', 'sa', 'default', '-o', 'name']);
      break;
    } catch {
      await sleep(100);
    }
  }
  const token = kc(['-n', ns, 'create', 'token', sa, '--duration', '2h']).trim();
  const kubeconfig = path.join(dir, `${ns}-${sa}.kubeconfig`);
  writeKubeconfig(kubeconfig, clusterInfo(kc), token, ns);
  return { ns, kubeconfig, token, user: `system:serviceaccount:${ns}:${sa}` };
}

/** Deletes namespaces (and cluster-scoped bindings made for them) without waiting. */
export function dropNamespaces(kc, namespaces) {
  for (const ns of namespaces) {
    try {
      kc(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
      kc(['delete', 'clusterrole,clusterrolebinding', '-l', `hac.dev/bench-ns=${ns}`, '--ignore-not-found']);
    } catch {
      /* best effort */
    }
  }
}

export const auditMark = (file) => fs.statSync(file).size;

function auditEvents(file, offset) {
  const size = fs.statSync(file).size;
  // rotated since the mark (audit-log-maxsize): the new file holds everything after it
  const text = fs
    .readFileSync(file)
    .subarray(size < offset ? 0 : offset)
    .toString('utf8');
  const events = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const e = JSON.parse(line);
      if (e.stage === 'ResponseComplete') events.push(e);
    } catch {
      /* a partial last line */
    }
  }
  return events;
}

/** Audit events after `offset`, grouped by user: { total, byUser: { user: { n, verbs } }, first, last }. */
export function auditByUser(file, offset) {
  const byUser = {};
  const events = auditEvents(file, offset);
  for (const e of events) {
    const u = (byUser[e.user?.username ?? '?'] ??= { n: 0, verbs: {} });
    u.n++;
    const key = `${e.verb} ${e.objectRef?.subresource ? `${e.objectRef.resource}/${e.objectRef.subresource}` : (e.objectRef?.resource ?? e.requestURI)}`;
    u.verbs[key] = (u.verbs[key] ?? 0) + 1;
  }
  return { total: events.length, byUser, events };
}

/** The requests of `users` after `offset`, once the audit log has settled (no new events for 300 ms). */
export async function auditCount(file, offset, users) {
  let last = -1;
  let r;
  for (let i = 0; i < 20; i++) {
    r = auditByUser(file, offset);
    const n = users.reduce((s, u) => s + (r.byUser[u]?.n ?? 0), 0);
    if (n === last) break;
    last = n;
    await sleep(300);
  }
  const verbs = {};
  for (const u of users)
    for (const [k, v] of Object.entries(r.byUser[u]?.verbs ?? {})) verbs[k] = (verbs[k] ?? 0) + v;
  return { n: last, verbs };
}

/** Median time of one authenticated GET to the apiserver over a kept-alive connection, in ms. */
export async function apiRoundTrip(kubeconfig, { runs = 25 } = {}) {
  const cfg = YAML.parse(fs.readFileSync(kubeconfig, 'utf8'));
  const { server, 'certificate-authority-data': ca } = cfg.clusters[0].cluster;
  const token = cfg.users[0].user.token;
  const ns = cfg.contexts[0].context.namespace;
  const agent = new https.Agent({ keepAlive: true, ca: Buffer.from(ca, 'base64') });
  const get = () =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = https.get(`${server}/api/v1/namespaces/${ns}/configmaps?limit=1`, {
        agent,
        headers: { Authorization: `Bearer ${token}` },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - t0));
      });
      req.on('error', reject);
    });
  await get();
  const xs = [];
  for (let i = 0; i < runs; i++) xs.push(await get());
  agent.destroy();
  return median(xs);
}
