// k8s-canary while kube-apiserver restarts in the middle of a run (one scenario, in its own file:
// the restart disrupts every suite using the sandbox at the same time). The run must retry and
// either complete (promoted) or roll back cleanly; kubectl checks the end state, and a watcher that
// resumes across the outage checks that the live Service never had zero ready endpoints.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { runCanaryAction } from '../../../packages/k8s/canary/action.js';
import { type CanaryResult } from '../../../packages/k8s/canary/types.js';
import {
  createNamespace,
  deleteNamespace,
  jsonStreamSplitter,
  k8sSandbox,
  kubectl,
  kubectlApply,
  kubectlGet,
  webYaml,
} from '../../support/k8s.js';
import { REPO_ROOT, type SandboxEnv } from '../../support/sandbox.js';

const sb = k8sSandbox();
process.env.KUBECONFIG = sb.kubeconfig;
const REPO = sb.baseImage.replace(/:.*$/, '');

/**
 * The ready endpoints behind Service `service`, watched through the raw API with kubectl: when the
 * watch breaks (apiserver down) it resumes from the last resourceVersion seen, so no event is lost;
 * only when the apiserver answers 410 Gone does it list again (counted in `relists`).
 */
function resumingWatcher(env: SandboxEnv, namespace: string, service: string) {
  const base = `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${service}`)}`;
  const slices = new Map<string, number>();
  const samples: { at: number; ready: number; event: string }[] = [];
  const violations: typeof samples = [];
  let rv = '';
  let armed = false;
  let stopped = false;
  let child: ChildProcess | undefined;
  let gone = false;
  const stats = { reconnects: 0, relists: 0 };
  const record = (event: string) => {
    const ready = [...slices.values()].reduce((a, b) => a + b, 0);
    const last = samples[samples.length - 1];
    if (last && last.ready === ready) return;
    const s = { at: Date.now(), ready, event };
    samples.push(s);
    if (ready > 0) armed = true;
    else if (armed) violations.push(s);
  };
  const readyOf = (o: { endpoints?: { conditions?: { ready?: boolean } }[] }) =>
    (o.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
  const list = () => {
    const r = spawnSync(env.kubectl, ['--kubeconfig', env.kubeconfig, 'get', '--raw', base], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (r.status !== 0) return false;
    const body = JSON.parse(r.stdout);
    slices.clear();
    for (const o of body.items) slices.set(o.metadata.name, readyOf(o));
    rv = body.metadata.resourceVersion;
    record('LIST');
    return true;
  };
  const watch = () => {
    if (stopped) return;
    child = spawn(
      env.kubectl,
      [
        '--kubeconfig',
        env.kubeconfig,
        'get',
        '--raw',
        `${base}&watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.setEncoding('utf8');
    child.stdout?.on(
      'data',
      jsonStreamSplitter((ev) => {
        if (ev.type === 'ERROR') {
          if (ev.object?.code === 410) gone = true;
          return;
        }
        rv = ev.object?.metadata?.resourceVersion ?? rv;
        if (ev.type === 'BOOKMARK') return;
        const name = ev.object.metadata.name as string;
        if (ev.type === 'DELETED') slices.delete(name);
        else slices.set(name, readyOf(ev.object));
        record(`${ev.type} ${name}`);
      }),
    );
    // A watch refused outright with 410 (resourceVersion too old) fails without an ERROR event.
    child.stderr?.on('data', (d) => {
      if (/410|too old|Expired|Gone/i.test(String(d))) gone = true;
    });
    child.on('exit', () => {
      if (stopped) return;
      stats.reconnects++;
      setTimeout(reconnect, 500);
    });
  };
  const reconnect = () => {
    if (stopped) return;
    if (gone) {
      if (!list()) return void setTimeout(reconnect, 500);
      stats.relists++;
      gone = false;
    }
    watch();
  };
  for (let i = 0; !list(); i++) if (i > 20) throw new Error('cannot list EndpointSlices');
  watch();
  return {
    samples,
    violations,
    stats,
    ready: () => [...slices.values()].reduce((a, b) => a + b, 0),
    stop: async () => {
      await new Promise((r) => setTimeout(r, 500));
      stopped = true;
      child?.kill('SIGTERM');
    },
  };
}

/** Runs a sandbox command (scripts/sandbox/cli.mjs) without blocking the event loop. */
function sandbox(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    let out = '';
    const p = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts', 'sandbox', 'cli.mjs'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.stdout.on('data', (d) => (out += String(d)));
    p.stderr.on('data', (d) => (out += String(d)));
    p.on('exit', (code) => resolve({ code, out }));
  });
}

/**
 * kube-controller-manager and kube-scheduler exit when they lose leader election during the
 * outage, which can happen after restart-apiserver has checked them. A real control plane restarts
 * them (kubelet, systemd); here a second restart-apiserver (no down time) starts what is not running.
 */
