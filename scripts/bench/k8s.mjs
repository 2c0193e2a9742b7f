// Benchmark: a blue-green deploy with hac's k8s-bluegreen bundle beside a plain kubectl script
// doing the same core work in the same run (apply the idle color and preview Service, rollout
// status, patch the Service selector, scale the old color to 0), plus the rollback time from a
// failed post-switch gate to the restored selector. API requests are counted from the apiserver
// audit log (HAC_K8S_AUDIT_LOG) by user agent and namespace; wall times exclude the time the pods
// take to become ready (hac's "wait for" step, kubectl's rollout status).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { actionBundle, auditRequests, median, sandboxEnv } from './lib.mjs';

const RUNS = Number(process.env.HAC_BENCH_K8S_RUNS ?? 3);

function manifest(app, image, color) {
  const labels = color ? { app, color } : { app };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: color ? `${app}-${color}` : app },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: color ? `${app}-preview` : app },
      spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
    },
  ]
    .map((o) => JSON.stringify(o))
    .join('\n---\n');
}

/** Parses the timeline table of a job summary: step → duration in ms. */
function stepDurations(summary) {
  const out = {};
  for (const line of summary.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 6 || !cells[1]?.startsWith('+')) continue;
    const took = cells[4];
    const m = /^(?:(\d+)m)?(?:([\d.]+)s)?$|^(\d+)ms$/.exec(took);
    if (!m) continue;
    out[cells[2]] = m[3] !== undefined ? Number(m[3]) : (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 1000;
  }
  return out;
}

