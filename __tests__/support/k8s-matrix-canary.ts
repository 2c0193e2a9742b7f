// The k8s fault matrix, 3-step canary (25, 50, 100; replicas route, no pauses): a clean release
// through the fault proxy counts the requests; then each release runs with one fault at one request
// index (reset before the response, reset mid-body or mid-watch, 500, 429 with Retry-After at every
// index; 3 s of latency at sampled indices, bounded by request-timeout), followed by the post step.
// After every run, checked with kubectl and an EndpointSlice watcher: the live Service never had 0
// ready endpoints; every pod of the app runs one version, old or new, and no canary is left; the
// hac.dev/canary record names what serves; the Lease is free; every DELETE or scale-to-zero the
// proxy saw targets an object this run created or hac's own for this app; and the user's own
// Deployment and Service (one more per run) are untouched.
// One suite per group of fault kinds (NETWORK_FAULTS, STATUS_FAULTS in k8s-matrix.ts), so that jest
// runs the groups on workers of their own; each has its own namespace, proxy and clean release.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from '@jest/globals';
import { memoryState } from '../../packages/toolkit/outputs.js';
import { runCanaryInputs } from './k8s-run.js';
import { runCanaryPost } from '../../packages/k8s/canary/entry.js';
import {
  createNamespace,
  deleteNamespace,
  k8sSandbox,
  kubectl,
  kubectlApply,
  watchInvariant,
  webYaml,
  type InvariantWatcher,
} from './k8s.js';
import { startK8sFaultProxy, type K8sFault, type K8sFaultProxy } from './k8s-fault-proxy.js';
import {
  applyBystander,
  latencySample,
  judgeRelease,
  matrixDeployer,
  metaByPath,
  namespaceObjects,
  newTally,
  REQUEST_TIMEOUT,
  matrixSuite,
  tallyLine,
} from './k8s-matrix.js';
import type { SandboxEnv } from './sandbox.js';

const REPLICAS = 2;
const tally = newTally();
let sb: SandboxEnv;
let ns: string;
let dir: string;
let repo: string;
let proxy: K8sFaultProxy;
let watcher: InvariantWatcher;
let serving = '';
let release = 1;
const bystanders: string[] = [];

const image = (d: any): string => d?.spec.template.spec.containers[0].image ?? '';

/** What serves, from kubectl's objects: one image on every live pod, no canary, a true record, a free Lease. */
function served(items: any[]): { image: string; problems: string[] } {
  const web = items.find((o) => o.kind === 'Deployment' && o.metadata.name === 'web');
  const img = image(web);
  const problems: string[] = [];
  const pods = items.filter(
    (o) => o.kind === 'Pod' && o.metadata.labels?.app === 'web' && !o.metadata.deletionTimestamp,
  );
  const other = pods.filter((p) => p.spec.containers[0].image !== img);
  if (other.length) problems.push(`mixed: ${other.length} pod(s) not on ${img}`);
  const canary = items.find((o) => o.kind === 'Deployment' && o.metadata.name === 'web-canary');
  if (canary && canary.spec.replicas !== 0)
    problems.push(`web-canary left with ${canary.spec.replicas} replicas`);
  if (web.spec.replicas !== REPLICAS) problems.push(`web at ${web.spec.replicas} replicas, not ${REPLICAS}`);
  const rec = JSON.parse(web.metadata.annotations?.['hac.dev/canary'] ?? 'null');
  const recorded = rec?.phase === 'aborted' ? rec.previousImage : rec?.image;
  if (rec && (!['promoted', 'aborted'].includes(rec.phase) || recorded !== img))
    problems.push(`record says ${rec.phase} ${rec.image} (previous ${rec.previousImage}), serving ${img}`);
  const holder = items.find((o) => o.kind === 'Lease' && o.metadata.name === 'hac-web')?.spec.holderIdentity;
  if (holder) problems.push(`Lease hac-web still held by ${holder}`);
  return { image: img, problems };
}

/** One release through the proxy (fault planned by the caller), then post, then every check. */
async function releaseOnce(label: string): Promise<{ verdict: string; count: number }> {
  const version = `v${++release}`;
  const next = `${repo}:${version}`;
  const user = `user-${release}`;
  applyBystander(sb, ns, user);
  bystanders.push(user);
  const file = path.join(dir, `web-${version}.yaml`);
  fs.writeFileSync(file, webYaml({ image: next, version, replicas: REPLICAS }));
  const before = metaByPath(namespaceObjects(sb, ns));
  const inputs: Record<string, string> = {
    'allow-paths-outside-workspace': 'true',
    namespace: ns,
    manifests: file,
    steps: '25,50,100',
    'gate-wait': '0',
    timeout: '60s',
    'request-timeout': REQUEST_TIMEOUT,
    'run-id': `mx-${release}`,
  };
  const state = memoryState();
  const { outputs, error } = await runCanaryInputs(inputs, state);
  await runCanaryPost({ state, log: () => undefined }).catch((err: Error) =>
    tally.violations.push(`${label}: post failed: ${err.message}`),
  );
  const count = proxy.requests.length;
  const verdict = outputs.verdict ?? '';
  serving = judgeRelease({
    ...{ sb, ns, app: 'web', label, proxy, tally, before, bystanders, previous: serving, next, verdict },
    served,
    more: (img) =>
      [
        ...(verdict !== 'promoted' && img === next ? [`verdict ${verdict} but serves the new ${next}`] : []),
        ...(!error && verdict !== 'promoted' ? [`no error but verdict ${verdict}`] : []),
      ].map((p) => (error ? `${p} (error: ${error.message})` : p)),
  });
  return { verdict, count };
}

/** Registers the k8s-canary matrix over `faults`: setup, a clean release, a sweep per fault kind, the watcher's verdict. */
export function canaryMatrix(faults: K8sFault[]): void {
  beforeAll(async () => {
    sb = k8sSandbox();
    repo = sb.baseImage.replace(/:.*$/, '');
    ns = createNamespace(sb, 'hac-mxcn');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-mxcn-'));
    serving = `${repo}:v1`;
    kubectlApply(sb, ns, webYaml({ image: serving, version: 'v1', replicas: REPLICAS, service: true }));
    kubectl(sb, ['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    watcher = watchInvariant(sb, ns, 'web');
    await watcher.waitReady(REPLICAS, 30_000);
    proxy = await startK8sFaultProxy(sb.deployerKubeconfig);
    process.env.KUBECONFIG = proxy.kubeconfig(matrixDeployer(sb, ns, dir));
  }, 90_000);

  afterAll(async () => {
    await watcher?.stop();
    await proxy?.close();
    console.log(tallyLine('k8s-canary', tally));
    deleteNamespace(sb, ns);
  });

  matrixSuite({
    name: 'k8s-canary',
    proxy: () => proxy,
    release: releaseOnce,
    tally,
    latency: latencySample,
    faults,
    watcher: () => watcher,
  });
}
