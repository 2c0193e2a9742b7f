// k8s-canary under cancellation and contention, against the sandbox's real control plane:
// - the built action (main and post bundles) gets SIGTERM or SIGKILL while paused at step 2; main
//   rolls back itself (SIGTERM) or the post step restores from the saved state (SIGKILL);
// - two runs of one app are serialised by the Lease (the second waits, even past the Lease's
//   duration, then proceeds; or fails clearly after lock-timeout, having written nothing).
// Every result is checked with kubectl, and the invariant watcher records the live Service's
// EndpointSlices throughout.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { runCanaryAction } from '../../../packages/k8s/canary/action.js';
import { type CanaryResult } from '../../../packages/k8s/canary/types.js';
import {
  createNamespace,
  deleteNamespace,
  k8sSandbox,
  kubectl,
  kubectlApply,
  kubectlGet,
  watchInvariant,
  webYaml,
  type InvariantWatcher,
} from '../../support/k8s.js';
import { actionEnv, parseRunnerFile, runNode } from '../../support/k8s-bundle.js';
import { REPO_ROOT } from '../../support/sandbox.js';
import { committedDist } from '../../support/shared-build.js';

const sb = k8sSandbox();
process.env.KUBECONFIG = sb.kubeconfig;
const REPO = sb.baseImage.replace(/:.*$/, '');
const V1 = `${REPO}:v1`;

/**
 * The committed k8s-canary bundle when it is current (committedDist), else one built
 * (scripts/build.mjs, HAC_BUILD_ONLY) once per source state, in a child process: the suite starts
 * it first and runs the Lease tests (in process) while it builds.
 */
async function canaryBundle(): Promise<{ main: string; post: string }> {
  const committed = committedDist();
  if (committed)
    return {
      main: path.join(committed, 'k8s-canary', 'index.js'),
      post: path.join(committed, 'k8s-canary', 'post.js'),
    };
  const h = crypto.createHash('sha256');
  const walk = (dir: string) => {
    for (const f of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, f);
      if (fs.statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) h.update(p).update(fs.readFileSync(p));
    }
  };
  for (const d of ['packages/k8s', 'packages/toolkit', 'packages/probe', 'actions/k8s-canary'])
    walk(path.join(REPO_ROOT, d));
  const out = path.join(os.tmpdir(), `hac-dist-canary-${h.digest('hex').slice(0, 12)}`);
  const bundle = {
    main: path.join(out, 'k8s-canary', 'index.js'),
    post: path.join(out, 'k8s-canary', 'post.js'),
  };
  if (fs.existsSync(bundle.main) && fs.existsSync(bundle.post)) return bundle;
  const tmp = `${out}.${process.pid}`;
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs'), tmp], {
    env: { ...process.env, HAC_BUILD_ONLY: 'k8s-canary' },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 600_000,
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  const end = await new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve(signal ? `killed by ${signal}, past the 600 s limit or stopped` : `exit ${code}`),
    );
  });
  if (end !== 'exit 0') throw new Error(`building k8s-canary failed (${end}): ${stderr}`);
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(tmp, out);
  return bundle;
}

function stableYaml(replicas = 4): string {
  return webYaml({ image: V1, version: 'v1', replicas, service: true });
}

/** The next release's manifests (the Deployment only; the live Service stays as it is). */
function manifestFile(dir: string, version: string): string {
  const file = path.join(dir, `web-${version}.yaml`);
  fs.writeFileSync(file, webYaml({ image: `${REPO}:${version}`, version }));
  return file;
}

let ns = '';
let dir = '';
let watcher: InvariantWatcher | undefined;
let violations = 0;

async function fresh(prefix: string): Promise<void> {
  ns = createNamespace(sb, prefix);
  kubectlApply(sb, ns, stableYaml());
  kubectl(sb, ['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
  watcher = watchInvariant(sb, ns, 'web');
  await watcher.waitReady(4, 30_000);
}

let bundle: Promise<{ main: string; post: string }>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-canary-res-'));
  bundle = canaryBundle();
  bundle.catch(() => undefined); // awaited (and reported) by the signal tests
});