async function reviveControllers(): Promise<void> {
  for (let i = 0; i < 15; i++) {
    const { out } = await sandbox(['status', '--json']);
    const k8s = (
      JSON.parse(out) as { components: { name: string; state: string; detail: string }[] }
    ).components.find((c) => c.name === 'k8s');
    if (k8s?.state !== 'running') {
      console.warn(`sandbox k8s ${k8s?.state}: ${k8s?.detail}; restarting what is not running`);
      const again = await sandbox(['restart-apiserver']);
      expect(again.code).toBe(0);
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

let ns = '';
afterAll(() => {
  if (ns) deleteNamespace(sb, ns);
});

async function until(what: string, fn: () => boolean, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!fn()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('kube-apiserver restarted during a canary: the run retries and promotes or rolls back cleanly', async () => {
  ns = createNamespace(sb, 'canary-restart');
  kubectlApply(sb, ns, webYaml({ image: `${REPO}:v1`, version: 'v1', service: true }));
  kubectl(sb, ['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-canary-restart-'));
  const manifests = path.join(dir, 'web.yaml');
  fs.writeFileSync(manifests, webYaml({ image: `${REPO}:v2`, version: 'v2' }));
  const watcher = resumingWatcher(sb, ns, 'web');
  await until('4 ready endpoints', () => watcher.ready() >= 4);

  // The client's retries are logged through the runner's info (stdout).
  const stdout: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    stdout.push(String(chunk));
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;

  const logs: string[] = [];
  const inputs: Record<string, string> = {
    // The manifests are written to a temporary directory, outside the workspace.
    'allow-paths-outside-workspace': 'true',
    namespace: ns,
    manifests,
    steps: '25,50,100',
    pause: '0,3s',
    timeout: '3m',
    'gate-wait': '0',
    'run-id': `restart-${Date.now()}`,
  };
  const started = Date.now();
  const run = runCanaryAction({
    source: (n) => inputs[n] ?? '',
    state: memoryState(),
    signal: new AbortController().signal,
    setOutput: () => undefined,
    writeSummary: async () => undefined,
    log: (l) => void logs.push(`${Date.now() - started}ms ${l}`),
  }).then(
    (result): { result?: CanaryResult; error?: Error } => ({ result }),
    (error: Error) => ({ error }),
  );

  let restart: { code: number | null; out: string };
  let outcome: { result?: CanaryResult; error?: Error };
  try {
    // Restart while step 2 soaks: step 3's writes and rollout wait then meet the outage.
    await until('the pause of step 2', () =>
      logs.some((l) => /Pausing 3s before the gates of step 2/.test(l)),
    );
    restart = await sandbox(['restart-apiserver', '--down-seconds', '5']);
    await reviveControllers();
    outcome = await run;
  } finally {
    process.stdout.write = write;
    await watcher.stop();
  }
  const retries = stdout
    .join('')
    .split('\n')
    .filter((l) => /^retrying /.test(l));
  console.log(
    `apiserver restart (${restart.out.trim().split('\n').pop()}): ${outcome.result?.verdict ?? outcome.error?.message}; ${retries.length} retried requests; ` +
      `watcher reconnects ${watcher.stats.reconnects}, relists ${watcher.stats.relists}; ` +
      `ready endpoints ${watcher.samples.map((s) => s.ready).join(' → ')}; invariant violations ${watcher.violations.length}\n` +
      logs.join('\n'),
  );
  expect(restart.code).toBe(0);
  expect(restart.out).toMatch(/kube-apiserver back/);
  // The outage was met mid-run: requests were retried, and the watcher had to reconnect.
  expect(retries.length).toBeGreaterThan(0);
  expect(watcher.stats.reconnects).toBeGreaterThan(0);

  // Either outcome is acceptable; a half-done state is not (checked with kubectl).
  const web = kubectlGet(sb, ns, 'deployment web');
  const rec = JSON.parse(web.metadata.annotations['hac.dev/canary']);
  const promoted = outcome.result?.verdict === 'promoted';
  if (promoted) {
    expect(outcome.error).toBeUndefined();
    expect(rec.phase).toBe('promoted');
    expect(web.spec.template.spec.containers[0].image).toBe(`${REPO}:v2`);
  } else {
    expect(outcome.error?.message).toMatch(/^Canary of web rolled back: /);
    expect(rec.phase).toBe('aborted');
    expect(web.spec.template.spec.containers[0].image).toBe(`${REPO}:v1`);
  }
  expect(web.spec.replicas).toBe(4);
  kubectl(sb, ['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
  expect(kubectlGet(sb, ns, 'deployment web-canary')).toBeUndefined();
  expect(kubectlGet(sb, ns, 'lease hac-web')?.spec.holderIdentity ?? '').toBe('');
  expect(watcher.samples.length).toBeGreaterThan(1);
  expect(watcher.violations).toEqual([]);
}, 300_000);
