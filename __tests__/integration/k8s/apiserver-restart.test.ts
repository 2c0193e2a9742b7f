// kube-apiserver restarted in the middle of a run: every request is retried on connection refused
// or 5xx, watches reconnect, and the run completes (or rolls back) with a consistent cluster.
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createNamespace, deleteNamespace, k8sSandbox, kubectlGet } from '../../support/k8s.js';
import { manifests, runBlueGreen } from '../../support/k8s-run.js';
import { REPO_ROOT, type SandboxEnv } from '../../support/sandbox.js';

const REG = 'registry.example/web';
let sb: SandboxEnv;
let ns: string;
let dir: string;

beforeAll(() => {
  sb = k8sSandbox();
  ns = createNamespace(sb, 'hac-restart');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-restart-'));
});
afterAll(() => deleteNamespace(sb, ns));

const PID_FILE = path.join(
  process.env.HAC_RUN_DIR || path.join(os.homedir(), '.cache', 'hac', 'run'),
  'kwok',
  'clusters',
  'hac',
  'pids',
  'kube-apiserver.pid',
);
const apiserverPid = () => fs.readFileSync(PID_FILE, 'utf8').trim();

function restartApiserver(downSeconds: number): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'scripts/sandbox/cli.mjs'),
        'restart-apiserver',
        '--kill',
        '--down-seconds',
        String(downSeconds),
      ],
      { stdio: 'ignore' },
    );
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

describe('kube-apiserver restarted mid-run', () => {
  test('the deploy survives the restart and completes; the cluster is consistent', async () => {
    const app = 'restart';
    const file = path.join(dir, 'app.yaml');
    fs.writeFileSync(file, manifests(app, `${REG}:1.0`));
    expect((await runBlueGreen(sb, ns, { manifests: file })).error).toBeUndefined();

    // The preview endpoint starts the restart and answers once the apiserver is down, so the
    // readiness check, the switch, scaling down, recording state and releasing the lease all
    // meet a restarting apiserver. (A short outage: long ones make the controller-manager lose
    // its leader lease.)
    const pidBefore = apiserverPid();
    let restarted: Promise<number> | undefined;
    const server = http.createServer((_req, res) => {
      restarted ??= restartApiserver(2);
      setTimeout(() => res.end('ok'), 2500);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const r = await runBlueGreen(sb, ns, {
      manifests: file,
      images: `${REG}:2.0`,
      'preview-urls': url,
      timeout: '3m',
    });
    server.close();
    expect(restarted).toBeDefined();
    expect(await restarted).toBe(0);
    expect(r.error).toBeUndefined();
    expect(r.outputs).toMatchObject({ verdict: 'promoted', 'active-color': 'green' });
    // The apiserver really restarted during the run (a new process), and the run went on: requests
    // in the outage were refused and retried, or held until the new apiserver answered.
    expect(apiserverPid()).not.toBe(pidBefore);
    const switchStep = r.logs.find((l) => /switch traffic: ok/.test(l));
    expect(switchStep).toBeDefined();
    expect(kubectlGet(sb, ns, `service ${app}`).spec.selector.color).toBe('green');
    expect(kubectlGet(sb, ns, `deployment ${app}-blue`).spec.replicas).toBe(0);
    expect(JSON.parse(kubectlGet(sb, ns, `configmap hac-${app}-state`).data.state)).toMatchObject({
      phase: 'complete',
      activeColor: 'green',
    });
    expect(kubectlGet(sb, ns, `lease hac-${app}`).spec.holderIdentity ?? '').toBe('');
  }, 300_000);
});
