// The k8s fault matrix, blue-green: a clean run through the fault proxy counts the requests of a
// release; then each release is run with one fault at one request index (a reset before the
// response, a reset mid-body or mid-watch, a 500, a 429 with Retry-After, 3 s of latency bounded by
// request-timeout, each at every index), followed by the post step as the runner would. After every
// run, checked with kubectl and an EndpointSlice watcher: the live Service never had 0 ready
// endpoints; the app serves one version only, old or new; the Service's annotations and the state
// ConfigMap name what serves; the Lease is free; every DELETE or scale-to-zero the proxy saw targets
// an object this run created or hac's own for this app; and the user's own Deployment and Service
// (one more per run) are untouched.
// One suite per group of fault kinds (NETWORK_FAULTS, STATUS_FAULTS in k8s-matrix.ts), so that jest
// runs the groups on workers of their own; each has its own namespace, proxy and clean release.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from '@jest/globals';
import { memoryState } from '../../packages/toolkit/outputs.js';
import { runBlueGreenPost } from '../../packages/k8s/bluegreen/post.js';
import {
  createNamespace,
  deleteNamespace,
  k8sSandbox,
  kubectl,
  watchInvariant,
  type InvariantWatcher,
} from './k8s.js';
import { startK8sFaultProxy, type K8sFault, type K8sFaultProxy } from './k8s-fault-proxy.js';
import {
  applyBystander,
  judgeRelease,
  matrixDeployer,
  newTally,
  metaByPath,
  namespaceObjects,
  REQUEST_TIMEOUT,
  matrixSuite,
  tallyLine,
} from './k8s-matrix.js';
import { manifests, runBlueGreen } from './k8s-run.js';
import type { SandboxEnv } from './sandbox.js';

const APP = 'mx';
const REG = 'registry.example/mx';
const tally = newTally();
let sb: SandboxEnv;
let ns: string;
let dir: string;
let proxy: K8sFaultProxy;
let watcher: InvariantWatcher;
let serving = '';
let release = 0;
const bystanders: string[] = [];

const image = (d: any): string => d?.spec.template.spec.containers[0].image ?? '';

const find = (items: any[], kind: string, name: string) =>
  items.find((o) => o.kind === kind && o.metadata.name === name);

/** What the live Service serves, from kubectl's objects: one color, one image, ready pods of it only. */
function served(items: any[]): { color: string; image: string; problems: string[] } {
  const svc = find(items, 'Service', APP);
  const color = svc.spec.selector.color as string;
  const img = image(find(items, 'Deployment', `${APP}-${color}`));
  const problems: string[] = [];
  const pods = items.filter(
    (o) => o.kind === 'Pod' && o.metadata.labels?.app === APP && o.metadata.labels?.color === color,
  );
  const other = pods.filter((p) => p.spec.containers[0].image !== img && !p.metadata.deletionTimestamp);
  if (other.length) problems.push(`mixed: ${other.length} pod(s) of ${color} not on ${img}`);
  const ann = svc.metadata.annotations ?? {};
  if (ann['hac.dev/image'] !== img || ann['hac.dev/color'] !== color)
    problems.push(
      `Service annotations say ${ann['hac.dev/color']}/${ann['hac.dev/image']}, serving ${color}/${img}`,
    );
  const state = JSON.parse(find(items, 'ConfigMap', `hac-${APP}-state`)?.data.state ?? '{}');
  if (state.image !== img || state.activeColor !== color)
    problems.push(`state ConfigMap says ${state.activeColor}/${state.image}, serving ${color}/${img}`);
  const holder = find(items, 'Lease', `hac-${APP}`)?.spec.holderIdentity;
  if (holder) problems.push(`Lease hac-${APP} still held by ${holder}`);
  return { color, image: img, problems };
}

function manifestFile(img: string): string {
  const f = path.join(dir, `${img.replace(/\W/g, '_')}.yaml`);
  fs.writeFileSync(f, manifests(APP, img, { replicas: 2 }));
  return f;
}

/** One release through the proxy (fault planned by the caller), then post, then every check. */
async function releaseOnce(label: string): Promise<{ verdict: string; count: number }> {
  const next = `${REG}:${++release}`;
  const user = `user-${release}`;
  applyBystander(sb, ns, user);
  bystanders.push(user);
  const before = metaByPath(namespaceObjects(sb, ns));
  const progress = memoryState();
  const r = await runBlueGreen(
    sb,
    ns,
    { manifests: manifestFile(next), 'request-timeout': REQUEST_TIMEOUT },
    { ownSession: true, progress },
  );
  await runBlueGreenPost(progress, { log: () => undefined }).catch((err: Error) =>
    tally.violations.push(`${label}: post failed: ${err.message}`),
  );
  const count = proxy.requests.length;
  const verdict = r.outputs.verdict ?? '';
  let color = '';
  serving = judgeRelease({
    ...{ sb, ns, app: APP, label, proxy, tally, before, bystanders, previous: serving, next, verdict },
    served: (items) => {
      const now = served(items);
      color = now.color;
      return now;
    },
    more: () =>
      r.outputs['active-color'] && r.outputs['active-color'] !== color
        ? [`output active-color ${r.outputs['active-color']}, serving ${color}`]
        : [],
  });
  return { verdict, count };
}

/** Registers the k8s-bluegreen matrix over `faults`: setup, a clean release, a sweep per fault kind, the watcher's verdict. */
export function blueGreenMatrix(faults: K8sFault[]): void {
  beforeAll(async () => {
    sb = k8sSandbox();
    ns = createNamespace(sb, 'hac-mxbg');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-mxbg-'));
    proxy = await startK8sFaultProxy(sb.deployerKubeconfig);
    process.env.KUBECONFIG = proxy.kubeconfig(matrixDeployer(sb, ns, dir));
  }, 60_000);

  afterAll(async () => {
    await watcher?.stop();
    await proxy?.close();
    console.log(tallyLine('k8s-bluegreen', tally));
    deleteNamespace(sb, ns);
  });

  matrixSuite({
    name: 'k8s-bluegreen',
    proxy: () => proxy,
    release: releaseOnce,
    tally,
    faults,
    watcher: () => watcher,
    first: async () => {
      proxy.reset();
      await releaseOnce('first deploy');
      watcher = watchInvariant(sb, ns, APP);
      await watcher.waitReady(2, 30_000);
    },
    after: () => expect(kubectl(sb, ['-n', ns, 'get', 'service', APP]).status).toBe(0),
  });
}
