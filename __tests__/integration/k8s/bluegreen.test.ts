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
  kubectl,
  kubectlGet,
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
  // eslint-disable-next-line no-console
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
    // eslint-disable-next-line no-console
    console.log(`blue-green v2 deploy: ${second.requests} API requests`);
  }, 120_000);
});
