import { beforeAll, describe, expect, test } from '@jest/globals';
import { DescribeAddressesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { requireSandbox, type SandboxEnv } from '../support/sandbox.js';
import { templateRunner } from '../support/templates-e2e.js';

// End to end: the ec2-immutable template through act on this host against the sandbox (moto),
// with the committed dist/ bundles; the Elastic IP checked with a separate EC2 client.
let sb: SandboxEnv;
const t = templateRunner(() => sb, 'hac/ipsvc-ec2-e2e');

beforeAll(() => {
  sb = requireSandbox(['k8s', 'registry', 'buildah', 'act', 'moto']);
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
    const good = await t.run('ec2-immutable', '2.0.0');
    expect([good.code, good.code === 0 ? '' : good.log.slice(-4000)]).toEqual([0, '']);
    expect(good.log).toMatch(/ami-id=ami-[0-9a-f]+/);
    const after = await holder();
    expect(after).toMatch(/^i-/);
    expect(good.log).toContain(`new-instance-id=${after}`);

    const bad = await t.run('ec2-immutable', '3.0.0', true);
    expect(bad.code).not.toBe(0);
    expect(await holder()).toBe(after);
  }, 900_000);
});
