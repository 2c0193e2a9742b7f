// k8s-bluegreen against the sandbox's real control plane. Results are checked with kubectl; the
// invariant watcher records the live Service's EndpointSlices in every scenario.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  createNamespace,
  deleteNamespace,
  k8sSandbox,
  kubectlApply,
  kubectlGet,
  resourceVersions,
  watchInvariant,
  type InvariantWatcher,
} from '../../support/k8s.js';
import { fakeEndpoint, manifests, runBlueGreen } from '../../support/k8s-run.js';
import type { SandboxEnv } from '../../support/sandbox.js';

const REG = 'registry.example/web';
let sb: SandboxEnv;
let ns: string;
let dir: string;
const tally = { scenarios: 0, violations: 0 };
const watchers: InvariantWatcher[] = [];

function writeManifest(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

async function stopWatch(w: InvariantWatcher) {
  const r = await w.stop();
  tally.scenarios++;
  tally.violations += r.violations.length;
  return r;
}

beforeAll(() => {
  sb = k8sSandbox();
  ns = createNamespace(sb, 'hac-bg');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bg-'));
});

afterAll(async () => {
  for (const w of watchers) await w.stop().catch(() => {});
  deleteNamespace(sb, ns);
  console.log(`invariant watcher: ${tally.scenarios} scenarios, ${tally.violations} violations`);
});

describe('k8s-bluegreen (service route)', () => {
  test('first deploy, then v2 switches the selector with one patch; old color scaled to 0', async () => {
    const app = 'shop';
    const m1 = writeManifest('shop.yaml', manifests(app, `${REG}:1.0`));
    const first = await runBlueGreen(sb, ns, { manifests: m1, app });
    expect(first.error).toBeUndefined();
    expect(first.outputs['verdict']).toBe('promoted');
    expect(first.outputs['active-color']).toBe('blue');
    const svc1 = kubectlGet(sb, ns, `service ${app}`);
    expect(svc1.spec.selector).toEqual({ app, color: 'blue' });

    const watch = watchInvariant(sb, ns, app);
    watchers.push(watch);
    await watch.waitReady(2);
    const preview = await fakeEndpoint('v2');
    const live = await fakeEndpoint('v2');
    const second = await runBlueGreen(sb, ns, {
      manifests: m1,
      images: `${REG}:2.0`,
      'preview-urls': preview.url,
      'live-urls': live.url,
    });
    await preview.close();
    await live.close();
    expect(second.error).toBeUndefined();
    expect(second.outputs).toMatchObject({
      verdict: 'promoted',
      'active-color': 'green',
      'previous-color': 'blue',
      image: `${REG}:2.0`,
      'previous-image': `${REG}:1.0`,
    });
    expect(preview.hits).toBeGreaterThan(0);
    expect(live.hits).toBeGreaterThan(0);
    const svc = kubectlGet(sb, ns, `service ${app}`);
    expect(svc.spec.selector).toEqual({ app, color: 'green' });
    expect(svc.metadata.annotations['hac.dev/image']).toBe(`${REG}:2.0`);
    const green = kubectlGet(sb, ns, `deployment ${app}-green`);
    expect(green.spec.template.spec.containers[0].image).toBe(`${REG}:2.0`);
    expect(green.metadata.annotations['hac.dev/run-id']).toBeTruthy();
    expect(kubectlGet(sb, ns, `deployment ${app}-blue`).spec.replicas).toBe(0);
    const state = JSON.parse(kubectlGet(sb, ns, `configmap hac-${app}-state`).data.state);
    expect(state).toMatchObject({
      phase: 'complete',
      activeColor: 'green',
      previousColor: 'blue',
      image: `${REG}:2.0`,
      previousImage: `${REG}:1.0`,
    });
    const lease = kubectlGet(sb, ns, `lease hac-${app}`);
    expect(lease.spec.holderIdentity ?? '').toBe('');
    const r = await stopWatch(watch);
    expect(r.violations).toEqual([]);
    expect(r.samples.length).toBeGreaterThan(0);
    console.log(`blue-green v2 deploy: ${second.requests} API requests`);
  }, 120_000);

  /** Deploys v1 of `app` (blue) and starts the invariant watcher on its live Service. */
  async function baseline(app: string, extra: Record<string, string> = {}) {
    const m = writeManifest(`${app}.yaml`, manifests(app, `${REG}:1.0`));
    const r = await runBlueGreen(sb, ns, { manifests: m, app, ...extra });
    expect(r.error).toBeUndefined();
    const watch = watchInvariant(sb, ns, app);
    watchers.push(watch);
    await watch.waitReady(2);
    return { m, watch };
  }

  test('preview gate fails → rollback: selector untouched, new color removed', async () => {
    const app = 'pgate';
    const { m, watch } = await baseline(app);
    const svcBefore = kubectlGet(sb, ns, `service ${app}`);
    const preview = await fakeEndpoint();
    preview.healthy = false;
    const r = await runBlueGreen(sb, ns, { manifests: m, images: `${REG}:2.0`, 'preview-urls': preview.url });
    await preview.close();
    expect(r.error?.message).toMatch(/preview gate failed/);
    expect(r.outputs).toMatchObject({ verdict: 'rolled-back', 'active-color': 'blue' });
    expect(r.outputs['rollback-reason']).toMatch(/preview gate/);
    const svc = kubectlGet(sb, ns, `service ${app}`);
    expect(svc.spec.selector).toEqual({ app, color: 'blue' });
    expect(svc.metadata.resourceVersion).toBe(svcBefore.metadata.resourceVersion);
    expect(kubectlGet(sb, ns, `deployment ${app}-green`)).toBeUndefined();
    expect(kubectlGet(sb, ns, `deployment ${app}-blue`).spec.replicas).toBe(2);
    const state = JSON.parse(kubectlGet(sb, ns, `configmap hac-${app}-state`).data.state);
    expect(state).toMatchObject({ phase: 'rolled-back', activeColor: 'blue', image: `${REG}:1.0` });
    expect(r.summary).toMatch(/preview gate/);
    expect((await stopWatch(watch)).violations).toEqual([]);
  }, 120_000);

  test('post-switch gate fails → selector switched back to the old color', async () => {
    const app = 'lgate';
    const { m, watch } = await baseline(app);
    const live = await fakeEndpoint();
    live.healthy = false;
    const r = await runBlueGreen(sb, ns, { manifests: m, images: `${REG}:2.0`, 'live-urls': live.url });
    await live.close();
    expect(r.error?.message).toMatch(/post-switch gate failed/);
    expect(r.outputs).toMatchObject({
      verdict: 'rolled-back',
      'active-color': 'blue',
      'previous-color': 'green',
    });
    expect(kubectlGet(sb, ns, `service ${app}`).spec.selector).toEqual({ app, color: 'blue' });
    expect(kubectlGet(sb, ns, `deployment ${app}-green`)).toBeUndefined();
    const w = await stopWatch(watch);
    expect(w.violations).toEqual([]);
  }, 120_000);

  test('new pods never become ready → progress deadline → rollback', async () => {
    const app = 'unready';
    const { watch } = await baseline(app);
    const bad = writeManifest(
      `${app}-bad.yaml`,
      manifests(app, `${REG}:2.0`, {
        podAnnotations: { 'hac.dev/sim-fail': 'readiness' },
        progressDeadlineSeconds: 3,
      }),
    );
    const r = await runBlueGreen(sb, ns, { manifests: bad, app, timeout: '90s' });
    expect(r.outputs['verdict']).toBe('rolled-back');
    expect(r.outputs['rollback-reason']).toMatch(/ProgressDeadlineExceeded/);
    expect(kubectlGet(sb, ns, `service ${app}`).spec.selector).toEqual({ app, color: 'blue' });
    expect(kubectlGet(sb, ns, `deployment ${app}-green`)).toBeUndefined();
    expect((await stopWatch(watch)).violations).toEqual([]);
  }, 150_000);

  test('rollback in a later run uses only the recorded state', async () => {
    const app = 'later';
    const { m, watch } = await baseline(app);
    const up = await runBlueGreen(sb, ns, { manifests: m, images: `${REG}:2.0` });
    expect(up.outputs['active-color']).toBe('green');
    expect(kubectlGet(sb, ns, `deployment ${app}-blue`).spec.replicas).toBe(0);
    const back = await runBlueGreen(sb, ns, { action: 'rollback', app });
    expect(back.error).toBeUndefined();
    expect(back.outputs).toMatchObject({
      verdict: 'rolled-back',
      'active-color': 'blue',
      'previous-color': 'green',
      image: `${REG}:1.0`,
    });
    expect(kubectlGet(sb, ns, `service ${app}`).spec.selector).toEqual({ app, color: 'blue' });
    expect(kubectlGet(sb, ns, `deployment ${app}-blue`).spec.replicas).toBe(2);
    expect(kubectlGet(sb, ns, `deployment ${app}-green`).spec.replicas).toBe(0);
    expect((await stopWatch(watch)).violations).toEqual([]);
  }, 150_000);

  test('preview then promote / abort in later runs (auto-promote: false)', async () => {
    const app = 'manual';
    const { m, watch } = await baseline(app);
    const held = await runBlueGreen(sb, ns, { manifests: m, images: `${REG}:2.0`, 'auto-promote': 'false' });
    expect(held.outputs).toMatchObject({ verdict: 'previewing', 'active-color': 'blue' });
    expect(kubectlGet(sb, ns, `service ${app}`).spec.selector.color).toBe('blue');
    expect(kubectlGet(sb, ns, `service ${app}-preview`).spec.selector.color).toBe('green');
    const promoted = await runBlueGreen(sb, ns, { action: 'promote', app });
    expect(promoted.error).toBeUndefined();
    expect(promoted.outputs).toMatchObject({ verdict: 'promoted', 'active-color': 'green' });
    expect(kubectlGet(sb, ns, `service ${app}`).spec.selector.color).toBe('green');
    const again = await runBlueGreen(sb, ns, { action: 'promote', app });
    expect(again.error?.message).toMatch(/Nothing to promote/);
    const held2 = await runBlueGreen(sb, ns, { manifests: m, images: `${REG}:3.0`, 'auto-promote': 'false' });
    expect(held2.outputs['verdict']).toBe('previewing');
    const aborted = await runBlueGreen(sb, ns, { action: 'abort', app });
    expect(aborted.outputs).toMatchObject({ verdict: 'aborted', 'active-color': 'green' });
    expect(kubectlGet(sb, ns, `deployment ${app}-blue`)).toBeUndefined();
    expect(kubectlGet(sb, ns, `service ${app}`).spec.selector.color).toBe('green');
    expect((await stopWatch(watch)).violations).toEqual([]);
  }, 180_000);

  test('dry-run stops after preflight and writes the plan; nothing changes', async () => {
    const app = 'plan';
    const { m, watch } = await baseline(app);
    const before = resourceVersions(sb, ns);
    const r = await runBlueGreen(sb, ns, { manifests: m, images: `${REG}:2.0`, 'dry-run': 'true' });
    expect(r.error).toBeUndefined();
    expect(r.outputs['verdict']).toBe('planned');
    expect(r.summary).toMatch(/- color: blue\n\+ color: green/);
    expect(r.summary).toMatch(/Replica math/);
    expect(resourceVersions(sb, ns)).toEqual(before);
    expect((await stopWatch(watch)).violations).toEqual([]);
  }, 120_000);

  test('two concurrent runs are serialised by the Lease', async () => {
    const app = 'race';
    const { m, watch } = await baseline(app);
    const [a, b] = await Promise.all([
      runBlueGreen(sb, ns, { manifests: m, images: `${REG}:2.0`, 'run-id': 'run-a' }),
      runBlueGreen(sb, ns, { manifests: m, images: `${REG}:3.0`, 'run-id': 'run-b' }),
    ]);
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    const waited = [a, b].filter((r) => r.logs.some((l) => /is held by run-/.test(l)));
    expect(waited.length).toBe(1);
    // The second run deployed on top of the first: colors alternate, and the last image is live.
    const last = waited[0] === a ? a : b;
    const svc = kubectlGet(sb, ns, `service ${app}`);
    expect(svc.spec.selector.color).toBe(last.outputs['active-color']);
    expect(svc.spec.selector.color).toBe('blue');
    expect(
      kubectlGet(sb, ns, `deployment ${app}-${svc.spec.selector.color}`).spec.template.spec.containers[0]
        .image,
    ).toBe(last.outputs['image']);
    expect((await stopWatch(watch)).violations).toEqual([]);
  }, 180_000);

  test('simple form: app, image, replicas, port', async () => {
    const r = await runBlueGreen(sb, ns, { app: 'simple', image: `${REG}:1.0`, replicas: '3', port: '9090' });
    expect(r.error).toBeUndefined();
    const d = kubectlGet(sb, ns, 'deployment simple-blue');
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.metadata.labels).toMatchObject({ app: 'simple', color: 'blue', version: '1.0' });
    expect(kubectlGet(sb, ns, 'service simple').spec.ports[0].port).toBe(9090);
  }, 120_000);
});

