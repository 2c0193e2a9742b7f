// Benchmark: hac beside Azure/k8s-deploy v7.0.0 and a plain kubectl script, for blue-green
// (service route) and a canary at 25% then promote. Each run gets a fresh namespace and its own
// ServiceAccount bound to the sandbox deployer's Role, so its requests are counted from the audit
// log (HAC_K8S_AUDIT_LOG) by user; rounds are interleaved (the tool order rotates) and the figures
// are medians. hac runs main + post as the runner does. Also: the end state checked with kubectl,
// the live Service's ready endpoints when the new pods never become Ready, and the targets.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { entries } from '../entries.mjs';
import { coldStart, median, sandboxEnv } from './lib.mjs';
import { endState } from './peer/checks.mjs';
import {
  apiRoundTrip,
  auditCount,
  auditMark,
  dropNamespaces,
  freshIdentity,
  kubectlFor,
  sleep,
} from './peer/cluster.mjs';
import { watchReadyEndpoints } from './peer/endpoints.mjs';
import { watchRollout } from './peer/rollout-watch.mjs';
import { image } from './peer/manifests.mjs';
import { peersMarkdown } from './peer/report.mjs';
import { targetRows } from './peer/targets.mjs';
import { snapshotBundle, timedNode } from './peer/runner.mjs';
import { REPLICAS, findK8sDeploy, hac, k8sDeploy, kubectl } from './peer/tools.mjs';

const ROUNDS = Number(process.env.HAC_BENCH_PEER_ROUNDS ?? 3);
const SCENARIOS = ['blue-green', 'canary'];

const tailOf = (s) => s.split('\n').slice(-15).join('\n');

async function measure(base, tool, scenario, label) {
  const ctx = await base.context(label);
  const b = await tool.baseline(ctx, scenario);
  if (b.code !== 0) return { tool: tool.name, scenario, error: `baseline failed:\n${tailOf(b.out)}` };
  // canary: when the stable Deployment is rolled out on v2, against when the promote returned
  const watch =
    scenario === 'canary'
      ? await watchRollout({
          kubectl: base.kubectlBin,
          kubeconfig: base.env.KUBECONFIG,
          ns: ctx.id.ns,
          name: 'web',
          image: image('v2'),
          replicas: REPLICAS,
        })
      : undefined;
  const mark = auditMark(base.audit);
  const r = await tool.release(ctx, scenario);
  const returnedAt = performance.now();
  if (r.postState && r.code === 0) (base.postStates ??= {})[scenario] = r.postState;
  const state = await endState(base.kc, ctx.id.ns, image('v2'), REPLICAS);
  const doneAt = await watch?.doneBy(30_000);
  if (watch) state.rolloutLagMs = doneAt === undefined ? Infinity : doneAt - returnedAt;
  const req = await auditCount(base.audit, mark, [ctx.id.user]);
  return {
    tool: tool.name,
    scenario,
    ...(r.code !== 0 ? { error: `exit ${r.code}:\n${tailOf(r.out)}` } : {}),
    wallMs: r.wallMs,
    mainMs: r.mainMs,
    postMs: r.postMs,
    waitMs: r.waitMs,
    apiRequests: r.apiRequests,
    requests: req.n,
    verbs: req.verbs,
    ...state,
  };
}

/** A release whose new pods never become Ready, with the live Service's EndpointSlices watched. */
async function failure(base, tool, scenario, label) {
  const ctx = await base.context(label);
  const b = await tool.baseline(ctx, scenario);
  if (b.code !== 0) return { tool: tool.name, scenario, error: `baseline failed:\n${tailOf(b.out)}` };
  const watch = await watchReadyEndpoints({
    kubectl: base.kubectlBin,
    kubeconfig: base.env.KUBECONFIG,
    ns: ctx.id.ns,
    service: 'web',
  });
  const r = await tool.release(ctx, scenario, { fail: true });
  await sleep(1000); // what the Service is left with
  const w = watch.stop();
  return { tool: tool.name, scenario, code: r.code, wallMs: r.wallMs, ...w };
}

function medians(runs, tool, scenario) {
  const xs = runs.filter((r) => r.tool === tool && r.scenario === scenario && !r.error);
  if (!xs.length) return undefined;
  const m = (k) => median(xs.map((r) => r[k] ?? 0));
  const apiReq = xs.map((r) => r.apiRequests).filter((v) => v !== undefined);
  return {
    n: xs.length,
    wallMs: m('wallMs'),
    mainMs: m('mainMs'),
    postMs: m('postMs'),
    waitMs: m('waitMs'),
    requests: m('requests'),
    apiRequests: apiReq.length ? median(apiReq) : undefined,
    correct: xs.every((r) => r.correct),
    atReturn: xs.every((r) => r.atReturn),
    settleMs: m('settleMs'),
    rolloutLagMs: xs.some((r) => r.rolloutLagMs !== undefined)
      ? Math.max(...xs.map((r) => r.rolloutLagMs ?? -Infinity))
      : undefined,
    verbs: xs.at(-1).verbs,
  };
}

