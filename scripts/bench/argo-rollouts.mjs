// Benchmark: the same 4-replica canary 25 → 100 through hac (k8s-canary main + post) and through
// Argo Rollouts v1.10.2's controller, run out of cluster against the sandbox (`--namespaced`), in
// interleaved rounds. Time from the new image to promoted, and API requests per identity (audit
// log). The controller is built for the bench only (scripts/bench/build-argo-rollouts.sh, cached
// under ~/.cache/hac); without it the column is left out with a note.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { median, sandboxEnv } from './lib.mjs';
import { argoMarkdown } from './peer/argo-report.mjs';
import { endState } from './peer/checks.mjs';
import {
  auditByUser,
  auditCount,
  auditMark,
  dropNamespaces,
  freshIdentity,
  kubectlFor,
  sleep,
} from './peer/cluster.mjs';
import { appManifest, service, toYaml } from './peer/manifests.mjs';
import { runAction, snapshotBundle } from './peer/runner.mjs';

const ROUNDS = Number(process.env.HAC_BENCH_ARGO_ROUNDS ?? 3);
const VERSION = process.env.HAC_ARGO_ROLLOUTS_VERSION ?? 'v1.10.2';
const CACHE = process.env.HAC_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'hac');
const BIN = path.join(CACHE, 'bin', 'rollouts-controller');
const CRDS = path.join(CACHE, 'bench', `argo-rollouts-${VERSION}`, 'manifests', 'crds');
const IDLE_MS = 15_000;
const img = (v) => `registry.example/argo-web:${v}`;

export function rolloutManifest(image) {
  const labels = { app: 'web' };
  const rollout = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web' },
    spec: {
      replicas: 4,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] },
      },
      strategy: { canary: { steps: [{ setWeight: 25 }, { setWeight: 100 }] } },
    },
  };
  return toYaml([rollout, service('web', labels)]);
}

const controllerRules = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }];
const clusterRules = [
  { apiGroups: ['argoproj.io'], resources: ['clusteranalysistemplates'], verbs: ['get', 'list', 'watch'] },
];
const patcherRules = [{ apiGroups: ['argoproj.io'], resources: ['rollouts'], verbs: ['get', 'patch'] }];

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startController(a, ns, kubeconfig) {
  const [hz, metrics] = [await freePort(), await freePort()];
  const args = ['--kubeconfig', kubeconfig, '--namespaced', '--namespace', ns, '--leader-elect=false'];
  args.push('--healthzPort', String(hz), '--metricsPort', String(metrics));
  const log = fs.openSync(path.join(a.work, 'controller.log'), 'w');
  // POD_NAMESPACE: where the controller looks for its argo-rollouts-config ConfigMap (none: defaults)
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, POD_NAMESPACE: ns };
  const child = spawn(BIN, args, { stdio: ['ignore', log, log], env });
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${hz}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return child;
    await sleep(200);
  }
  child.kill();
  throw new Error(`rollouts-controller did not answer /healthz; see ${path.join(a.work, 'controller.log')}`);
}

/** Resolves when the Rollout is Healthy on a new pod hash with all replicas updated and available. */
function watchPromoted(a, ns, minGen = 0) {
  const tpl =
    '{.metadata.generation} {.status.observedGeneration} {.status.phase} {.status.currentPodHash} {.status.stableRS} {.status.updatedReplicas} {.status.availableReplicas}{"\\n"}';
  const c = spawn(a.kubectlBin, [
    '--kubeconfig',
    a.env.KUBECONFIG,
    '-n',
    ns,
    'get',
    'rollout',
    'web',
    '-w',
    '-o',
    `jsonpath=${tpl}`,
  ]);
  let buf = '';
  let first;
  let armed = false;
  const listed = new Promise((r) => (first = r));
  const done = new Promise((resolve) => {
    c.stdout.on('data', (d) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const line of lines) {
        first();
        const [gen, obs, phase, hash, stable, upd, avail] = line.trim().split(' ');
        if (
          armed &&
          Number(gen) > minGen &&
          gen === obs &&
          phase === 'Healthy' &&
          hash === stable &&
          upd === '4' &&
          avail === '4'
        ) {
          c.kill();
          resolve(performance.now());
        }
      }
    });
  });
  return listed.then(() => ({ arm: () => (armed = true), done, stop: () => c.kill() }));
}

