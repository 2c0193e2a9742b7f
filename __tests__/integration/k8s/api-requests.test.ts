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
import { manifests, runBlueGreen, runCanaryInputs } from '../../support/k8s-run.js';
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

// The request budget of a blue-green release with the route service (main and post).
const BLUEGREEN_RELEASE_BUDGET = 16;

describe('api-requests equals the audit log', () => {
  test('k8s-bluegreen: a first deploy and a release (main + post)', async () => {
    const file = (img: string) => {
      const f = path.join(dir, `${img.replace(/\W/g, '_')}.yaml`);
      fs.writeFileSync(f, manifests('cnt', img, { replicas: 4 }));
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
      // The release (v1 live, v2 deployed; main + post): a count, not a timing.
      if (i === 1) expect(audited.length).toBeLessThanOrEqual(BLUEGREEN_RELEASE_BUDGET);
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
});

/** One k8s-canary job (main, then its post step, as the runner runs them) as `user`; its requests, audited. */
async function canaryJob(user: string, inputs: Record<string, string>) {
  const from = auditSize();
  const started = Date.now();
  const state = memoryState();
  const { outputs, error } = await runCanaryInputs(inputs, state);
  if (error) throw error;
  const post: string[] = [];
  const note = await runCanaryPost({ state, log: (l) => post.push(l) });
  const ms = Date.now() - started;
  const audited = await auditedRequests(from, user);
  return { outputs, note, post, audited, ms };
}

/** The app web on v1 (`replicas` pods, with its Service) and the v2 manifest file. */
function webV1(replicas: number): string {
  const repo = sb.baseImage.replace(/:.*$/, '');
  kubectlApply(sb, ns, webYaml({ image: `${repo}:v1`, version: 'v1', replicas, service: true }));
  kubectl(sb, ['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
  const file = path.join(dir, `web-v2-${replicas}.yaml`);
  fs.writeFileSync(file, webYaml({ image: `${repo}:v2`, version: 'v2', replicas }));
  return file;
}

// The request budget of a canary release (main and post of every job): a count, not a timing.
// 25% then promote in two jobs makes 20 (the target is 22): a free Lease is one write.
const CANARY_BUDGET = 20;

/**
 * Lease renewals are timing, not work: one every 20 s (a third of the Lease's 60 s) a job runs, on
 * top of its two Lease writes (take, release). A slow machine may see them; they are not counted.
 */
function renewals(job: { audited: string[]; ms: number }): number {
  const writes = job.audited.filter((r) => /^(create|update) .*\/leases/.test(r)).length;
  return Math.min(Math.floor(job.ms / 20_000), Math.max(0, writes - 2));
}

/** The jobs' requests within the budget; over it, the requests are printed to show where they went. */
function expectWithinBudget(...jobs: { audited: string[]; ms: number }[]): void {
  const all = jobs.flatMap((j) => j.audited);
  const counted = all.length - jobs.reduce((n, j) => n + renewals(j), 0);
  if (counted > CANARY_BUDGET) console.log(`${counted} requests:\n${all.join('\n')}`);
  expect(counted).toBeLessThanOrEqual(CANARY_BUDGET);
}

describe('k8s-canary requests', () => {
  const common = (manifests: string) => ({
    'allow-paths-outside-workspace': 'true',
    namespace: ns,
    manifests,
    'gate-wait': '0',
    timeout: '60s',
  });

  test('a 2-step canary (main + post)', async () => {
    const file = webV1(2);
    const job = await canaryJob(identity('canary'), { ...common(file), steps: '50,100' });
    expect({ note: job.note, post: job.post }).toEqual({
      note: 'main finished; nothing to restore',
      post: [],
    });
    expect(job.outputs.verdict).toBe('promoted');
    expect(Number(job.outputs['api-requests'])).toBe(job.audited.length);
    expectWithinBudget(job);
  }, 90_000);

  test('25% then promote: two jobs with their post steps, 4 replicas', async () => {
    const file = webV1(4);
    const deploy = await canaryJob(identity('canary-25'), { ...common(file), steps: '25', 'run-id': 'r-25' });
    expect(deploy.outputs).toMatchObject({ verdict: 'paused', weight: '25' });
    const promote = await canaryJob(identity('canary-promote'), {
      namespace: ns,
      action: 'promote',
      app: 'web',
      'run-id': 'r-25',
      timeout: '60s',
    });
    expect(promote.outputs.verdict).toBe('promoted');
    for (const job of [deploy, promote]) {
      // main recorded that it ended cleanly: post opens no session (the audit counts it in all the same).
      expect({ note: job.note, post: job.post }).toEqual({
        note: 'main finished; nothing to restore',
        post: [],
      });
      expect(Number(job.outputs['api-requests'])).toBe(job.audited.length);
    }
    expectWithinBudget(deploy, promote);
    const web = JSON.parse(kubectl(sb, ['-n', ns, 'get', 'deployment/web', '-o', 'json']).stdout) as {
      spec: { replicas: number; template: { metadata: { labels: { version: string } } } };
    };
    expect({ replicas: web.spec.replicas, version: web.spec.template.metadata.labels.version }).toEqual({
      replicas: 4,
      version: 'v2',
    });
  }, 120_000);
});