/**
 * hac's post steps with nothing to restore (main finished), run again with the state main left
 * them, interleaved with `node -e 0` on a quiet cluster: { ms, nodeMs, ratio, runs, scenarios }.
 */
function idlePosts(postStates = {}) {
  const each = Object.entries(postStates).map(([scenario, { post, env }]) => ({
    scenario,
    ...coldStart(post, { runs: 15, env }),
  }));
  if (!each.length) return undefined;
  const worst = each.sort((a, b) => b.ratio - a.ratio)[0];
  return { ms: worst.bundleMs, nodeMs: worst.nodeMs, ratio: worst.ratio, runs: worst.runs, scenarios: each };
}

function coldStarts(distDir) {
  const out = {};
  for (const { name, out: rel } of entries()) {
    const bundle = path.join(distDir, rel);
    if (!rel.endsWith('index.js') || !fs.existsSync(bundle)) continue;
    out[name] = coldStart(bundle, {
      runs: 7,
      env: name === 'hac' ? { INPUT_ACTION: 'no-such-action' } : {},
    }).ratio;
  }
  return out;
}

async function setup(repoRoot, distDir) {
  const env = sandboxEnv(repoRoot);
  const { bin, kc, kcAsync } = kubectlFor(env);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bench-peers-'));
  const stamp = Date.now().toString(36);
  const namespaces = [];
  const base = {
    env,
    kc,
    kubectlBin: bin,
    audit: env.HAC_K8S_AUDIT_LOG,
    namespaces,
    bundles: {
      bluegreen: await snapshotBundle(distDir, 'k8s-bluegreen', work),
      canary: await snapshotBundle(distDir, 'k8s-canary', work),
    },
    k8sDeployDir: findK8sDeploy(repoRoot),
  };
  base.context = async (label) => {
    const ns = `bp-${stamp}-${label}`;
    namespaces.push(ns);
    const id = await freshIdentity({ kc, repoRoot, ns, dir: work });
    return { ...base, id, work, kcAs: (args, input) => kcAsync(args, input, id.kubeconfig) };
  };
  return base;
}

export async function run({ repoRoot, distDir = path.join(repoRoot, 'dist') }) {
  const base = await setup(repoRoot, distDir);
  const tools = [hac, kubectl, ...(base.k8sDeployDir ? [k8sDeploy] : [])];
  const key = { hac: 'hac', 'kubectl script': 'kubectl', 'Azure/k8s-deploy': 'k8sDeploy' };
  const short = { hac: 'h', 'kubectl script': 'c', 'Azure/k8s-deploy': 'a' }; // namespace labels
  try {
    const runs = [];
    const nodeMs = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < 5; k++) nodeMs.push((await timedNode(['-e', '0'], { PATH: process.env.PATH })).ms);
      for (const scenario of SCENARIOS)
        for (let i = 0; i < tools.length; i++) {
          const t = tools[(i + r) % tools.length];
          console.error(`bench: peers round ${r + 1}/${ROUNDS} ${scenario} ${t.name}`);
          const res = await measure(base, t, scenario, `${r}${scenario[0]}${short[t.name]}`);
          if (res.error) console.error(`bench: peers ${t.name} ${scenario}: ${res.error}`);
          runs.push(res);
        }
    }
    const failures = [];
    for (const scenario of SCENARIOS)
      for (const tool of tools)
        failures.push(await failure(base, tool, scenario, `f${scenario[0]}${short[tool.name]}`));
    const rttCtx = await base.context('rtt');
    const m = { bg: {}, canary: {} };
    for (const tool of tools) {
      m.bg[key[tool.name]] = medians(runs, tool.name, 'blue-green');
      m.canary[key[tool.name]] = medians(runs, tool.name, 'canary');
    }
    Object.assign(m, {
      rttMs: await apiRoundTrip(rttCtx.id.kubeconfig),
      nodeMs: median(nodeMs),
      readyMs: m.bg.kubectl?.waitMs ?? 0,
      canaryReadyMs: m.canary.kubectl?.waitMs ?? 0,
      post: idlePosts(base.postStates),
      cold: coldStarts(distDir),
    });
    const targets = targetRows(m);
    const data = {
      rounds: ROUNDS,
      replicas: REPLICAS,
      medians: m,
      targets,
      failures,
      runs,
      k8sDeploy: base.k8sDeployDir ?? null,
    };
    return { title: 'Peers: Azure/k8s-deploy, kubectl and hac', markdown: peersMarkdown(data), data };
  } finally {
    dropNamespaces(base.kc, base.namespaces);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
  const r = await run({ repoRoot });
  console.log(r.markdown);
}
