import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { DescribeAddressesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { requireSandbox, REPO_ROOT, type SandboxEnv } from '../support/sandbox.js';

// End to end: the blue-green, EC2 and full-pipeline templates run through act on this host
// against the sandbox, with the committed dist/ bundles. Results are checked with kubectl and a
// separate EC2 client. (The k8s-canary template has its own file.)
type Run = { code: number; summary: string; log: string; wallMs: number };
const { runTemplate } = (await import(path.join(REPO_ROOT, 'scripts/pipeline.mjs'))) as {
  runTemplate: (o: Record<string, unknown>) => Promise<Run>;
};

let sb: SandboxEnv;
const vars = () => Object.fromEntries(Object.entries(sb.vars).filter(([k]) => k !== 'KUBECONFIG'));
const kubectl = (ns: string, ...args: string[]) =>
  execFileSync(sb.kubectl, ['--kubeconfig', sb.kubeconfig, '-n', ns, ...args], { encoding: 'utf8' });
const liveColor = (ns: string, app: string) =>
  kubectl(ns, 'get', 'svc', app, '-o', 'jsonpath={.spec.selector.color}');
const colorImage = (ns: string, app: string, color: string) =>
  kubectl(ns, 'get', 'deploy', `${app}-${color}`, '-o', 'jsonpath={.spec.template.spec.containers[0].image}');
/** This suite's own image repository (the other e2e suites push ipsvc tags of their own), so that they can run at once. */
const extraVars = { IMAGE_NAME: 'hac/ipsvc-templates-e2e' };
const run = (template: string, version: string, bad = false) =>
  runTemplate({ template, version, bad, sandbox: vars(), quiet: true, extraVars });

beforeAll(() => {
  sb = requireSandbox(['k8s', 'registry', 'buildah', 'act', 'moto']);
});

describe('k8s-bluegreen template', () => {
  test('two releases switch colors; a bad third one fails its preview gate and the live color stays', async () => {
    const ns = sb.namespace;
    expect((await run('k8s-bluegreen', '1.0.0')).code).toBe(0);
    const first = liveColor(ns, 'ipsvc-bg');
    const second = await run('k8s-bluegreen', '2.0.0');
    expect(second.code).toBe(0);
    const live = liveColor(ns, 'ipsvc-bg');
    expect(live).not.toBe(first);
    const liveImage = colorImage(ns, 'ipsvc-bg', live);

    const bad = await run('k8s-bluegreen', '3.0.0', true);
    expect(bad.code).not.toBe(0);
    expect(bad.summary).toMatch(/preview gate/);
    expect(liveColor(ns, 'ipsvc-bg')).toBe(live);
    expect(colorImage(ns, 'ipsvc-bg', live)).toBe(liveImage);
    const ready = kubectl(ns, 'get', 'deploy', `ipsvc-bg-${live}`, '-o', 'jsonpath={.status.readyReplicas}');
    expect(Number(ready)).toBeGreaterThan(0);
  }, 900_000);
});

describe('ec2-immutable template', () => {
  const ec2 = () =>
    new EC2Client({
      region: sb.awsRegion,
      endpoint: sb.awsEndpointUrl,
      credentials: { accessKeyId: sb.awsAccessKeyId, secretAccessKey: sb.awsSecretAccessKey },
    });
  const holder = async () => {
    const res = await ec2().send(
      new DescribeAddressesCommand({ Filters: [{ Name: 'tag:Name', Values: ['hac-ipsvc'] }] }),
    );
    return res.Addresses?.[0]?.InstanceId;
  };

  test('a release bakes an AMI and moves the Elastic IP; a bad one leaves it where it was', async () => {
    const good = await run('ec2-immutable', '2.0.0');
    expect([good.code, good.code === 0 ? '' : good.log.slice(-4000)]).toEqual([0, '']);
    expect(good.log).toMatch(/ami-id=ami-[0-9a-f]+/);
    const after = await holder();
    expect(after).toMatch(/^i-/);
    expect(good.log).toContain(`new-instance-id=${after}`);

    const bad = await run('ec2-immutable', '3.0.0', true);
    expect(bad.code).not.toBe(0);
    expect(await holder()).toBe(after);
  }, 900_000);
});

describe('full-pipeline template', () => {
  test('test → image → staging blue-green → smoke → production canary → promote', async () => {
    expect((await run('full-pipeline', '1.0.0')).code).toBe(0);
    const second = await run('full-pipeline', '2.0.0');
    expect(second.code).toBe(0);
    expect(second.log).toContain('verdict=paused');
    expect(second.log).toContain('verdict=promoted');
    expect(second.summary).toMatch(/Smoke test/);
    const image = kubectl(
      sb.namespace,
      'get',
      'deploy',
      'ipsvc-full',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    );
    const staging = liveColor('hac-staging', 'ipsvc-full');
    expect(colorImage('hac-staging', 'ipsvc-full', staging)).toBe(image);
  }, 1_200_000);
});
