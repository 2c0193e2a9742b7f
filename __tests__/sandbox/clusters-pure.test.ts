// The sandbox's cluster layout and CLI arguments, and what `up` does with a cluster found in each
// state: pure functions of scripts/sandbox/lib, tested with tables (no sandbox needed).
import { describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { REPO_ROOT } from '../support/sandbox.js';

interface Spec {
  index: number;
  name: string;
  context: string;
  component: string;
  dir: string;
  ports: Record<string, number>;
  files: Record<string, string>;
}
const lib = (await import(path.join(REPO_ROOT, 'scripts/sandbox/lib/clusters.mjs'))) as {
  MAX_CLUSTERS: number;
  clusterSpec: (n: number) => Spec;
  clusterSpecs: (n: number) => Spec[];
  clusterCount: (flag: string | undefined, env: Record<string, string | undefined>) => number;
  fleetKubeconfigYaml: (specs: Spec[]) => string;
  clusterRecovery: (alive: Record<string, boolean>, ready: boolean) => string;
  deployerKubeconfigYaml: (
    entries: { spec: Spec; caData: string; token: string }[],
    opts?: { single?: boolean },
  ) => string;
};

const args = (await import(path.join(REPO_ROOT, 'scripts/sandbox/lib/args.mjs'))) as {
  parseCli: (argv: string[]) => {
    cmd: string;
    positional: string[];
    values: Record<string, string | boolean>;
  };
};

describe('cluster specs (pure)', () => {
  test.each([
    [1, 'hac', 16443, 16379, 16380, 16257, 16259, 16080, 'kubeconfig-admin.yaml', 'kubeconfig-deployer.yaml'],
    [
      2,
      'hac-2',
      17443,
      17379,
      17380,
      17257,
      17259,
      17080,
      'kubeconfig-admin-2.yaml',
      'kubeconfig-deployer-2.yaml',
    ],
    [
      3,
      'hac-3',
      18443,
      18379,
      18380,
      18257,
      18259,
      18080,
      'kubeconfig-admin-3.yaml',
      'kubeconfig-deployer-3.yaml',
    ],
    [
      10,
      'hac-10',
      25443,
      25379,
      25380,
      25257,
      25259,
      25080,
      'kubeconfig-admin-10.yaml',
      'kubeconfig-deployer-10.yaml',
    ],
  ])(
    'cluster %i is %s on apiserver port %i',
    (n, name, api, etcd, peer, kcm, sched, kwok, admin, deployer) => {
      const s = lib.clusterSpec(n);
      expect(s.name).toBe(name);
      expect(s.context).toBe(`hac-${n}`);
      expect(s.dir.endsWith(path.join('kwok', 'clusters', name))).toBe(true);
      expect(s.ports).toEqual({
        apiserver: api,
        etcd,
        etcdPeer: peer,
        controllerManager: kcm,
        scheduler: sched,
        kwokController: kwok,
      });
      expect(path.basename(s.files.adminKubeconfig!)).toBe(admin);
      expect(path.basename(s.files.deployerKubeconfig!)).toBe(deployer);
    },
  );

  test('no two clusters share a port', () => {
    const ports = lib.clusterSpecs(lib.MAX_CLUSTERS).flatMap((s) => Object.values(s.ports));
    expect(new Set(ports).size).toBe(ports.length);
    expect(Math.max(...ports)).toBeLessThan(32768); // below Linux's ephemeral range
  });

  test.each([
    ['3', {}, 3],
    [undefined, {}, 1],
    [undefined, { HAC_SANDBOX_CLUSTERS: '' }, 1],
    [undefined, { HAC_SANDBOX_CLUSTERS: '2' }, 2],
    ['3', { HAC_SANDBOX_CLUSTERS: '2' }, 3],
  ])('clusterCount(%p, %p) is %i', (flag, env, want) => {
    expect(lib.clusterCount(flag, env)).toBe(want);
  });

  test.each([
    ['0', {}, '--clusters: got "0"'],
    ['11', {}, '--clusters: got "11"'],
    ['2.5', {}, '--clusters: got "2.5"'],
    ['three', {}, '--clusters: got "three"'],
    [undefined, { HAC_SANDBOX_CLUSTERS: '-1' }, 'HAC_SANDBOX_CLUSTERS: got "-1"'],
  ])('clusterCount(%p, %p) is refused, naming the input and the expected form', (flag, env, start) => {
    expect(() => lib.clusterCount(flag, env)).toThrow(
      `${start}; expected a whole number of clusters from 1 to ${lib.MAX_CLUSTERS}`,
    );
  });

  test('the fleet kubeconfigs have one context per cluster; cluster 1 keeps its deployer names', () => {
    const specs = lib.clusterSpecs(2);
    const admin = lib.fleetKubeconfigYaml(specs);
    expect(admin).toContain('current-context: hac-1\n');
    expect(admin).toContain('server: https://127.0.0.1:17443\n');
    expect(admin.match(/^ {2}- name: hac-\d\n {4}context:/gm)).toHaveLength(2);
    const entries = specs.map((spec) => ({ spec, caData: 'Q0E=', token: `t${spec.index}` }));
    expect(lib.deployerKubeconfigYaml(entries)).toContain(
      '  - name: hac-2\n    context:\n      cluster: hac-2\n      user: hac-2-deployer\n      namespace: hac\n',
    );
    const single = lib.deployerKubeconfigYaml([entries[0]!], { single: true });
    expect(single).toContain('current-context: deployer@hac-sandbox\n');
    expect(single).toContain('  - name: deployer\n    user:\n      token: t1\n');
  });
});

describe('sandbox CLI arguments (pure)', () => {
  test.each([
    [['up', 'k8s', '--clusters', '3'], 'up', ['k8s'], { clusters: '3' }],
    [['up'], 'up', [], {}],
    [
      ['restart-apiserver', '--cluster', '2', '--kill'],
      'restart-apiserver',
      [],
      { cluster: '2', kill: true },
    ],
    [['restart-apiserver', '--down-seconds=5'], 'restart-apiserver', [], { 'down-seconds': '5' }],
    [['env', '--json'], 'env', [], { json: true }],
  ])('%p', (argv, cmd, positional, values) => {
    expect(args.parseCli(argv)).toEqual({ cmd, positional, values });
  });

  test.each([
    [['up', '--cluster', '2'], 'up: option --cluster is not one of its options (it takes --clusters)'],
    [['status', '--clusters', '2'], 'status: option --clusters is not one of its options (it takes --json)'],
    [['down', '--clusters', '3'], 'down: option --clusters is not one of its options (it takes no options)'],
    [['up', '--bogus'], "Unknown option '--bogus'"],
  ])('%p is refused', (argv, message) => {
    expect(() => args.parseCli(argv)).toThrow(message);
  });
});

describe('what up does with a cluster that exists (pure)', () => {
  const all = {
    etcd: true,
    'kube-apiserver': true,
    'kube-controller-manager': true,
    'kube-scheduler': true,
    'kwok-controller': true,
  };
  test.each([
    ['everything alive and ready', {}, true, 'running'],
    ['everything alive, /readyz slow (a restart by another suite, a loaded machine)', {}, false, 'wait'],
    ['only the apiserver died', { 'kube-apiserver': false }, false, 'start'],
    [
      'the controller manager and scheduler exited after an outage',
      { 'kube-controller-manager': false, 'kube-scheduler': false },
      true,
      'start',
    ],
    [
      'the scheduler exited while the apiserver drains after a SIGTERM',
      { 'kube-scheduler': false },
      false,
      'wait',
    ],
    ['etcd died', { etcd: false }, false, 'recreate'],
    ['kwok died (its node leases would expire)', { 'kwok-controller': false }, true, 'recreate'],
    [
      'nothing runs (a reboot)',
      Object.fromEntries(Object.keys(all).map((k) => [k, false])),
      false,
      'recreate',
    ],
  ])('%s', (_what, dead, ready, want) => {
    expect(lib.clusterRecovery({ ...all, ...dead }, ready)).toBe(want);
  });
});
