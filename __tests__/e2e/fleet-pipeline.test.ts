// End to end: the fleet template through act on this host against the sandbox's three clusters
// (wave 0 hac-1, wave 1 hac-2 and hac-3), with the fleet and k8s-canary bundles built from this tree
// (scripts/pipeline/fleet.mjs). Every result is checked on every cluster with kubectl and against the
// registry's HTTP API: a good release, a bad wave-1 cluster that brings the whole fleet back, and a
// wave-1 cluster's apiserver killed mid-release (the run finishes or rolls the fleet back; never half
// released; no live Service at 0 ready endpoints, watched on every cluster).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { requireSandbox, REPO_ROOT, type SandboxEnv } from '../support/sandbox.js';

type Run = { code: number; summary: string; log: string; wallMs: number };
const { runTemplate } = (await import(path.join(REPO_ROOT, 'scripts/pipeline.mjs'))) as {
  runTemplate: (o: Record<string, unknown>) => Promise<Run>;
};
const execFileP = promisify(execFile);

const APP = 'ipsvc-fleet-e2e';
const IMAGE = 'hac/ipsvc-fleet-e2e';
let sb: SandboxEnv;
const vars = () => Object.fromEntries(Object.entries(sb.vars).filter(([k]) => k !== 'KUBECONFIG'));
const admin = (n: number) => sb.vars[`HAC_SANDBOX_KUBECONFIG_${n}`]!;
const CLUSTERS = [1, 2, 3];
const kubectl = (n: number, ...args: string[]) =>
  execFileSync(sb.kubectl, ['--kubeconfig', admin(n), '-n', sb.namespace, ...args], { encoding: 'utf8' });
const run = (version: string, o: Record<string, unknown> = {}) =>
  runTemplate({
    template: 'fleet',
    version,
    sandbox: vars(),
    quiet: true,
    ...o,
    extraVars: { APP_NAME: APP, IMAGE_NAME: IMAGE, ...(o.extraVars as object) },
  });

