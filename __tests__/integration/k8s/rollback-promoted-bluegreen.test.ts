// k8s-bluegreen action: rollback after promote, against the sandbox's real control plane: the
// previous version is re-created from the recorded spec (old-color-action: delete removed it),
// gated, switched back without the live Service ever at 0 ready endpoints (EndpointSlice watcher),
// and verified with kubectl. A second rollback is a no-op; a rollback past a third version needs
// confirm-rollback; a dry-run rollback changes nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  createNamespace,
  deleteNamespace,
  k8sSandbox,
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
const watchers: InvariantWatcher[] = [];

beforeAll(() => {
  sb = k8sSandbox();
  ns = createNamespace(sb, 'hac-bgrb');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bgrb-'));
});
afterAll(async () => {
  for (const w of watchers) await w.stop().catch(() => {});
  deleteNamespace(sb, ns);
});

function file(app: string, image: string): string {
  const f = path.join(dir, `${app}-${image.replace(/\W/g, '_')}.yaml`);
  fs.writeFileSync(f, manifests(app, image));
  return f;
}
const state = (app: string) => JSON.parse(kubectlGet(sb, ns, `configmap hac-${app}-state`).data.state);
const imageOf = (d: any) => d?.spec.template.spec.containers[0].image;

/** What kubectl shows serving the live Service: its color, that Deployment's image and ready replicas. */
function serving(app: string): { color: string; image: string; ready: number } {
  const color = kubectlGet(sb, ns, `service ${app}`).spec.selector.color as string;
  const d = kubectlGet(sb, ns, `deployment ${app}-${color}`);
  return { color, image: imageOf(d), ready: d?.status?.readyReplicas ?? 0 };
}

const deploy = (app: string, v: string, extra: Record<string, string> = {}) =>
  runBlueGreen(sb, ns, { manifests: file(app, `${REG}:${v}`), 'old-color-action': 'delete', ...extra });

async function watched(app: string): Promise<InvariantWatcher> {
  const w = watchInvariant(sb, ns, app);
  watchers.push(w);
  await w.waitReady(2);
  return w;
}

describe('k8s-bluegreen rollback after promote', () => {
  test('v1, v2 previewed then promoted, dry-run rollback, rollback → v1 re-created and serving, rollback again → no-op', async () => {
    const app = 'rbp';
    expect((await deploy(app, '1.0')).error).toBeUndefined();
    const watch = await watched(app);
    const held = await deploy(app, '2.0', { 'auto-promote': 'false' });
    expect(held.outputs.verdict).toBe('previewing');
    const promoted = await runBlueGreen(sb, ns, { action: 'promote', app, 'old-color-action': 'delete' });
    expect(promoted.error).toBeUndefined();
    expect(serving(app)).toMatchObject({ color: 'green', image: `${REG}:2.0` });
    expect(kubectlGet(sb, ns, `deployment ${app}-blue`)).toBeUndefined();
    // The record keeps the previous version's spec after promote.
    expect(state(app).extra.previous).toMatchObject({ image: `${REG}:1.0`, color: 'blue' });
    expect(imageOf(state(app).extra.previous.deployment)).toBe(`${REG}:1.0`);

    const before = resourceVersions(sb, ns);
    const dry = await runBlueGreen(sb, ns, { action: 'rollback', app, 'dry-run': 'true' });
    expect(dry.error).toBeUndefined();
    expect(dry.outputs.verdict).toBe('planned');
    expect(dry.summary).toMatch(/would re-create blue with registry\.example\/web:1\.0/);
    expect(resourceVersions(sb, ns)).toEqual(before);

    const preview = await fakeEndpoint('v1');
    const live = await fakeEndpoint('v1');
    const back = await runBlueGreen(sb, ns, {
      action: 'rollback',
      app,
      'old-color-action': 'delete',
      'preview-urls': preview.url,
      'live-urls': live.url,
    });
    await Promise.all([preview.close(), live.close()]);
    expect(back.error).toBeUndefined();
    expect(preview.hits).toBeGreaterThan(0);
    expect(live.hits).toBeGreaterThan(0);
    expect(back.outputs).toMatchObject({
      verdict: 'rolled-back',
      'active-color': 'blue',
      image: `${REG}:1.0`,
      'previous-image': `${REG}:2.0`,
    });
    expect(serving(app)).toEqual({ color: 'blue', image: `${REG}:1.0`, ready: 2 });
    expect(kubectlGet(sb, ns, `deployment ${app}-green`)).toBeUndefined();
    expect(state(app)).toMatchObject({
      phase: 'rolled-back',
      image: `${REG}:1.0`,
      activeColor: 'blue',
      extra: { rollback: { from: `${REG}:2.0`, to: `${REG}:1.0` } },
    });

    const settled = resourceVersions(sb, ns);
    const again = await runBlueGreen(sb, ns, { action: 'rollback', app });
    expect(again.error).toBeUndefined();
    expect(again.outputs['rollback-reason']).toMatch(
      /already rolled back from .*2\.0 to .*1\.0.*nothing to do/,
    );
    expect(again.summary).toMatch(/already rolled back/);
    expect(resourceVersions(sb, ns)).toEqual(settled);
    expect((await watch.stop()).violations).toEqual([]);
  }, 200_000);

  test('v3 after v2: rollback-to v1 is refused before any write; with confirm-rollback v1 is restored into the idle color', async () => {
    const app = 'rb3';
    expect((await deploy(app, '1.0')).error).toBeUndefined();
    const watch = await watched(app);
    expect((await deploy(app, '2.0')).outputs['active-color']).toBe('green');
    expect((await deploy(app, '3.0')).outputs['active-color']).toBe('blue');

    const before = resourceVersions(sb, ns);
    const refused = await runBlueGreen(sb, ns, { action: 'rollback', app, 'rollback-to': `${REG}:1.0` });
    expect(refused.error?.message).toMatch(
      /Cannot roll back rb3 to registry\.example\/web:1\.0: the app has moved on to registry\.example\/web:3\.0, which replaced registry\.example\/web:2\.0.*Nothing was changed/,
    );
    expect(refused.summary).toMatch(/confirm-rollback: true/);
    expect(resourceVersions(sb, ns)).toEqual(before);

    const back = await runBlueGreen(sb, ns, {
      action: 'rollback',
      app,
      'rollback-to': `${REG}:1.0`,
      'confirm-rollback': 'true',
    });
    expect(back.error).toBeUndefined();
    // v1 ran in blue, which serves v3 now: it is re-created in green.
    expect(serving(app)).toEqual({ color: 'green', image: `${REG}:1.0`, ready: 2 });
    // old-color-action: scale-down (the default) for the color rolled away from.
    expect(kubectlGet(sb, ns, `deployment ${app}-blue`).spec.replicas).toBe(0);
    expect(state(app)).toMatchObject({
      phase: 'rolled-back',
      image: `${REG}:1.0`,
      previousImage: `${REG}:3.0`,
    });
    expect((await watch.stop()).violations).toEqual([]);
  }, 200_000);
});
