// Recorded state tells the truth: after deploy, preview, promote in a later job, abort, rollback
// and a lock timeout, the live Service's hac.dev annotations, the state ConfigMap and the outputs
// agree with what kubectl shows. And strategy handover: k8s-canary on a blue-green app, and
// k8s-bluegreen on a canary app, fail before any write (resourceVersions unchanged).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { microTime } from '../../../packages/k8s/lease.js';
import { runCanaryAction } from '../../../packages/k8s/canary/action.js';
import {
  createNamespace,
  deleteNamespace,
  k8sSandbox,
  kubectl,
  kubectlApply,
  kubectlGet,
  resourceVersions,
} from '../../support/k8s.js';
import { manifests, runBlueGreen } from '../../support/k8s-run.js';
import type { SandboxEnv } from '../../support/sandbox.js';

const REG = 'registry.example/web';
let sb: SandboxEnv;
let ns: string;
let dir: string;

beforeAll(() => {
  sb = k8sSandbox();
  ns = createNamespace(sb, 'hac-rec');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-rec-'));
});
afterAll(() => deleteNamespace(sb, ns));

function file(app: string, image: string): string {
  const f = path.join(dir, `${app}-${image.replace(/\W/g, '_')}.yaml`);
  fs.writeFileSync(f, manifests(app, image));
  return f;
}
const svc = (app: string) => kubectlGet(sb, ns, `service ${app}`);
const ann = (app: string) => svc(app).metadata.annotations as Record<string, string>;
const state = (app: string) => JSON.parse(kubectlGet(sb, ns, `configmap hac-${app}-state`).data.state);
const image = (d: any) => d?.spec.template.spec.containers[0].image;

/** What kubectl shows serving the live Service: its color and that Deployment's image. */
function serving(app: string): { color: string; image: string } {
  const color = svc(app).spec.selector.color as string;
  return { color, image: image(kubectlGet(sb, ns, `deployment ${app}-${color}`)) };
}

function canary(inputs: Record<string, string>) {
  const outputs: Record<string, string> = {};
  const all: Record<string, string> = {
    namespace: ns,
    'allow-paths-outside-workspace': 'true',
    'gate-wait': '0',
    timeout: '60s',
    ...inputs,
  };
  process.env.KUBECONFIG = sb.kubeconfig;
  return runCanaryAction({
    source: (n) => all[n] ?? '',
    state: memoryState(),
    signal: new AbortController().signal,
    setOutput: (k, v) => void (outputs[k] = v),
    writeSummary: async () => undefined,
    log: () => undefined,
  }).then(
    (result) => ({ outputs, result, error: undefined as Error | undefined }),
    (error: Error) => ({ outputs, result: undefined, error }),
  );
}

