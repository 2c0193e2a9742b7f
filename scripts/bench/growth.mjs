// Benchmark: how a hac canary grows with replicas (4, 40, 400, 1000 on kwok) and with steps
// (2, 5, 10, 20), each beside a kubectl script making the same replica changes in the same run
// (the time the pods take to become ready, which both wait for), and 20 apps canaried at once
// against one control plane. Pods run on bench-only kwok nodes (tainted, removed at the end), so
// the sandbox's own nodes keep their capacity. Writes docs/bench-growth.svg.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sandboxEnv } from './lib.mjs';
import { endState } from './peer/checks.mjs';
import {
  auditByUser,
  auditCount,
  auditMark,
  dropNamespaces,
  freshIdentity,
  kubectlFor,
} from './peer/cluster.mjs';
import { concurrencyMarkdown, growthMarkdown, growthSvg } from './peer/growth-report.mjs';
import { appManifest, canaryDeployment, canarySplit } from './peer/manifests.mjs';
import { runAction, snapshotBundle } from './peer/runner.mjs';

const REPLICAS = (process.env.HAC_BENCH_GROWTH_REPLICAS ?? '4,40,400,1000').split(',').map(Number);
const STEPS = (process.env.HAC_BENCH_GROWTH_STEPS ?? '2,5,10,20').split(',').map(Number);
const APPS = Number(process.env.HAC_BENCH_GROWTH_APPS ?? 20);
const TOLERATE = { key: 'hac.dev/bench', value: 'growth' };
const NODES = ['hac-bench-node-0', 'hac-bench-node-1', 'hac-bench-node-2'];

/** n ascending steps ending at 100: 2 → 50,100; 5 → 20,40,60,80,100. */
export const stepList = (n) => Array.from({ length: n }, (_, i) => Math.round(((i + 1) * 100) / n));

const img = (app, v) => `registry.example/${app}:${v}`;

function benchNodes() {
  return NODES.map((name) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: { [TOLERATE.key]: TOLERATE.value, type: 'kwok', 'kubernetes.io/hostname': name },
    },
    spec: { taints: [{ key: TOLERATE.key, value: TOLERATE.value, effect: 'NoSchedule' }] },
    status: {
      allocatable: { cpu: '1000', memory: '4Ti', pods: '1000' },
      capacity: { cpu: '1000', memory: '4Ti', pods: '1000' },
    },
  }));
}

function hacStep(g, ctx, inputs) {
  return runAction({
    main: g.bundle.main,
    post: g.bundle.post,
    inputs: { namespace: ctx.id.ns, 'gate-wait': '0s', pause: '0', timeout: '10m', ...inputs },
    workDir: g.work,
    extraEnv: { KUBECONFIG: ctx.id.kubeconfig },
  });
}

function writeManifest(g, app, replicas) {
  const file = path.join(g.work, `${app}-${replicas}.yaml`);
  fs.writeFileSync(file, appManifest({ app, img: img(app, 'v1'), replicas, tolerate: TOLERATE }));
  return file;
}

/** Baseline v1, then a canary to v2 through `steps`; wall time, requests, end state. */
async function hacCanary(g, ctx, { app, replicas, steps }) {
  const manifests = writeManifest(g, app, replicas);
  const b = await hacStep(g, ctx, { manifests, 'run-id': `${app}-base` });
  if (b.code !== 0) throw new Error(`hac baseline of ${app} failed:\n${b.out.slice(-2000)}`);
  const mark = auditMark(g.audit);
  const r = await hacStep(g, ctx, {
    manifests,
    images: img(app, 'v2'),
    steps: steps.join(','),
    'run-id': `${app}-v2`,
  });
  const state = await endState(g.kc, ctx.id.ns, img(app, 'v2'), replicas, app);
  const req = await auditCount(g.audit, mark, [ctx.id.user]);
  return {
    code: r.code,
    wallMs: r.wallMs,
    requests: req.n,
    verbs: req.verbs,
    correct: state.correct,
    out: r.out,
  };
}