/** The digest the registry serves for a tag (an independent client: the registry's HTTP API). */
async function digestOf(tag: string): Promise<string> {
  const res = await fetch(`http://${sb.vars.HAC_REGISTRY}/v2/${IMAGE}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept: [
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
      ].join(', '),
    },
  });
  expect(res.status).toBe(200);
  return String(res.headers.get('docker-content-digest'));
}

/** What each cluster runs: the stable Deployment's image digest, and whether a canary is left. */
function fleetState() {
  return CLUSTERS.map((n) => ({
    cluster: n,
    digest: kubectl(
      n,
      'get',
      'deploy',
      APP,
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ).replace(/^.*@/, ''),
    canary: kubectl(n, 'get', 'deploy', '-o', 'name').includes(`deployment.apps/${APP}-canary`),
  }));
}
const on = (digest: string) => CLUSTERS.map((cluster) => ({ cluster, digest, canary: false }));

/**
 * Ready endpoints of the live Service on one cluster, polled through the apiserver (so it survives
 * an apiserver restart: failed reads are counted, not taken for 0). Once it served, 0 is a violation.
 */
function endpointWatcher(n: number) {
  let armed = false;
  let stop = false;
  const zeros: string[] = [];
  let reads = 0;
  let failedReads = 0;
  const loop = (async () => {
    while (!stop) {
      try {
        const { stdout } = await execFileP(
          sb.kubectl,
          [
            '--kubeconfig',
            admin(n),
            '-n',
            sb.namespace,
            'get',
            'endpointslices',
            '-l',
            `kubernetes.io/service-name=${APP}`,
            '-o',
            'json',
            '--request-timeout=3s',
          ],
          { timeout: 5_000 },
        );
        const items = (JSON.parse(stdout).items ?? []) as {
          endpoints?: { conditions?: { ready?: boolean } }[];
        }[];
        const ready = items
          .flatMap((s) => s.endpoints ?? [])
          .filter((e) => e.conditions?.ready !== false).length;
        reads += 1;
        if (ready > 0) armed = true;
        else if (armed) zeros.push(new Date().toISOString());
      } catch {
        failedReads += 1;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    async done() {
      stop = true;
      await loop;
      return { cluster: n, armed, zeros, reads, failedReads };
    },
  };
}

beforeAll(() => {
  sb = requireSandbox(['k8s', 'registry', 'buildah', 'act', 'fleet']);
  expect(sb.fleetContexts).toEqual(['hac-1', 'hac-2', 'hac-3']);
});

describe('fleet template', () => {
  let good = '';

  test('a first release, then a good one: every cluster on the new version, one verdict table', async () => {
    const first = await run('1.0.0');
    expect([first.code, first.code === 0 ? '' : first.log.slice(-3000)]).toEqual([0, '']);
    const second = await run('2.0.0');
    expect([second.code, second.code === 0 ? '' : second.log.slice(-3000)]).toEqual([0, '']);
    good = await digestOf('2.0.0');
    expect(fleetState()).toEqual(on(good));
    expect(second.summary).toContain('hac fleet release of ipsvc-fleet-e2e: released');
    expect(second.summary).toContain('| Cluster | Wave | Before | After | Verdict | Weight | Gates | Time |');
    for (const [ctx, wave] of [
      ['hac-1', 0],
      ['hac-2', 1],
      ['hac-3', 1],
    ])
      expect(second.summary).toMatch(
        new RegExp(`\\| ${ctx} \\| ${wave} \\| 1\\.0\\.0 \\| 2\\.0\\.0 \\| promoted \\|`),
      );
    expect(second.summary).toContain('3 of 3 clusters serve the new version.');
  }, 900_000);

  test('--bad-cluster 2: its wave-1 gate fails; every cluster is back on the previous version, the run failed', async () => {
    expect(good).not.toBe('');
    const bad = await run('3.0.0', { badCluster: 2 });
    expect(bad.code).not.toBe(0);
    expect(await digestOf('3.0.0')).not.toBe(good);
    expect(fleetState()).toEqual(on(good));
    expect(bad.summary).toContain('hac fleet release of ipsvc-fleet-e2e: rolled-back');
    expect(bad.summary).toMatch(/\| hac-1 \| 0 \| 2\.0\.0 \| [^|]+ \| promoted → rolled back \|/);
    expect(bad.summary).toMatch(
      /\| hac-2 \| 1 \| 2\.0\.0 \| [^|]+ \| rolled-back \(nothing to roll back\) \| 0% \| failed: /,
    );
    expect(bad.summary).toContain('0 of 3 clusters serve the new version.');
    expect(bad.log).toMatch(/The release failed in a wave; hac-1 was rolled back/);
  }, 900_000);

  describe('faults', () => {
    afterAll(async () => {
      // Leave cluster 2 answering for whoever comes next: a refused connection fails at once,
      // whatever --request-timeout says, so it is asked again until it answers (up to 90 s).
      const readyz = ['--kubeconfig', admin(2), 'get', '--raw', '/readyz', '--request-timeout=10s'];
      for (let started = Date.now(); ;) {
        try {
          return void (await execFileP(sb.kubectl, readyz, { timeout: 15_000 }));
        } catch (err) {
          if (Date.now() - started > 90_000) throw err;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    }, 120_000);

    test("a wave-1 cluster's apiserver is killed mid-release: the fleet finishes or is rolled back whole", async () => {
      expect(good).not.toBe('');
      const watchers = CLUSTERS.map(endpointWatcher);
      // Longer wave pauses, so that the outage falls inside cluster 2's canary.
      const release = run('4.0.0', { extraVars: { WAVE_PAUSE: '5s' } });
      // Kill cluster 2's apiserver once its wave-1 canary exists; keep it down for 3 s.
      let restarted = '';
      for (let i = 0; i < 600 && !restarted; i++) {
        if (kubectl(2, 'get', 'deploy', '-o', 'name').includes(`deployment.apps/${APP}-canary`)) {
          const r = await execFileP(
            process.execPath,
            [
              path.join(REPO_ROOT, 'scripts/sandbox/cli.mjs'),
              'restart-apiserver',
              '--cluster',
              '2',
              '--kill',
              // down for 3 s at least: long enough for every watcher to see it, however loaded the machine
              '--down-seconds=3',
            ],
            { timeout: 180_000 },
          );
          restarted = r.stderr;
        } else await new Promise((r) => setTimeout(r, 250));
      }
      expect(restarted).toContain('k8s-2: kube-apiserver back');
      const result = await release;
      const seen = await Promise.all(watchers.map((w) => w.done()));
      const state = fleetState();
      const released = await digestOf('4.0.0');
      // Never half released: all on 4.0.0 (the run succeeded) or all back on 2.0.0 (it failed).
      expect([result.code === 0, state]).toEqual(
        result.code === 0 ? [true, on(released)] : [false, on(good)],
      );
      for (const s of seen) {
        expect(s).toMatchObject({ cluster: s.cluster, armed: true, zeros: [] });
        expect(s.reads).toBeGreaterThan(10);
      }
      // The fault was real: cluster 2 could not be read for a while; 1 and 3 could.
      expect(seen[1]!.failedReads).toBeGreaterThan(0);
      expect(result.summary).toMatch(/hac fleet release of ipsvc-fleet-e2e: (released|rolled-back)/);
    }, 900_000);
  });
});