async function argoRound(a, i) {
  const gen = Number(a.kc(['-n', a.ns, 'get', 'rollout', 'web', '-o', 'jsonpath={.metadata.generation}']));
  const watch = await watchPromoted(a, a.ns, gen);
  const mark = auditMark(a.audit);
  const t0 = performance.now();
  watch.arm();
  const patch = JSON.stringify({
    spec: { template: { spec: { containers: [{ name: 'web', image: img(`v${i + 2}`) }] } } },
  });
  await a.kcAsync(
    ['-n', a.ns, 'patch', 'rollout', 'web', '--type', 'merge', '-p', patch],
    undefined,
    a.patcher.kubeconfig,
  );
  const tPatched = performance.now();
  const tDone = await Promise.race([watch.done, sleep(120_000).then(() => undefined)]);
  watch.stop();
  if (tDone === undefined) throw new Error('the Rollout did not become Healthy within 120 s');
  const state = await endState(a.kc, a.ns, img(`v${i + 2}`), 4);
  const c = await auditCount(a.audit, mark, [a.controller.user]);
  const p = await auditCount(a.audit, mark, [a.patcher.user]);
  return {
    wallMs: tDone - t0,
    patchMs: tPatched - t0,
    controllerRequests: c.n,
    patcherRequests: p.n,
    verbs: c.verbs,
    ...state,
  };
}

async function hacRound(a, i) {
  const ctx = await a.context(`h${i}`);
  const manifests = path.join(a.work, `hac-${i}.yaml`);
  fs.writeFileSync(manifests, appManifest({ img: img('v1'), replicas: 4 }));
  const step = (inputs) =>
    runAction({
      main: a.bundle.main,
      post: a.bundle.post,
      workDir: a.work,
      inputs: { namespace: ctx.id.ns, manifests, 'gate-wait': '0s', pause: '0', ...inputs },
      extraEnv: { KUBECONFIG: ctx.id.kubeconfig },
    });
  const b = await step({ 'run-id': 'base' });
  if (b.code !== 0) throw new Error(`hac baseline failed:\n${b.out.slice(-1500)}`);
  const mark = auditMark(a.audit);
  const r = await step({ images: img('v2'), steps: '25,100', 'run-id': 'v2' });
  const state = await endState(a.kc, ctx.id.ns, img('v2'), 4);
  const req = await auditCount(a.audit, mark, [ctx.id.user]);
  return {
    code: r.code,
    wallMs: r.wallMs,
    mainMs: r.mainMs,
    postMs: r.postMs,
    requests: req.n,
    verbs: req.verbs,
    ...state,
  };
}

/** What the controller costs while nothing happens: requests, CPU and memory over IDLE_MS. */
async function idleCost(a, pid) {
  const cpu = () => {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * (1000 / 100); // utime + stime, clock ticks → ms
  };
  const mark = auditMark(a.audit);
  const c0 = cpu();
  await sleep(IDLE_MS);
  const cpuMs = cpu() - c0;
  const rss = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  const n = auditByUser(a.audit, mark).byUser[a.controller.user]?.n ?? 0;
  return {
    windowMs: IDLE_MS,
    requests: n,
    perMinute: (n * 60_000) / IDLE_MS,
    cpuMs,
    rssMiB: Number(rss) / 1024,
  };
}