/** The same replica changes with kubectl: canary per step, stable scaled down, then promote. */
async function kubectlCanary(g, ctx, { app, replicas, steps }) {
  const kc = ctx.kcAs;
  const timeout = `--timeout=${replicas >= 400 ? 600 : 120}s`;
  const status = (name) => kc(['rollout', 'status', `deployment/${name}`, timeout]);
  await kc(['apply', '-f', '-'], appManifest({ app, img: img(app, 'v1'), replicas, tolerate: TOLERATE }));
  await status(app);
  const mark = auditMark(g.audit);
  const t0 = performance.now();
  for (const pct of steps.filter((p) => p < 100)) {
    const { canary, stable } = canarySplit(replicas, pct);
    const dep = canaryDeployment({ app, img: img(app, 'v2'), replicas: canary, tolerate: TOLERATE });
    await kc(['apply', '-f', '-'], dep);
    await status(`${app}-canary`);
    await kc(['scale', `deployment/${app}`, `--replicas=${stable}`]);
  }
  await kc(['set', 'image', `deployment/${app}`, `web=${img(app, 'v2')}`]);
  await kc(['scale', `deployment/${app}`, `--replicas=${replicas}`]);
  await status(app);
  await kc(['delete', `deployment/${app}-canary`, '--ignore-not-found']);
  const wallMs = performance.now() - t0;
  const req = await auditCount(g.audit, mark, [ctx.id.user]);
  return { wallMs, requests: req.n };
}

async function series(g, label, points) {
  const rows = [];
  for (const p of points) {
    console.error(`bench: growth ${label} replicas=${p.replicas} steps=${p.steps.length}`);
    const ctxH = await g.context(`${label}${p.replicas}s${p.steps.length}h`);
    const h = await hacCanary(g, ctxH, { app: 'web', ...p });
    const ctxK = await g.context(`${label}${p.replicas}s${p.steps.length}k`);
    const k = await kubectlCanary(g, ctxK, { app: 'web', ...p });
    rows.push({ replicas: p.replicas, steps: p.steps.length, hac: h, kubectl: k });
    // Free the pods before the next point, and wait until they are gone: a namespace still
    // deleting hundreds of pods would slow the next point's pods down.
    g.drop([ctxH.id.ns, ctxK.id.ns], { wait: true });
  }
  return rows.map((r) => ({
    ...r,
    hac: { ...r.hac, out: r.hac.code === 0 ? undefined : r.hac.out.slice(-1500) },
  }));
}

/** Names an app's identity may touch: its own objects, pods and Lease. */
const ownName = (app, name) => name.startsWith(`${app}-`) || name === app || name === `hac-${app}`;