afterEach(async () => {
  if (watcher) {
    const w = await watcher.stop();
    violations += w.violations.length;
    watcher = undefined;
    expect(w.violations).toEqual([]);
  }
  if (ns) deleteNamespace(sb, ns);
  ns = '';
});

afterAll(() => console.log(`k8s-canary resilience invariant watcher: ${violations} violations`));

const dep = (name: string) => kubectlGet(sb, ns, `deployment ${name}`);
const record = () => JSON.parse(dep('web')?.metadata.annotations?.['hac.dev/canary'] ?? 'null');
const leaseHolder = () => kubectlGet(sb, ns, 'lease hac-web')?.spec.holderIdentity ?? '';

async function until(what: string, fn: () => boolean, timeoutMs = 90_000): Promise<void> {
  const start = Date.now();
  while (!fn()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Checked with kubectl: stable back at 4 ready v1 pods, the canary gone, the Lease free. */
function expectRestored(): void {
  const web = dep('web');
  expect(web.spec.replicas).toBe(4);
  expect(web.status.readyReplicas).toBe(4);
  expect(web.spec.template.spec.containers[0].image).toBe(V1);
  expect(web.spec.template.metadata.labels.version).toBe('v1');
  expect(dep('web-canary')).toBeUndefined();
  expect(kubectlGet(sb, ns, 'service web').spec.selector).toEqual({ app: 'web' });
  expect(record()).toMatchObject({ phase: 'aborted' });
  expect(leaseHolder()).toBe('');
}

interface Outcome {
  result?: CanaryResult;
  error?: Error;
}

describe('two concurrent runs of one app', () => {
  async function start(runId: string, version: string, extra: Record<string, string>) {
    const logs: string[] = [];
    const state = memoryState();
    const all: Record<string, string> = {
      // The manifests are written to a temporary directory, outside the workspace.
      'allow-paths-outside-workspace': 'true',
      namespace: ns,
      manifests: manifestFile(dir, version),
      steps: '50,100',
      timeout: '60s',
      'gate-wait': '0',
      'run-id': runId,
      ...extra,
    };
    const done = runCanaryAction({
      source: (n) => all[n] ?? '',
      state,
      signal: new AbortController().signal,
      setOutput: () => undefined,
      writeSummary: async () => undefined,
      log: (l) => void logs.push(l),
    }).then(
      (result): Outcome => ({ result }),
      (error: Error): Outcome => ({ error }),
    );
    return { logs, state, done };
  }

  test('the second waits for the first (past the Lease duration, which the first renews), then proceeds', async () => {
    await fresh('canary-lock');
    // A soaks 65 s at step 1: longer than the Lease's 60 s, so only renewal keeps B out.
    const a = await start('run-a', 'v2', { pause: '65s', 'lock-timeout': '30s' });
    await until('run-a to hold the Lease', () => leaseHolder() === 'run-a', 30_000);
    const b = await start('run-b', 'v3', { 'lock-timeout': '3m' });
    const ra = await a.done;
    expect(ra.error).toBeUndefined();
    expect(ra.result?.verdict).toBe('promoted');
    const rb = await b.done;
    expect(rb.error).toBeUndefined();
    expect(rb.result?.verdict).toBe('promoted');
    expect(b.logs.join('\n')).toMatch(/Waiting for Lease hac-web held by run-a/);
    expect(b.logs.join('\n')).not.toMatch(/Lease renewal failed/);
    expect(a.logs.join('\n')).not.toMatch(/Lease renewal failed/);
    // B started from A's result: its previous image is what A promoted.
    expect(rb.result?.previousImage).toBe(`${REPO}:v2`);
    const web = dep('web');
    expect(web.spec.template.spec.containers[0].image).toBe(`${REPO}:v3`);
    expect(web.status.readyReplicas).toBe(4);
    expect(record()).toMatchObject({ runId: 'run-b', phase: 'promoted', previousImage: `${REPO}:v2` });
    expect(dep('web-canary')).toBeUndefined();
    expect(leaseHolder()).toBe('');
  }, 300_000);

  test('after lock-timeout the second fails clearly, having written nothing', async () => {
    await fresh('canary-lock-timeout');
    const a = await start('run-c', 'v2', { pause: '8s', 'lock-timeout': '30s' });
    await until('run-c to hold the Lease', () => leaseHolder() === 'run-c', 30_000);
    const b = await start('run-d', 'v3', { 'lock-timeout': '2s' });
    const rb = await b.done;
    expect(rb.error?.message).toMatch(/^Another run \(run-c\) holds Lease hac-web; waited [23]s for it\./);
    expect((rb.error as { hint?: string }).hint).toMatch(/raise lock-timeout/);
    // B never reached a write: no post-step state, and A's canary is untouched.
    expect(b.state.get('canary-session')).toBeUndefined();
    expect(record()).toMatchObject({ runId: 'run-c', phase: 'progressing' });
    expect(leaseHolder()).toBe('run-c');
    const ra = await a.done;
    expect(ra.result?.verdict).toBe('promoted');
    expect(dep('web').spec.template.spec.containers[0].image).toBe(`${REPO}:v2`);
    expect(record()).toMatchObject({ runId: 'run-c', phase: 'promoted' });
    expect(leaseHolder()).toBe('');
  }, 180_000);
});

// After the Lease tests, so that the bundle (started in beforeAll) builds while they run.
describe.each([
  ['SIGTERM', 'main rolls back itself; post finds nothing to do'],
  ['SIGKILL', 'post restores the last safe state from the saved state'],
] as const)('%s while paused at step 2: %s', (sig, _what) => {
  test('the canary is gone, stable has its full replicas and original image', async () => {
    const { main: mainJs, post: postJs } = await bundle;
    await fresh(`canary-${sig.toLowerCase()}`);
    const runner = fs.mkdtempSync(path.join(dir, 'runner-'));
    const runId = `sig-${sig.toLowerCase()}-${Date.now()}`;
    const env = actionEnv(
      {
        'allow-paths-outside-workspace': 'true',
        namespace: ns,
        manifests: manifestFile(dir, 'v2'),
        steps: '25,50,100',
        pause: '0,10m',
        timeout: '60s',
        'gate-wait': '0',
        'run-id': runId,
      },
      runner,
      { KUBECONFIG: sb.kubeconfig },
    );
    const main = runNode(mainJs, env);
    let out = '';
    main.child.stdout?.on('data', (d) => (out += String(d)));
    // Paused before the gates of step 2 (50 %: stable 2, canary 2).
    await until('the pause at step 2', () => /Pausing 600s before the gates of step 2/.test(out));
    expect(dep('web-canary').status.readyReplicas).toBe(2);
    expect(dep('web').spec.replicas).toBe(2);
    expect(record()).toMatchObject({ runId, phase: 'progressing', weight: 50 });
    expect(leaseHolder()).toBe(runId);
    main.child.kill(sig);
    const res = await main.done;
    if (sig === 'SIGTERM') {
      expect(res.code).not.toBe(0);
      expect(res.stdout).toMatch(/Rolling back: /);
      expect(parseRunnerFile(env.GITHUB_OUTPUT as string)).toMatchObject({
        verdict: 'rolled-back',
        weight: '0',
      });
      // main restored everything itself, the Lease included (released with a fresh signal).
      expectRestored();
    } else {
      expect(res.signal).toBe('SIGKILL');
      expect(dep('web-canary')).toBeDefined();
      expect(dep('web').spec.replicas).toBe(2);
    }
    expect(res.stdout).toMatch(/Pausing 600s before the gates of step 2/);

    // The post step, with the state main saved (GITHUB_STATE → STATE_* variables).
    const state = parseRunnerFile(env.GITHUB_STATE as string);
    expect(Object.keys(state)).toEqual(expect.arrayContaining(['canary-session']));
    expect(JSON.parse(state['canary-session'] as string)).toMatchObject({
      namespace: ns,
      name: 'web',
      runId,
    });
    const postEnv: NodeJS.ProcessEnv = { ...env };
    for (const [k, v] of Object.entries(state)) postEnv[`STATE_${k}`] = v;
    const post = await runNode(postJs, postEnv).done;
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(
      sig === 'SIGTERM' ? /main finished; nothing to restore/ : /aborted the canary main left/,
    );
    expectRestored();
  }, 600_000);
});
