// The sandbox's EC2 API (moto) answers the calls the AMI and EIP actions make.
import { execFileSync } from 'node:child_process';
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

  test('every region starts with the general-purpose public images only, not the ECS-optimized ones', async () => {
    for (const region of [sb.awsRegion, 'eu-west-1']) {
      const client = new EC2Client({
        endpoint: sb.awsEndpointUrl,
        region,
        credentials: { accessKeyId: sb.awsAccessKeyId, secretAccessKey: sb.awsSecretAccessKey },
      });
      try {
        const images = (await client.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images ?? [];
        // moto's own catalogue has about 1,170 in us-east-1; listing them made every lookup slow
        expect(images.length).toBeGreaterThan(10);
        expect(images.length).toBeLessThan(200);
        expect(images.filter((i) => /ecs/i.test(i.Name ?? ''))).toEqual([]);
        expect(images.some((i) => /^amzn2-ami/.test(i.Name ?? '') && i.Architecture === 'x86_64')).toBe(true);
      } finally {
        client.destroy();
      }
    }
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
  test('SSM (boto3): Online with an instance profile, ConnectionLost when stopped, commands reach only their instances', () => {
    const script = `
import boto3, json, os
kw = dict(endpoint_url=os.environ["EP"], region_name=os.environ["RG"])
ec2, ssm, iam = (boto3.client(s, **kw) for s in ("ec2", "ssm", "iam"))
name = os.environ["NAME"]
iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")
iam.create_instance_profile(InstanceProfileName=name)
iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
run = lambda **x: ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, **x)["Instances"][0]["InstanceId"]
a, b = run(IamInstanceProfile={"Name": name}), run()
info = lambda: {i["InstanceId"]: i["PingStatus"] for i in ssm.describe_instance_information(
    Filters=[{"Key": "InstanceIds", "Values": [a, b]}])["InstanceInformationList"]}
before = info()
cmd = ssm.send_command(InstanceIds=[a], DocumentName="AWS-RunShellScript", Parameters={"commands": ["true"]})["Command"]
ec2.stop_instances(InstanceIds=[a])
after = info()
ec2.terminate_instances(InstanceIds=[a, b])
print(json.dumps({"before": [before.get(a), before.get(b)], "after": after.get(a), "targets": cmd["InstanceIds"] == [a]}))
`;
    const out = execFileSync(sb.python, ['-c', script], {
      encoding: 'utf8',
      env: {
        ...process.env,
        EP: sb.awsEndpointUrl,
        RG: sb.awsRegion,
        NAME: uniqueName('sbx-ssm'),
        AWS_ACCESS_KEY_ID: sb.awsAccessKeyId,
        AWS_SECRET_ACCESS_KEY: sb.awsSecretAccessKey,
      },
    });
    expect(JSON.parse(out)).toEqual({ before: ['Online', null], after: 'ConnectionLost', targets: true });
  });
});