describe('k8s-bluegreen (gateway-api route)', () => {
  test('switches the HTTPRoute backendRefs between color Services', async () => {
    const app = 'gw';
    kubectlApply(
      sb,
      ns,
      JSON.stringify({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: app },
        spec: {
          parentRefs: [{ name: 'public' }],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/' } }],
              backendRefs: [{ name: app, port: 80 }],
            },
          ],
        },
      }),
    );
    const m = writeManifest(`${app}.yaml`, manifests(app, `${REG}:1.0`));
    const first = await runBlueGreen(sb, ns, { manifests: m, route: 'gateway-api' });
    expect(first.error).toBeUndefined();
    expect(kubectlGet(sb, ns, `httproute ${app}`).spec.rules[0].backendRefs[0].name).toBe(`${app}-blue`);
    expect(kubectlGet(sb, ns, `service ${app}-blue`).spec.selector).toEqual({ app, color: 'blue' });
    const watch = watchInvariant(sb, ns, `${app}-blue`);
    watchers.push(watch);
    await watch.waitReady(2);
    const second = await runBlueGreen(sb, ns, {
      manifests: m,
      images: `${REG}:2.0`,
      route: 'gateway-api',
      'old-color-action': 'keep',
    });
    expect(second.error).toBeUndefined();
    const route = kubectlGet(sb, ns, `httproute ${app}`);
    expect(route.spec.rules[0].backendRefs).toEqual([
      { group: '', kind: 'Service', name: `${app}-green`, port: 80, weight: 1 },
    ]);
    expect(route.spec.rules[0].matches[0].path.value).toBe('/');
    expect((await stopWatch(watch)).violations).toEqual([]);
    // green is live now: watch its Service through a failed deploy of blue.
    const watch2 = watchInvariant(sb, ns, `${app}-green`);
    watchers.push(watch2);
    await watch2.waitReady(2);
    const live = await fakeEndpoint();
    live.healthy = false;
    const third = await runBlueGreen(sb, ns, {
      manifests: m,
      images: `${REG}:3.0`,
      route: 'gateway-api',
      'live-urls': live.url,
    });
    await live.close();
    expect(third.outputs['verdict']).toBe('rolled-back');
    expect(kubectlGet(sb, ns, `httproute ${app}`).spec.rules[0].backendRefs[0].name).toBe(`${app}-green`);
    expect((await stopWatch(watch2)).violations).toEqual([]);
  }, 180_000);
});
