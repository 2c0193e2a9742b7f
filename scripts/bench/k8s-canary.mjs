// Benchmark: a 4-step canary (25,50,75,100, zero pauses, no gates) with hac's k8s-canary bundle,
// beside a plain kubectl script doing the same core work in the same run (apply the canary, wait,
// scale stable per step, promote by updating stable's image and waiting, delete the canary).
// API requests are counted from the apiserver's audit log (HAC_K8S_AUDIT_LOG) by user agent.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { actionBundle, auditRequests, sandboxEnv } from './lib.mjs';

function auditSize(file) {
  return fs.statSync(file).size;
}

export async function run({ repoRoot }) {
  const env = sandboxEnv(repoRoot);
  const kubectlBin = env.HAC_KUBECTL || 'kubectl';
  const kc = (args, input) => {
    const r = spawnSync(kubectlBin, ['--kubeconfig', env.KUBECONFIG, ...args], { encoding: 'utf8', input });
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const imageRepo = env.HAC_BASE_IMAGE.replace(/:.*$/, '');
  const stable = (ns) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${ns}}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, version: v1}}
    spec: {containers: [{name: web, image: "${imageRepo}:v1"}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${ns}}
spec: {selector: {app: web}, ports: [{port: 80}]}
`;
  const setup = (ns) => {
    kc(['create', 'namespace', ns]);
    kc(['apply', '-f', '-'], stable(ns));
    kc(['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bench-canary-m-'));
  const manifest = path.join(dir, 'web.yaml');
  fs.writeFileSync(
    manifest,
    stable('x')
      .replace(/namespace: x/g, '')
      .replace('version: v1', 'version: v2'),
  );
  const bin = await actionBundle(repoRoot, 'k8s-canary');
  const stamp = Date.now().toString(36);

  // hac
  const nsHac = `bench-canary-hac-${stamp}`;
  setup(nsHac);
  let off = auditSize(env.HAC_K8S_AUDIT_LOG);
  let t0 = performance.now();
  const r = spawnSync(process.execPath, [bin], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KUBECONFIG: env.KUBECONFIG,
      INPUT_NAMESPACE: nsHac,
      INPUT_MANIFESTS: manifest,
      INPUT_IMAGES: `${imageRepo}:v2`,
      INPUT_STEPS: '25,50,75,100',
      INPUT_PAUSE: '0',
      INPUT_TIMEOUT: '120s',
      'INPUT_RUN-ID': `bench-${stamp}`,
      // The manifest is in a temporary directory, outside the workspace.
      'INPUT_ALLOW-PATHS-OUTSIDE-WORKSPACE': 'true',
    },
  });
  const hacMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`hac k8s-canary exited ${r.status}:\n${r.stdout.slice(-2000)}`);
  await new Promise((res) => setTimeout(res, 1500)); // the audit log is written asynchronously
  const hacRequests = auditRequests(env.HAC_K8S_AUDIT_LOG, off, 'hac', nsHac).n;
  const hacImage = kc([
    '-n',
    nsHac,
    'get',
    'deployment/web',
    '-o',
    'jsonpath={.spec.template.spec.containers[0].image}',
  ]);

  // kubectl script: the same core work
  const nsK = `bench-canary-kubectl-${stamp}`;
  setup(nsK);
  const canary = stable(nsK)
    .split('---')[0]
    .replace('name: web,', 'name: web-canary,')
    .replace('{matchLabels: {app: web}}', '{matchLabels: {app: web, track: canary}}')
    .replace('{labels: {app: web, version: v1}}', '{labels: {app: web, version: v2, track: canary}}')
    .replace(':v1"', ':v2"');
  off = auditSize(env.HAC_K8S_AUDIT_LOG);
  t0 = performance.now();
  const plan = [
    [3, 1],
    [2, 2],
    [1, 3],
    [1, 4],
  ];
  kc(['apply', '-f', '-'], canary.replace('replicas: 4', 'replicas: 1'));
  for (const [s, c] of plan) {
    kc(['-n', nsK, 'scale', 'deployment/web-canary', `--replicas=${c}`]);
    kc(['-n', nsK, 'rollout', 'status', 'deployment/web-canary', '--timeout=60s']);
    kc(['-n', nsK, 'scale', 'deployment/web', `--replicas=${s}`]);
    kc(['-n', nsK, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
  }
  kc(['-n', nsK, 'set', 'image', 'deployment/web', `web=${imageRepo}:v2`]);
  kc(['-n', nsK, 'scale', 'deployment/web', '--replicas=4']);
  kc(['-n', nsK, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
  kc(['-n', nsK, 'delete', 'deployment/web-canary']);
  const kMs = performance.now() - t0;
  await new Promise((res) => setTimeout(res, 1500));
  const kRequests = auditRequests(env.HAC_K8S_AUDIT_LOG, off, 'kubectl', nsK).n;

  for (const ns of [nsHac, nsK])
    spawnSync(kubectlBin, ['--kubeconfig', env.KUBECONFIG, 'delete', 'namespace', ns, '--wait=false']);

  const data = {
    hac: { ms: Math.round(hacMs), requests: hacRequests, exit: r.status, promotedImage: hacImage },
    kubectl: { ms: Math.round(kMs), requests: kRequests },
    ratio: Number((hacMs / kMs).toFixed(2)),
  };
  const markdown = [
    '4-step canary (25,50,75,100; zero pauses; no gates) on the kwok sandbox, 4 replicas. Wall time includes',
    "process start and the time kwok takes to mark pods ready (both sides wait for it); requests are the audit log's",
    'ResponseComplete events of each side in its namespace (watches count once).',
    '',
    '| | wall time (ms) | API requests |',
    '| --- | --- | --- |',
    `| hac k8s-canary (bundle${r.status === 0 ? '' : `, exit ${r.status}`}) | ${data.hac.ms} | ${data.hac.requests} |`,
    `| plain kubectl script | ${data.kubectl.ms} | ${data.kubectl.requests} |`,
    '',
    `hac / kubectl wall time: ${data.ratio}x. hac also records state, takes the Lease, dry-runs every write and checks the HPA.`,
  ].join('\n');
  return { title: 'k8s-canary: 4-step canary vs a kubectl script', markdown, data };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const res = await run({ repoRoot: path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..') });
  console.log(res.markdown);
}