async function concurrent(g) {
  const ns = `${g.prefix}-apps`;
  const apps = Array.from({ length: APPS }, (_, i) => `app-${String(i + 1).padStart(2, '0')}`);
  const ctxs = [];
  for (const app of apps) ctxs.push(await g.context('apps', { sa: app }));
  const manifests = apps.map((app) => writeManifest(g, app, 4));
  const base = await Promise.all(
    apps.map((app, i) => hacStep(g, ctxs[i], { manifests: manifests[i], 'run-id': `${app}-base` })),
  );
  if (base.some((b) => b.code !== 0)) throw new Error('a baseline of the concurrent apps failed');
  const mark = auditMark(g.audit);
  const start = Date.now();
  const t0 = performance.now();
  const runs = await Promise.all(
    apps.map((app, i) =>
      hacStep(g, ctxs[i], {
        manifests: manifests[i],
        images: img(app, 'v2'),
        steps: '25,100',
        'run-id': `${app}-v2`,
      }),
    ),
  );
  const wallMs = performance.now() - t0;
  const end = Date.now();
  await auditCount(
    g.audit,
    mark,
    ctxs.map((c) => c.id.user),
  ); // let the log settle
  const audit = auditByUser(g.audit, mark);
  const perApp = [];
  for (const [i, app] of apps.entries()) {
    const state = await endState(g.kc, ns, img(app, 'v2'), 4, app);
    const lease = JSON.parse(g.kc(['-n', ns, 'get', 'lease', `hac-${app}`, '-o', 'json']));
    const mine = audit.events.filter((e) => e.user?.username === ctxs[i].id.user);
    const foreign = mine.filter((e) => e.objectRef?.name && !ownName(app, e.objectRef.name));
    perApp.push({
      app,
      code: runs[i].code,
      wallMs: runs[i].wallMs,
      correct: state.correct,
      requests: mine.length,
      lease: {
        name: lease.metadata.name,
        holder: lease.spec.holderIdentity ?? '',
        transitions: lease.spec.leaseTransitions ?? 0,
      },
      foreign: foreign.map((e) => `${e.verb} ${e.objectRef.resource}/${e.objectRef.name}`),
    });
  }
  const within = (e) => {
    const t = Date.parse(e.requestReceivedTimestamp);
    return t >= start && t <= end;
  };
  const windowEvents = audit.events.filter(within);
  return {
    apps: APPS,
    wallMs,
    totalRequests: windowEvents.length,
    hacRequests: perApp.reduce((s, a) => s + a.requests, 0),
    perApp,
  };
}

async function setup(repoRoot, distDir) {
  const env = sandboxEnv(repoRoot);
  const { kc, kcAsync } = kubectlFor(env);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bench-growth-'));
  const prefix = `bg-${Date.now().toString(36)}`;
  const made = new Set();
  const g = { env, kc, work, prefix, audit: env.HAC_K8S_AUDIT_LOG, made };
  g.bundle = await snapshotBundle(distDir, 'k8s-canary', work);
  g.context = async (label, { sa } = {}) => {
    const ns = `${prefix}-${label}`;
    made.add(ns);
    const id = await freshIdentity({ kc, repoRoot, ns, dir: work, ...(sa ? { sa } : {}) });
    return { id, kcAs: (args, input) => kcAsync(args, input, id.kubeconfig) };
  };
  g.drop = (nss, { wait = false } = {}) => {
    dropNamespaces(kc, nss);
    nss.forEach((n) => made.delete(n));
    if (wait) kc(['wait', '--for=delete', '--timeout=600s', ...nss.map((n) => `namespace/${n}`)]);
  };
  return g;
}

export async function run({ repoRoot, distDir = path.join(repoRoot, 'dist') }) {
  const g = await setup(repoRoot, distDir);
  g.kc(
    ['apply', '-f', '-'],
    benchNodes()
      .map((n) => JSON.stringify(n))
      .join('\n---\n'),
  );
  g.kc(['wait', '--for=condition=Ready', '--timeout=60s', ...NODES.map((n) => `node/${n}`)]);
  try {
    const byReplicas = await series(
      g,
      'r',
      REPLICAS.map((replicas) => ({ replicas, steps: stepList(2) })),
    );
    const bySteps = await series(
      g,
      's',
      STEPS.map((n) => ({ replicas: 4, steps: stepList(n) })),
    );
    console.error(`bench: growth ${APPS} apps at once`);
    const apps = await concurrent(g);
    const data = { byReplicas, bySteps, concurrent: apps };
    const svg = growthSvg(data);
    fs.writeFileSync(path.join(repoRoot, 'docs', 'bench-growth.svg'), svg);
    const markdown = [growthMarkdown(data), '', concurrencyMarkdown(apps)].join('\n');
    return { title: 'Growth: replicas, steps and 20 apps at once', markdown, data };
  } finally {
    g.drop([...g.made]);
    g.kc(['delete', 'node', ...NODES, '--wait=false', '--ignore-not-found']);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
  const r = await run({ repoRoot });
  console.log(r.markdown);
}
