// `up --clusters 3` starts kwok clusters 2 and 3 beside cluster 1 (which every other test uses and
// which this file never stops): each with the nodes, the namespace, the deployer RBAC and the Gateway
// API CRDs; one fleet kubeconfig with a context per cluster; restart-apiserver --cluster N restarts
// only that cluster's apiserver. Checked with kubectl on every context. A serial suite
// (jest.config.js): it restarts cluster 2, which the fleet e2e suite releases to.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, requireSandbox, uniqueName, type SandboxEnv } from '../support/sandbox.js';

const lib = (await import(path.join(REPO_ROOT, 'scripts/sandbox/lib/clusters.mjs'))) as {
  clusterSpec: (n: number) => { dir: string; ports: Record<string, number> };
};
const CLI = path.join(REPO_ROOT, 'scripts/sandbox/cli.mjs');
const execFileP = promisify(execFile);
const CONTEXTS = ['hac-1', 'hac-2', 'hac-3'];

interface Run {
  status: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

function cli(args: string[], timeout = 90_000): Run {
  const started = Date.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout });
  return {
    status: r.status ?? -1,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    seconds: (Date.now() - started) / 1000,
  };
}

describe('several sandbox clusters', () => {
  let sb: SandboxEnv;
  let env: Record<string, string>;
  let upSeconds = 0;
  /** kubectl on a context of a fleet kubeconfig, or (ctx undefined) on a per-cluster kubeconfig */
  const kubectl = (ctx: string | undefined, args: string[], kubeconfig = env.HAC_SANDBOX_FLEET_KUBECONFIG!) =>
    spawnSync(sb.kubectl, ['--kubeconfig', kubeconfig, ...(ctx ? ['--context', ctx] : []), ...args], {
      encoding: 'utf8',
      timeout: 30_000,
    });
  const kubectlOk = (ctx: string | undefined, args: string[], kubeconfig?: string) => {
    const r = kubectl(ctx, args, kubeconfig);
    if (r.status !== 0) throw new Error(`kubectl --context ${ctx} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const apiserverPid = (n: number) =>
    Number(fs.readFileSync(path.join(lib.clusterSpec(n).dir, 'pids', 'kube-apiserver.pid'), 'utf8').trim());

  beforeAll(() => {
    // before requireSandbox, which reads `sandbox env` once: the variables name all 3 clusters
    const up = cli(['up', 'k8s', '--clusters', '3'], 300_000);
    if (up.status !== 0) throw new Error(`up k8s --clusters 3 failed:\n${up.stderr}`);
    upSeconds = up.seconds;
    sb = requireSandbox(['k8s', 'fleet']);
    env = sb.vars;
  }, 320_000);

  test('the fleet check wants 3 clusters and names the command that starts them', () => {
    const check = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/sandbox/check.mjs'), 'fleet'], {
      encoding: 'utf8',
      env: { ...process.env, ...sb.vars, HAC_SANDBOX_FLEET_CONTEXTS: 'hac-1' },
    });
    expect(check.status).toBe(1);
    expect(JSON.parse(check.stdout).results[0].reason).toBe(
      '1 cluster(s) (hac-1); fleet tests need 3: npm run sandbox -- up k8s --clusters 3',
    );
  });

  test('env names the fleet kubeconfigs and one admin and one deployer kubeconfig per cluster', () => {
    process.stderr.write(`up k8s --clusters 3 took ${upSeconds.toFixed(1)}s\n`);
    expect(sb.fleetContexts.slice(0, 3)).toEqual(CONTEXTS);
    expect(sb.fleetKubeconfig).toBe(env.HAC_SANDBOX_FLEET_KUBECONFIG);
    expect(env.HAC_SANDBOX_KUBECONFIG_1).toBe(sb.kubeconfig);
    expect(env.HAC_SANDBOX_KUBECONFIG_DEPLOYER_1).toBe(sb.deployerKubeconfig);
    for (const f of [
      env.HAC_SANDBOX_FLEET_KUBECONFIG!,
      env.HAC_SANDBOX_FLEET_DEPLOYER_KUBECONFIG!,
      ...[1, 2, 3].flatMap((n) => [
        env[`HAC_SANDBOX_KUBECONFIG_${n}`]!,
        env[`HAC_SANDBOX_KUBECONFIG_DEPLOYER_${n}`]!,
      ]),
    ]) {
      expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    }
    const contexts = kubectlOk('hac-1', ['config', 'get-contexts', '-o', 'name']).split('\n');
    expect(contexts.slice(0, 3)).toEqual(CONTEXTS);
  });

  test.each(CONTEXTS)('%s has the kwok nodes, the Gateway API CRDs and the deployer RBAC', (ctx) => {
    const nodes = kubectlOk(ctx, ['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}']).split(' ');
    expect(nodes).toEqual(['kwok-node-0', 'kwok-node-1', 'kwok-node-2']);
    const ready = kubectlOk(ctx, [
      'get',
      'nodes',
      '-o',
      'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}',
    ]);
    expect(ready).toBe('True True True');
    for (const crd of ['httproutes.gateway.networking.k8s.io', 'gateways.gateway.networking.k8s.io']) {
      const established = `jsonpath={.status.conditions[?(@.type=="Established")].status}`;
      expect(kubectlOk(ctx, ['get', 'crd', crd, '-o', established])).toBe('True');
    }
    const n = Number(ctx.slice(4));
    const deployers: [string | undefined, string][] = [
      [undefined, env[`HAC_SANDBOX_KUBECONFIG_DEPLOYER_${n}`]!],
      [ctx, env.HAC_SANDBOX_FLEET_DEPLOYER_KUBECONFIG!],
    ];
    for (const [context, kubeconfig] of deployers) {
      const minified = ['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'];
      expect(kubectlOk(context, minified, kubeconfig)).toBe(
        `https://127.0.0.1:${lib.clusterSpec(n).ports.apiserver}`,
      );
      const can = (verb: string, what: string, ns = 'hac') =>
        kubectl(context, ['auth', 'can-i', verb, what, '-n', ns], kubeconfig).stdout.trim();
      expect(can('create', 'deployments.apps')).toBe('yes');
      expect(can('patch', 'httproutes.gateway.networking.k8s.io')).toBe('yes');
      expect(can('get', 'secrets')).toBe('no');
      expect(can('create', 'deployments.apps', 'default')).toBe('no');
      const denied = kubectl(context, ['-n', 'hac', 'get', 'secrets'], kubeconfig);
      expect(denied.status).not.toBe(0);
      expect(denied.stderr).toContain('system:serviceaccount:hac:deployer');
    }
  });

  test('the contexts are three separate clusters: an object created in 2 is in neither 1 nor 3', () => {
    const uids = CONTEXTS.map((ctx) =>
      kubectlOk(ctx, ['get', 'namespace', 'kube-system', '-o', 'jsonpath={.metadata.uid}']),
    );
    expect(new Set(uids).size).toBe(3);
    const name = uniqueName('fleet-probe');
    kubectlOk(
      'hac-2',
      ['-n', 'hac', 'create', 'configmap', name, '--from-literal=cluster=2'],
      env.HAC_SANDBOX_FLEET_DEPLOYER_KUBECONFIG,
    );
    try {
      expect(
        kubectlOk('hac-2', ['-n', 'hac', 'get', 'configmap', name, '-o', 'jsonpath={.data.cluster}']),
      ).toBe('2');
      for (const ctx of ['hac-1', 'hac-3']) {
        const r = kubectl(ctx, ['-n', 'hac', 'get', 'configmap', name]);
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain('NotFound');
      }
    } finally {
      kubectl('hac-2', ['-n', 'hac', 'delete', 'configmap', name, '--ignore-not-found']);
    }
  });

  test('a second up --clusters 3 changes nothing and is quick', () => {
    const before = [1, 2, 3].map(apiserverPid);
    const again = cli(['up', 'k8s', '--clusters', '3'], 120_000);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('k8s-3: already running');
    expect(again.seconds).toBeLessThan(20);
    expect([1, 2, 3].map(apiserverPid)).toEqual(before);
  }, 130_000);

  test('restart-apiserver --cluster 2 restarts only cluster 2; 1 and 3 answer all along', async () => {
    const name = uniqueName('fleet-keep');
    kubectlOk('hac-2', ['-n', 'hac', 'create', 'configmap', name]);
    const before = [1, 2, 3].map(apiserverPid);
    const restart = execFileP(process.execPath, [CLI, 'restart-apiserver', '--cluster', '2'], {
      timeout: 180_000,
    });
    let done = false;
    void restart.finally(() => (done = true)).catch(() => undefined);
    const failures: Record<string, number> = { 'hac-1': 0, 'hac-2': 0, 'hac-3': 0 };
    while (!done) {
      for (const ctx of CONTEXTS) {
        const r = await execFileP(
          sb.kubectl,
          [
            '--kubeconfig',
            env.HAC_SANDBOX_FLEET_KUBECONFIG!,
            '--context',
            ctx,
            'get',
            '--raw',
            '/readyz',
            '--request-timeout=5s',
          ],
          { timeout: 10_000 },
        ).catch(() => undefined);
        if (r?.stdout.trim() !== 'ok') failures[ctx]! += 1;
      }
    }
    const { stderr } = await restart;
    expect(stderr).toContain('k8s-2: kube-apiserver back');
    expect(failures['hac-1']).toBe(0);
    expect(failures['hac-3']).toBe(0);
    expect(failures['hac-2']).toBeGreaterThan(0);
    const after = [1, 2, 3].map(apiserverPid);
    expect(after[0]).toBe(before[0]);
    expect(after[2]).toBe(before[2]);
    expect(after[1]).not.toBe(before[1]);
    expect(kubectlOk('hac-2', ['get', '--raw', '/readyz'])).toBe('ok');
    // etcd kept the cluster's state
    expect(kubectlOk('hac-2', ['-n', 'hac', 'get', 'configmap', name, '-o', 'name'])).toBe(
      `configmap/${name}`,
    );
    kubectl('hac-2', ['-n', 'hac', 'delete', 'configmap', name]);
  }, 200_000);

  test.each([
    [
      ['restart-apiserver', '--cluster', '9'],
      '--cluster: got "9"; expected the number of a sandbox cluster that exists',
    ],
    [
      ['restart-apiserver', '--cluster', '11'],
      '--cluster: got "11"; expected the number of a sandbox cluster that exists',
    ],
    [
      ['restart-apiserver', '--cluster', 'two'],
      '--cluster: got "two"; expected the number of a sandbox cluster that exists',
    ],
    [
      ['up', 'k8s', '--clusters', '11'],
      '--clusters: got "11"; expected a whole number of clusters from 1 to 10',
    ],
    [['up', 'k8s', '--cluster', '2'], 'up: option --cluster is not one of its options (it takes --clusters)'],
  ])('%p is refused before anything is stopped or started', (args, message) => {
    const before = [1, 2, 3].map(apiserverPid);
    const r = cli(args);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
    expect([1, 2, 3].map(apiserverPid)).toEqual(before);
  });
});
