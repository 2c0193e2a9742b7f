// k8s-canary action: rollback after promote, against the sandbox's real control plane: the
// previous template (recorded on the stable Deployment) goes out as a canary through the same
// steps and gates as a deploy, then is promoted; kubectl checks the result and the EndpointSlice
// watcher checks the live Service never has 0 ready endpoints. A second rollback is a no-op; a
// rollback past a third version needs confirm-rollback; a dry-run rollback changes nothing.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { runCanaryAction } from '../../../packages/k8s/canary/action.js';
import {
  createNamespace,
  deleteNamespace,
  k8sSandbox,
  kubectlApply,
  kubectlGet,
  resourceVersions,
  watchInvariant,
  webYaml,
  type InvariantWatcher,
} from '../../support/k8s.js';

const sb = k8sSandbox();
process.env.KUBECONFIG = sb.kubeconfig;
const REG = 'registry.example/web';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-canary-rb-'));
let ns = '';
let watcher: InvariantWatcher | undefined;
const hits = { n: 0 };
let server: http.Server;
let url = '';

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    hits.n++;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise((r) => server.close(r)));
afterEach(async () => {
  if (watcher) expect((await watcher.stop()).violations).toEqual([]);
  watcher = undefined;
  if (ns) deleteNamespace(sb, ns);
});

function manifest(v: string): string {
  const f = path.join(dir, `web-${v}.yaml`);
  fs.writeFileSync(f, webYaml({ image: `${REG}:${v}`, version: v, replicas: 4, service: true }));
  return f;
}

async function run(
  extra: Record<string, string>,
  runGate?: Parameters<typeof runCanaryAction>[0]['runGate'],
) {
  const outputs: Record<string, string> = {};
  let summary = '';
  const all: Record<string, string> = {
    'allow-paths-outside-workspace': 'true',
    namespace: ns,
    steps: '50,100',
    'gate-wait': '0',
    timeout: '60s',
    'run-id': `t-${Date.now()}`,
    ...extra,
  };
  const error = await runCanaryAction({
    source: (n) => all[n] ?? '',
    state: memoryState(),
    signal: new AbortController().signal,
    setOutput: (k, v) => void (outputs[k] = v),
    writeSummary: async (md) => void (summary = md),
    log: () => undefined,
    ...(runGate ? { runGate } : {}),
  }).then(
    () => undefined,
    (e: Error) => e,
  );
  return { outputs, summary, error };
}

const deploy = (v: string) => run({ manifests: manifest(v) });
const rollback = (extra: Record<string, string> = {}, runGate?: Parameters<typeof run>[1]) =>
  run({ action: 'rollback', app: 'web', ...extra }, runGate);
const web = () => kubectlGet(sb, ns, 'deployment web');
const record = () => JSON.parse(web()?.metadata.annotations?.['hac.dev/canary'] ?? 'null');
const serving = () => {
  const d = web();
  return {
    image: d.spec.template.spec.containers[0].image,
    version: d.spec.template.metadata.labels.version,
    ready: d.status.readyReplicas,
  };
};

async function v1ThenV2(): Promise<void> {
  ns = createNamespace(sb, 'canary-rb');
  expect((await deploy('v1')).outputs.verdict).toBe('initial');
  watcher = watchInvariant(sb, ns, 'web');
  await watcher.waitReady(1, 30_000);
  const v2 = await deploy('v2');
  expect(v2.error).toBeUndefined();
  expect(v2.outputs.verdict).toBe('promoted');
  expect(serving()).toEqual({ image: `${REG}:v2`, version: 'v2', ready: 4 });
}

