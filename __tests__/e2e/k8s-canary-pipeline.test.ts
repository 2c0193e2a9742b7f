import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { requireSandbox, REPO_ROOT, type SandboxEnv } from '../support/sandbox.js';

// End to end: the k8s-canary template runs through act on this host against the sandbox, using
// the committed dist/ bundles exactly as a workflow would. Results are checked with kubectl.
type Run = { code: number; summary: string; log: string; wallMs: number };
const { runTemplate } = (await import(path.join(REPO_ROOT, 'scripts/pipeline.mjs'))) as {
  runTemplate: (o: Record<string, unknown>) => Promise<Run>;
};

/**
 * This suite's own app and image (clone-demo releases the template's default ipsvc and hac/ipsvc,
 * each template suite its own), so that the e2e suites can run at the same time.
 */
const APP = 'ipsvc-canary-e2e';
const IMAGE = 'hac/ipsvc-canary-e2e';
const NAMES = { APP_NAME: APP, IMAGE_NAME: IMAGE };

let sb: SandboxEnv;
const kubectl = (...args: string[]) =>
  execFileSync(sb.kubectl, ['--kubeconfig', sb.kubeconfig, '-n', sb.namespace, ...args], {
    encoding: 'utf8',
  });
const image = () => kubectl('get', 'deploy', APP, '-o', 'jsonpath={.spec.template.spec.containers[0].image}');
/** The digest of a tag, from the registry's HTTP API (independent of the action's outputs). */
async function tagDigest(tag: string): Promise<string> {
  const res = await fetch(`http://${sb.registry}/v2/${IMAGE}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept:
        'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json',
    },
  });
  expect(res.status).toBe(200);
  return res.headers.get('docker-content-digest') ?? '';
}
const vars = () => Object.fromEntries(Object.entries(sb.vars).filter(([k]) => k !== 'KUBECONFIG'));

describe('k8s-canary template through act', () => {
  beforeAll(() => {
    sb = requireSandbox(['k8s', 'registry', 'buildah', 'act']);
  });

  test('v1 then v2: the canary runs its gated steps, pauses, and is promoted after the approval job', async () => {
    const sandbox = vars();
    const first = await runTemplate({
      template: 'k8s-canary',
      version: '1.0.0',
      sandbox,
      quiet: true,
      extraVars: NAMES,
    });
    expect(first.code).toBe(0);
    const second = await runTemplate({
      template: 'k8s-canary',
      version: '2.0.0',
      sandbox,
      quiet: true,
      extraVars: NAMES,
    });
    expect(second.log).toContain('verdict=paused');
    expect(second.log).toContain('verdict=promoted');
    expect(second.code).toBe(0);
    expect(second.summary).toContain(`k8s-canary promote: ${APP}`);
    // Independent check: the stable Deployment runs 2.0.0 by digest, fully available, no canary left.
    expect(image()).toMatch(new RegExp(`^${sb.registry}/${IMAGE}@sha256:[0-9a-f]{64}$`));
    expect(image()).toBe(`${sb.registry}/${IMAGE}@${await tagDigest('2.0.0')}`);
    expect(kubectl('get', 'deploy', '-l', `app=${APP}`, '-o', 'name').trim().split('\n')).toEqual([
      `deployment.apps/${APP}`,
    ]);
  }, 600_000);

  test('a bad release fails its gate: the workflow fails and the previous version keeps serving', async () => {
    const before = image();
    const run = await runTemplate({
      template: 'k8s-canary',
      version: '3.0.0',
      bad: true,
      sandbox: vars(),
      quiet: true,
      extraVars: NAMES,
    });
    expect(run.code).not.toBe(0);
    expect(run.log).toContain('verdict=rolled-back');
    expect(image()).toBe(before);
    expect(kubectl('get', 'deploy', '-l', `app=${APP}`, '-o', 'name').trim().split('\n')).toEqual([
      `deployment.apps/${APP}`,
    ]);
    const ready = kubectl(
      'get',
      'endpointslices',
      '-l',
      `kubernetes.io/service-name=${APP}`,
      '-o',
      'jsonpath={.items[*].endpoints[*].conditions.ready}',
    );
    expect(ready.split(' ').filter((r) => r === 'true').length).toBeGreaterThan(0);
  }, 600_000);
});