export async function run({ repoRoot, distDir } = {}) {
  const env = sandboxEnv(repoRoot);
  const kubectlBin = env.HAC_KUBECTL || 'kubectl';
  const audit = env.HAC_K8S_AUDIT_LOG;
  const kc = (args, input) => {
    const r = spawnSync(kubectlBin, ['--kubeconfig', env.KUBECONFIG, ...args], { encoding: 'utf8', input });
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const main = await actionBundle(repoRoot, 'k8s-bluegreen', distDir);
  const node = process.execPath;
  const ns = `hac-bench-${Date.now().toString(36)}`;
  kc(['create', 'namespace', ns]);
  for (
    let i = 0;
    i < 60 &&
    spawnSync(kubectlBin, ['--kubeconfig', env.KUBECONFIG, '-n', ns, 'get', 'sa', 'default']).status !== 0;
    i++
  )
    spawnSync('sleep', ['0.5']);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bench-k8s-'));
  const file = path.join(work, 'app.yaml');
  fs.writeFileSync(file, manifest('bench', 'registry.example/web:1'));

  const hac = (inputs) => {
    const runner = fs.mkdtempSync(path.join(work, 'runner-'));
    const envv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KUBECONFIG: env.KUBECONFIG,
      RUNNER_TEMP: runner,
    };
    for (const f of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY'])
      fs.writeFileSync((envv[f] = path.join(runner, f)), '');
    // The manifests are in a temporary directory, outside the workspace.
    const all = {
      namespace: ns,
      manifests: file,
      'gate-wait': '0s',
      'allow-paths-outside-workspace': 'true',
    };
    for (const [k, v] of Object.entries({ ...all, ...inputs })) envv[`INPUT_${k.toUpperCase()}`] = v;
    const offset = fs.statSync(audit).size;
    const t0 = performance.now();
    const r = spawnSync(node, [main], { env: envv, encoding: 'utf8' });
    const wallMs = performance.now() - t0;
    const summary = fs.readFileSync(envv.GITHUB_STEP_SUMMARY, 'utf8');
    spawnSync('sleep', ['0.3']); // let the audit log flush
    return {
      status: r.status,
      out: r.stdout,
      wallMs,
      steps: stepDurations(summary),
      requests: auditRequests(audit, offset, 'hac/k8s-bluegreen', ns),
    };
  };

  try {
    // Baselines: blue live for both.
    const first = hac({});
    if (first.status !== 0) throw new Error(`baseline deploy failed:\n${first.out}`);
    kc(['-n', ns, 'apply', '-f', '-'], manifest('plain', 'registry.example/web:1', 'blue'));
    kc(['-n', ns, 'rollout', 'status', 'deployment/plain-blue', '--timeout=60s']);
    kc(
      ['-n', ns, 'apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'plain' },
        spec: { selector: { app: 'plain', color: 'blue' }, ports: [{ port: 80, targetPort: 8080 }] },
      }),
    );

    const hacRuns = [];
    const kubectlRuns = [];
    let color = 'blue';
    for (let i = 0; i < RUNS; i++) {
      const r = hac({ images: `registry.example/web:${i + 2}` });
      if (r.status !== 0) throw new Error(`hac deploy failed:\n${r.out}`);
      const waitMs = Object.entries(r.steps).find(([k]) => k.startsWith('wait for'))?.[1] ?? 0;
      hacRuns.push({
        wallMs: r.wallMs,
        waitMs,
        orchestrationMs: r.wallMs - waitMs,
        requests: r.requests.n,
        verbs: r.requests.verbs,
      });

      // The same core work with kubectl.
      const next = color === 'blue' ? 'green' : 'blue';
      const offset = fs.statSync(audit).size;
      const t0 = performance.now();
      kc(['-n', ns, 'apply', '-f', '-'], manifest('plain', `registry.example/web:${i + 2}`, next));
      const tw = performance.now();
      kc(['-n', ns, 'rollout', 'status', `deployment/plain-${next}`, '--timeout=60s']);
      const kWaitMs = performance.now() - tw;
      kc([
        '-n',
        ns,
        'patch',
        'service',
        'plain',
        '--type',
        'merge',
        '-p',
        JSON.stringify({ spec: { selector: { app: 'plain', color: next } } }),
      ]);
      kc(['-n', ns, 'scale', `deployment/plain-${color}`, '--replicas=0']);
      const wallMs = performance.now() - t0;
      spawnSync('sleep', ['0.3']);
      const req = auditRequests(audit, offset, 'kubectl', ns);
      kubectlRuns.push({
        wallMs,
        waitMs: kWaitMs,
        orchestrationMs: wallMs - kWaitMs,
        requests: req.n,
        verbs: req.verbs,
      });
      color = next;
    }

    // Rollback: a failing post-switch gate; time of the rollback step (selector restored, new color removed).
    // The live URL refuses connections (nothing listens on port 1): the gate fails at once. (An
    // in-process server could not answer while spawnSync blocks this process.)
    const url = 'http://127.0.0.1:1/';
    const rollbacks = [];
    for (let i = 0; i < RUNS; i++) {
      const r = hac({ images: `registry.example/web:9${i}`, 'live-urls': url });
      rollbacks.push({
        rollbackMs: r.steps.rollback,
        gateMs: r.steps['post-switch gate'],
        requests: r.requests.n,
      });
    }

    const h = {
      wallMs: median(hacRuns.map((r) => r.wallMs)),
      orchestrationMs: median(hacRuns.map((r) => r.orchestrationMs)),
      requests: median(hacRuns.map((r) => r.requests)),
    };
    const k = {
      wallMs: median(kubectlRuns.map((r) => r.wallMs)),
      orchestrationMs: median(kubectlRuns.map((r) => r.orchestrationMs)),
      requests: median(kubectlRuns.map((r) => r.requests)),
    };
    const rb = median(rollbacks.map((r) => r.rollbackMs));
    const ratio = h.orchestrationMs / k.orchestrationMs;
    const data = { runs: RUNS, hac: h, kubectl: k, ratio, rollbackMs: rb, hacRuns, kubectlRuns, rollbacks };
    const f = (ms) => `${Math.round(ms)} ms`;
    const markdown = [
      `Blue-green deploy of 2 replicas in the sandbox (kwok), median of ${RUNS} runs, hac and kubectl interleaved in one run.`,
      '',
      '| | API requests | wall time | orchestration (excl. pod readiness) |',
      '| --- | --- | --- | --- |',
      `| hac k8s-bluegreen (bundle, incl. node start, preflight, dry run, lease, gates) | ${h.requests} | ${f(h.wallMs)} | ${f(h.orchestrationMs)} |`,
      `| kubectl script (apply, rollout status, patch, scale) | ${k.requests} | ${f(k.wallMs)} | ${f(k.orchestrationMs)} |`,
      '',
      `Orchestration ratio hac / kubectl: **${ratio.toFixed(2)}×** (target ≤ 0.5×). Requests: **${h.requests}** (target ≤ 20).`,
      `Rollback from a failed post-switch gate to the restored selector and removed new color: **${f(rb)}** (target ≤ 1 s).`,
      '',
      `hac requests by verb (last run): ${Object.entries(hacRuns.at(-1).verbs)
        .map(([k2, v]) => `${k2} ×${v}`)
        .join(', ')}.`,
    ].join('\n');
    return { title: 'Kubernetes blue-green', markdown, data };
  } finally {
    spawnSync(kubectlBin, ['--kubeconfig', env.KUBECONFIG, 'delete', 'namespace', ns, '--wait=false']);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
  const r = await run({ repoRoot, distDir: process.argv[2] });
  console.log(r.markdown);
  console.log(JSON.stringify(r.data, null, 2));
}