async function setup(repoRoot, distDir) {
  const env = sandboxEnv(repoRoot);
  const { bin, kc, kcAsync } = kubectlFor(env);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bench-argo-'));
  const stamp = Date.now().toString(36);
  const a = { env, kc, kcAsync, kubectlBin: bin, work, audit: env.HAC_K8S_AUDIT_LOG, namespaces: [] };
  a.bundle = await snapshotBundle(distDir, 'k8s-canary', work);
  a.context = async (label, opts = {}) => {
    const ns = `ba-${stamp}-${label}`;
    if (!a.namespaces.includes(ns)) a.namespaces.push(ns);
    return { id: await freshIdentity({ kc, repoRoot, ns, dir: work, ...opts }) };
  };
  const crds = fs.readdirSync(CRDS).filter((f) => f.endsWith('-crd.yaml'));
  kc([
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=hac-bench',
    ...crds.flatMap((f) => ['-f', path.join(CRDS, f)]),
  ]);
  for (let i = 0; ; i++) {
    // right after create the CRD has no conditions yet, which kubectl wait and jsonpath filters reject
    const crd = JSON.parse(kc(['get', 'crd/rollouts.argoproj.io', '-o', 'json']));
    const established = (crd.status?.conditions ?? []).find((c) => c.type === 'Established');
    if (established?.status === 'True') break;
    if (i > 100) throw new Error('crd/rollouts.argoproj.io is not Established after 20 s');
    await sleep(200);
  }
  a.ns = `ba-${stamp}-argo`;
  a.controller = (
    await a.context('argo', { sa: 'rollouts-controller', rules: controllerRules, clusterRules })
  ).id;
  a.patcher = (await a.context('argo', { sa: 'deployer', rules: patcherRules })).id;
  return a;
}

export async function run({ repoRoot, distDir = path.join(repoRoot, 'dist') }) {
  if (!fs.existsSync(BIN) || !fs.existsSync(CRDS)) {
    const note = `**Argo Rollouts column left out:** \`${BIN}\` or its CRDs are absent. Build them for the bench with \`nice -n 19 scripts/bench/build-argo-rollouts.sh\` (about 6 minutes on 2 busy cores; never in CI or tests).`;
    return { title: 'Peers: Argo Rollouts (controller) and hac', markdown: note, data: { absent: true } };
  }
  const a = await setup(repoRoot, distDir);
  let controller;
  try {
    controller = await startController(a, a.ns, a.controller.kubeconfig);
    a.kc(['-n', a.ns, 'apply', '-f', '-'], rolloutManifest(img('v1')));
    const w = await watchPromoted(a, a.ns);
    w.arm();
    await Promise.race([w.done, sleep(60_000)]);
    w.stop();
    const idle = await idleCost(a, controller.pid);
    const argo = [];
    const hacRuns = [];
    for (let i = 0; i < ROUNDS; i++) {
      console.error(`bench: argo-rollouts round ${i + 1}/${ROUNDS}`);
      if (i % 2) hacRuns.push(await hacRound(a, i));
      argo.push(await argoRound(a, i));
      if (!(i % 2)) hacRuns.push(await hacRound(a, i));
    }
    const m = (xs, k) => median(xs.map((x) => x[k]));
    const data = {
      version: VERSION,
      rounds: ROUNDS,
      argo: {
        wallMs: m(argo, 'wallMs'),
        patchMs: m(argo, 'patchMs'),
        controllerRequests: m(argo, 'controllerRequests'),
        patcherRequests: m(argo, 'patcherRequests'),
        correct: argo.every((x) => x.correct),
        atReturn: argo.every((x) => x.atReturn),
        verbs: argo.at(-1).verbs,
      },
      hac: {
        wallMs: m(hacRuns, 'wallMs'),
        mainMs: m(hacRuns, 'mainMs'),
        postMs: m(hacRuns, 'postMs'),
        requests: m(hacRuns, 'requests'),
        correct: hacRuns.every((x) => x.correct && x.code === 0),
        verbs: hacRuns.at(-1).verbs,
      },
      idle,
      runs: { argo, hac: hacRuns },
    };
    return { title: 'Peers: Argo Rollouts (controller) and hac', markdown: argoMarkdown(data), data };
  } finally {
    controller?.kill();
    dropNamespaces(a.kc, a.namespaces);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
  const r = await run({ repoRoot });
  console.log(r.markdown);
}