describe('k8s-canary rollback after promote', () => {
  test('v1, v2 promoted; dry-run rollback; rollback steps back to v1 through the gates; rollback again → no-op', async () => {
    await v1ThenV2();
    // The previous version's template is recorded after promote.
    const prev = JSON.parse(web().metadata.annotations['hac.dev/previous-template']);
    expect(prev.spec.containers[0].image).toBe(`${REG}:v1`);

    const before = resourceVersions(sb, ns);
    const dry = await rollback({ 'dry-run': 'true' });
    expect(dry.error).toBeUndefined();
    expect(dry.outputs.verdict).toBe('planned');
    expect(resourceVersions(sb, ns)).toEqual(before);

    hits.n = 0;
    const back = await rollback({ 'canary-urls': url, 'stable-urls': url });
    expect(back.error).toBeUndefined();
    expect(hits.n).toBeGreaterThanOrEqual(2);
    expect(back.outputs).toMatchObject({
      verdict: 'rolled-back',
      image: `${REG}:v1`,
      'previous-image': `${REG}:v2`,
      version: 'v1',
    });
    expect(back.summary).toMatch(/\| 1 \| 50% \|/);
    expect(serving()).toEqual({ image: `${REG}:v1`, version: 'v1', ready: 4 });
    expect(kubectlGet(sb, ns, 'deployment web-canary')).toBeUndefined();
    expect(record()).toMatchObject({
      phase: 'promoted',
      image: `${REG}:v1`,
      rollback: { from: `${REG}:v2`, to: `${REG}:v1` },
    });

    const settled = resourceVersions(sb, ns);
    const again = await rollback();
    expect(again.error).toBeUndefined();
    expect(again.outputs.verdict).toBe('rolled-back');
    expect(again.outputs['rollback-reason']).toMatch(/already rolled back from .*v2 to .*v1.*nothing to do/);
    expect(resourceVersions(sb, ns)).toEqual(settled);
  }, 200_000);

  test('v3 after v2: rollback-to v1 refused before any write; confirmed, v1 is restored', async () => {
    await v1ThenV2();
    expect((await deploy('v3')).outputs.verdict).toBe('promoted');
    const before = resourceVersions(sb, ns);
    const refused = await rollback({ 'rollback-to': `${REG}:v1` });
    expect(refused.error?.message).toMatch(
      /Cannot roll back web to registry\.example\/web:v1: the app has moved on to registry\.example\/web:v3, which replaced registry\.example\/web:v2.*Nothing was changed/,
    );
    expect(resourceVersions(sb, ns)).toEqual(before);
    expect(serving().image).toBe(`${REG}:v3`);

    const back = await rollback({ 'rollback-to': `${REG}:v1`, 'confirm-rollback': 'true' });
    expect(back.error).toBeUndefined();
    expect(serving()).toEqual({ image: `${REG}:v1`, version: 'v1', ready: 4 });
    expect(record().rollback).toMatchObject({ from: `${REG}:v3`, to: `${REG}:v1` });
  }, 200_000);

  test('gateway-api: the rollback takes the route from the record and steps the HTTPRoute weights back', async () => {
    ns = createNamespace(sb, 'canary-rb');
    expect((await deploy('v1')).outputs.verdict).toBe('initial');
    kubectlApply(
      sb,
      ns,
      `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: ${ns}}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`,
    );
    watcher = watchInvariant(sb, ns, 'web');
    await watcher.waitReady(1, 30_000);
    const v2 = await run({ manifests: manifest('v2'), route: 'gateway-api', 'http-route': 'web' });
    expect(v2.outputs.verdict).toBe('promoted');
    const original = kubectlGet(sb, ns, 'httproute web').spec.rules[0].backendRefs;

    const weights: string[] = [];
    const back = await rollback({ 'canary-urls': url }, async () => {
      const hr = kubectlGet(sb, ns, 'httproute web');
      weights.push(hr.spec.rules[0].backendRefs.map((b: any) => `${b.name}=${b.weight}`).join(','));
      return { passed: true, checks: [], durationMs: 0 } as never;
    });
    expect(back.error).toBeUndefined();
    expect(back.outputs.verdict).toBe('rolled-back');
    expect(weights).toEqual(['web=50,web-canary=50', 'web=0,web-canary=100']);
    expect(kubectlGet(sb, ns, 'httproute web').spec.rules[0].backendRefs).toEqual(original);
    expect(serving()).toEqual({ image: `${REG}:v1`, version: 'v1', ready: 4 });
    expect(kubectlGet(sb, ns, 'service web-canary')).toBeUndefined();
  }, 200_000);
});
