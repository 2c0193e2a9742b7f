// The `api-requests` output counts every request main makes, the final Lease release included:
// compared with the apiserver's audit log (one event ID per request, by the run's own
// ServiceAccount, which is unique to the test's namespace). The post step cannot add to main's
// outputs (it runs after every step); it logs its own count, which is compared the same way.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { runBlueGreenPost } from '../../../packages/k8s/bluegreen/post.js';
import { runCanaryAction } from '../../../packages/k8s/canary/action.js';
import { runCanaryPost } from '../../../packages/k8s/canary/entry.js';
import {
  createNamespace,
  deleteNamespace,
  k8sSandbox,
  kubectl,
  kubectlApply,
  webYaml,
} from '../../support/k8s.js';
import { matrixDeployer } from '../../support/k8s-matrix.js';
import { manifests, runBlueGreen } from '../../support/k8s-run.js';
import type { SandboxEnv } from '../../support/sandbox.js';

let sb: SandboxEnv;
let ns: string;
let dir: string;

beforeAll(() => {
  sb = k8sSandbox();
  ns = createNamespace(sb, 'hac-apireq');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-apireq-'));
});
afterAll(() => deleteNamespace(sb, ns));

const auditSize = () => fs.statSync(sb.auditLog).size;

/** Distinct requests by `user` in the audit log since byte `from`, once the log stops growing for them. */
async function auditedRequests(from: number, user: string): Promise<string[]> {
  let last = -1;
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const events = fs
      .readFileSync(sb.auditLog, 'utf8')
      .slice(from)
      .split('\n')
      .filter(Boolean)
      .map(
        (l) =>
          JSON.parse(l) as { auditID: string; user: { username: string }; verb: string; requestURI: string },
      )
      .filter((e) => e.user.username === user);
    const byId = new Map(events.map((e) => [e.auditID, `${e.verb} ${e.requestURI}`]));
    if (byId.size === last) return [...byId.values()];
    last = byId.size;
  }
  throw new Error(`the audit log kept growing for ${user}`);
}

/** A ServiceAccount of its own for one run (so that audit events are counted by user). */
function identity(name: string): string {
  process.env.KUBECONFIG = matrixDeployer(sb, ns, dir, name);
  return `system:serviceaccount:${ns}:${name}`;
}

describe('api-requests equals the audit log', () => {
  test('k8s-bluegreen: a first deploy and a release (main + post)', async () => {
    const file = (img: string) => {
      const f = path.join(dir, `${img.replace(/\W/g, '_')}.yaml`);
      fs.writeFileSync(f, manifests('cnt', img, { replicas: 1 }));
      return f;
    };
    for (const [i, img] of ['registry.example/cnt:1', 'registry.example/cnt:2'].entries()) {
      const user = identity(`bg-${i}`);
      const from = auditSize();
      const progress = memoryState();
      const r = await runBlueGreen(sb, ns, { manifests: file(img) }, { ownSession: true, progress });
      expect(r.error).toBeUndefined();
      const post = await runBlueGreenPost(progress, { log: () => undefined });
      const audited = await auditedRequests(from, user);
      expect({ output: Number(r.outputs['api-requests']), post: post.requests ?? 0 }).toEqual({
        output: audited.length,
        post: 0,
      });
      expect(audited.at(-1)).toMatch(/^update .*\/leases\/hac-cnt/);
    }
  }, 60_000);

  test('k8s-bluegreen post with work (a Lease main may hold): its logged count equals the audit log', async () => {
    const user = identity('bg-post');
    const from = auditSize();
    const progress = memoryState();
    progress.save('k8s-bluegreen', {
      v: 1,
      namespace: ns,
      app: 'cnt-post',
      runId: 'r-post',
      stage: 'started',
      lease: 'hac-cnt-post',
      kubeconfigPath: path.join(dir, 'kubeconfig-bg-post'),
    });
    const logs: string[] = [];
    const post = await runBlueGreenPost(progress, { log: (l) => logs.push(l) });
    const audited = await auditedRequests(from, user);
    expect(post.requests).toBe(audited.length);
    expect(post.requests).toBeGreaterThan(0);
    expect(logs.join('\n')).toContain(`post: ${audited.length} API requests`);
  }, 30_000);

  test('k8s-canary: a 2-step canary (main + post)', async () => {
    const repo = sb.baseImage.replace(/:.*$/, '');
    kubectlApply(sb, ns, webYaml({ image: `${repo}:v1`, version: 'v1', replicas: 2, service: true }));
    kubectl(sb, ['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    const file = path.join(dir, 'web-v2.yaml');
    fs.writeFileSync(file, webYaml({ image: `${repo}:v2`, version: 'v2', replicas: 2 }));
    const user = identity('canary');
    const from = auditSize();
    const outputs: Record<string, string> = {};
    const inputs: Record<string, string> = {
      'allow-paths-outside-workspace': 'true',
      namespace: ns,
      manifests: file,
      steps: '50,100',
      'gate-wait': '0',
      timeout: '60s',
    };
    const state = memoryState();
    await runCanaryAction({
      source: (n) => inputs[n] ?? '',
      state,
      signal: new AbortController().signal,
      setOutput: (k, v) => void (outputs[k] = v),
      writeSummary: async () => undefined,
      log: () => undefined,
    });
    expect(await runCanaryPost({ state, log: () => undefined })).toMatch(/main finished/);
    const audited = await auditedRequests(from, user);
    expect(outputs.verdict).toBe('promoted');
    expect(Number(outputs['api-requests'])).toBe(audited.length);
  }, 90_000);
});