describe('k8s-bluegreen recorded state', () => {
  test('deploy, preview, promote later, rollback, preview + abort: annotations, ConfigMap and outputs agree with kubectl', async () => {
    const app = 'rec';
    const v1 = await runBlueGreen(sb, ns, { manifests: file(app, `${REG}:1.0`) });
    expect(v1.error).toBeUndefined();
    expect(serving(app)).toEqual({ color: 'blue', image: `${REG}:1.0` });
    expect(ann(app)).toMatchObject({ 'hac.dev/image': `${REG}:1.0`, 'hac.dev/color': 'blue' });

    const v2 = await runBlueGreen(sb, ns, { manifests: file(app, `${REG}:2.0`) });
    expect(serving(app)).toEqual({ color: 'green', image: `${REG}:2.0` });
    expect(ann(app)).toMatchObject({ 'hac.dev/image': `${REG}:2.0`, 'hac.dev/previous-image': `${REG}:1.0` });
    expect(v2.outputs).toMatchObject({
      'active-color': 'green',
      'previous-color': 'blue',
      image: `${REG}:2.0`,
    });

    // preview v3: traffic stays on green; previous-color is not the active color
    const held = await runBlueGreen(sb, ns, { manifests: file(app, `${REG}:3.0`), 'auto-promote': 'false' });
    expect(held.outputs).toMatchObject({
      verdict: 'previewing',
      'active-color': 'green',
      'previous-color': 'blue',
    });
    expect(state(app)).toMatchObject({ phase: 'previewing', activeColor: 'green', previousColor: 'blue' });
    expect(serving(app)).toEqual({ color: 'green', image: `${REG}:2.0` });
    expect(svc(`${app}-preview`).spec.selector.color).toBe('blue');

    // promote in a later job (no manifests): the live Service's annotations name v3 and v2
    const promoted = await runBlueGreen(sb, ns, { action: 'promote', app });
    expect(promoted.error).toBeUndefined();
    expect(serving(app)).toEqual({ color: 'blue', image: `${REG}:3.0` });
    expect(ann(app)).toMatchObject({
      'hac.dev/image': `${REG}:3.0`,
      'hac.dev/previous-image': `${REG}:2.0`,
      'hac.dev/color': 'blue',
      'hac.dev/phase': 'switched',
    });
    expect(state(app)).toMatchObject({
      phase: 'complete',
      image: `${REG}:3.0`,
      previousImage: `${REG}:2.0`,
      activeColor: 'blue',
      previousColor: 'green',
    });
    expect(promoted.outputs).toMatchObject({
      'active-color': 'blue',
      'previous-color': 'green',
      image: `${REG}:3.0`,
      'previous-image': `${REG}:2.0`,
    });

    // rollback in a later job
    const back = await runBlueGreen(sb, ns, { action: 'rollback', app });
    expect(back.error).toBeUndefined();
    expect(serving(app)).toEqual({ color: 'green', image: `${REG}:2.0` });
    expect(ann(app)).toMatchObject({
      'hac.dev/image': `${REG}:2.0`,
      'hac.dev/previous-image': `${REG}:3.0`,
      'hac.dev/color': 'green',
    });
    expect(state(app)).toMatchObject({
      phase: 'rolled-back',
      image: `${REG}:2.0`,
      activeColor: 'green',
      previousColor: 'blue',
    });
    expect(back.outputs).toMatchObject({
      'active-color': 'green',
      image: `${REG}:2.0`,
      'previous-image': `${REG}:3.0`,
    });

    // preview v4, then abort: the preview Service no longer selects the removed color
    await runBlueGreen(sb, ns, { manifests: file(app, `${REG}:4.0`), 'auto-promote': 'false' });
    expect(svc(`${app}-preview`).spec.selector.color).toBe('blue');
    const aborted = await runBlueGreen(sb, ns, { action: 'abort', app });
    expect(aborted.error).toBeUndefined();
    expect(kubectlGet(sb, ns, `deployment ${app}-blue`)).toBeUndefined();
    const preview = kubectlGet(sb, ns, `service ${app}-preview`);
    expect(preview?.spec.selector.color ?? 'deleted').not.toBe('blue');
    expect(serving(app)).toEqual({ color: 'green', image: `${REG}:2.0` });
    expect(ann(app)).toMatchObject({ 'hac.dev/image': `${REG}:2.0` });
    expect(aborted.outputs).toMatchObject({
      verdict: 'aborted',
      'active-color': 'green',
      image: `${REG}:2.0`,
    });
  }, 240_000);

  test('a lock timeout writes outputs and changes nothing', async () => {
    const app = 'locked';
    await runBlueGreen(sb, ns, { manifests: file(app, `${REG}:1.0`) });
    kubectlApply(
      sb,
      ns,
      JSON.stringify({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: `hac-${app}` },
        spec: {
          holderIdentity: 'someone-else',
          leaseDurationSeconds: 3600,
          renewTime: microTime(Date.now()),
        },
      }),
    );
    const before = resourceVersions(sb, ns, 'deployments,services,configmaps');
    const r = await runBlueGreen(sb, ns, { manifests: file(app, `${REG}:2.0`), 'lock-timeout': '1s' });
    expect(r.error?.message).toMatch(/someone-else/);
    expect(r.outputs.verdict).toBe('failed');
    expect(resourceVersions(sb, ns, 'deployments,services,configmaps')).toEqual(before);
  }, 60_000);
});

