// The sandbox's EC2 API (moto) answers the calls the AMI and EIP actions make.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  CreateImageCommand,
  DeregisterImageCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DisassociateAddressCommand,
  EC2Client,
  ReleaseAddressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { requireSandbox, uniqueName, type SandboxEnv } from '../support/sandbox.js';

let sb: SandboxEnv;
let ec2: EC2Client;
const runId = uniqueName('sbx-ec2');
const cleanup: (() => Promise<unknown>)[] = [];

describe('sandbox EC2 (moto)', () => {
  beforeAll(() => {
    sb = requireSandbox(['moto']);
    ec2 = new EC2Client({
      endpoint: sb.awsEndpointUrl,
      region: sb.awsRegion,
      credentials: { accessKeyId: sb.awsAccessKeyId, secretAccessKey: sb.awsSecretAccessKey },
    });
  });

  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    ec2?.destroy();
  });

  test('RunInstances -> running, CreateImage -> available, EIP association is visible', async () => {
    const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }));
    const baseAmi = images.Images?.find(
      (i) => i.State === 'available' && i.Architecture === 'x86_64',
    )?.ImageId;
    expect(baseAmi).toMatch(/^ami-/);

    const tags = [{ Key: 'hac:run-id', Value: runId }];
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: baseAmi,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [{ ResourceType: 'instance', Tags: tags }],
      }),
    );
    const instanceId = run.Instances?.[0]?.InstanceId;
    expect(instanceId).toMatch(/^i-/);
    cleanup.push(() => ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId!] })));

    const described = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:hac:run-id', Values: [runId] }] }),
    );
    const instance = described.Reservations?.[0]?.Instances?.[0];
    expect(instance?.InstanceId).toBe(instanceId);
    expect(instance?.State?.Name).toBe('running');

    const created = await ec2.send(
      new CreateImageCommand({
        InstanceId: instanceId,
        Name: `${runId}-image`,
        TagSpecifications: [{ ResourceType: 'image', Tags: tags }],
      }),
    );
    const imageId = created.ImageId;
    expect(imageId).toMatch(/^ami-/);
    cleanup.push(() => ec2.send(new DeregisterImageCommand({ ImageId: imageId })));
    const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId!] }))).Images?.[0];
    expect(image?.State).toBe('available');
    expect(image?.Name).toBe(`${runId}-image`);

    const eip = await ec2.send(
      new AllocateAddressCommand({
        Domain: 'vpc',
        TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: tags }],
      }),
    );
    expect(eip.AllocationId).toMatch(/^eipalloc-/);
    cleanup.push(() => ec2.send(new ReleaseAddressCommand({ AllocationId: eip.AllocationId })));
    const assoc = await ec2.send(
      new AssociateAddressCommand({
        AllocationId: eip.AllocationId,
        InstanceId: instanceId,
        AllowReassociation: true,
      }),
    );
    expect(assoc.AssociationId).toMatch(/^eipassoc-/);
    cleanup.push(() => ec2.send(new DisassociateAddressCommand({ AssociationId: assoc.AssociationId })));

    const addrs = await ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] }));
    expect(addrs.Addresses).toHaveLength(1);
    expect(addrs.Addresses?.[0]?.InstanceId).toBe(instanceId);
    expect(addrs.Addresses?.[0]?.AssociationId).toBe(assoc.AssociationId);
    expect(addrs.Addresses?.[0]?.PublicIp).toBe(eip.PublicIp);
  });
});