describe('k8s-canary on a lock timeout', () => {
  test('still writes its outputs', async () => {
    kubectlApply(sb, ns, manifests('cl', `${REG}:1.0`));
    kubectlApply(
      sb,
      ns,
      JSON.stringify({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'hac-cl' },
        spec: {
          holderIdentity: 'someone-else',
          leaseDurationSeconds: 3600,
          renewTime: microTime(Date.now()),
        },
      }),
    );
    kubectl(sb, ['-n', ns, 'rollout', 'status', 'deployment/cl', '--timeout=60s']);
    const r = await canary({ manifests: file('cl', `${REG}:2.0`), steps: '50,100', 'lock-timeout': '1s' });
    expect(r.error?.message).toMatch(/someone-else/);
    expect(r.outputs).toMatchObject({ verdict: 'failed', weight: '' });
    expect(Number(r.outputs['api-requests'])).toBeGreaterThan(0);
  }, 60_000);
});

describe('strategy handover', () => {
  test('k8s-canary on an app managed by k8s-bluegreen fails before any write', async () => {
    const app = 'hand-bg';
    await runBlueGreen(sb, ns, { manifests: file(app, `${REG}:1.0`) });
    const before = resourceVersions(sb, ns, 'deployments,services,configmaps,leases');
    const selector = svc(app).spec.selector;
    const r = await canary({ manifests: file(app, `${REG}:2.0`), steps: '50,100' });
    expect(r.error?.message).toMatch(
      new RegExp(
        `^${app} is managed by k8s-bluegreen \\(strategy bluegreen: Service ${app} is annotated hac.dev/strategy: bluegreen\\); k8s-canary will not take it over\\. Nothing was changed\\.$`,
      ),
    );
    expect((r.error as any).hint).toMatch(/hand it over once/);
    expect(r.outputs.verdict).toBe('failed');
    expect(resourceVersions(sb, ns, 'deployments,services,configmaps,leases')).toEqual(before);
    expect(svc(app).spec.selector).toEqual(selector);
  }, 60_000);

  test('k8s-bluegreen on an app managed by k8s-canary fails before any write', async () => {
    const app = 'hand-can';
    kubectlApply(sb, ns, manifests(app, `${REG}:1.0`));
    kubectl(sb, ['-n', ns, 'rollout', 'status', `deployment/${app}`, '--timeout=60s']);
    const first = await canary({ manifests: file(app, `${REG}:2.0`), steps: '100' });
    expect(first.error).toBeUndefined();
    expect(kubectlGet(sb, ns, `deployment ${app}`).metadata.annotations['hac.dev/canary']).toBeTruthy();
    const before = resourceVersions(sb, ns, 'deployments,services,configmaps,leases');
    const selector = svc(app).spec.selector;
    const r = await runBlueGreen(sb, ns, { manifests: file(app, `${REG}:3.0`) });
    expect(r.error?.message).toMatch(
      new RegExp(
        `^${app} is managed by k8s-canary \\(strategy canary: Deployment ${app} carries a k8s-canary record \\(hac.dev/canary\\)\\); k8s-bluegreen will not take it over\\. Nothing was changed\\.$`,
      ),
    );
    expect((r.error as any).hint).toMatch(/kubectl annotate deployment hand-can hac.dev\/canary-/);
    expect(r.outputs.verdict).toBe('failed');
    expect(resourceVersions(sb, ns, 'deployments,services,configmaps,leases')).toEqual(before);
    expect(svc(app).spec.selector).toEqual(selector);
  }, 90_000);
});
