// One small function per EC2 step of a native build. Each maps its failure to a clear ActionError.
import {
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceTerminated,
  type EC2Client,
  type Image,
  type RunInstancesCommandInput,
  type Tag,
} from '@aws-sdk/client-ec2';
import { ActionError } from '@hac/toolkit';
import { awsCall, isAwsError, describeAwsError } from '../errors.js';
import { runTags, tagSpecifications } from '../tags.js';
import { runWaiter, WaiterCallError } from '../waiters.js';
import { PURPOSE, type BaseAmi, type NativeBuildSpec } from './types.js';

/** The base image: by id, or the most recent available image matching filters and owners. */
export async function resolveBaseAmi(ec2: EC2Client, base: BaseAmi): Promise<Image> {
  if ('id' in base) {
    const out = await awsCall(`DescribeImages ${base.id}`, () =>
      ec2.send(new DescribeImagesCommand({ ImageIds: [base.id] })),
    );
    const image = out.Images?.[0];
    if (!image)
      throw new ActionError(`The base AMI ${base.id} was not found.`, 'Check "base-ami" and the region.');
    return image;
  }
  const Filters = [
    ...Object.entries(base.filters).map(([Name, Values]) => ({ Name, Values })),
    { Name: 'state', Values: ['available'] },
  ];
  const out = await awsCall('DescribeImages (base-ami-filters)', () =>
    ec2.send(new DescribeImagesCommand({ Filters, ...(base.owners.length ? { Owners: base.owners } : {}) })),
  );
  const newest = newestImage(out.Images ?? []);
  if (!newest) {
    throw new ActionError(
      `No available AMI matches base-ami-filters ${JSON.stringify(base.filters)} with owners ${JSON.stringify(base.owners)}.`,
      'Loosen the filters or fix the owners (an account id, "self", "amazon" or "aws-marketplace").',
    );
  }
  return newest;
}

/** The image with the latest CreationDate (ties broken by id for determinism). */
export function newestImage(images: Image[]): Image | undefined {
  return [...images].sort(
    (a, b) =>
      (b.CreationDate ?? '').localeCompare(a.CreationDate ?? '') ||
      (b.ImageId ?? '').localeCompare(a.ImageId ?? ''),
  )[0];
}

/** The VPC of the subnet, or the default VPC when no subnet is given. */
export async function resolveVpc(ec2: EC2Client, subnetId: string | undefined): Promise<string> {
  if (subnetId) {
    const out = await awsCall(`DescribeSubnets ${subnetId}`, () =>
      ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] })),
    );
    const vpc = out.Subnets?.[0]?.VpcId;
    if (!vpc)
      throw new ActionError(`The subnet ${subnetId} was not found.`, 'Check "subnet-id" and the region.');
    return vpc;
  }
  const out = await awsCall('DescribeVpcs (default VPC)', () =>
    ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] })),
  );
  const vpc = out.Vpcs?.[0]?.VpcId;
  if (!vpc)
    throw new ActionError(
      'This region has no default VPC and no "subnet-id" was given.',
      'Set "subnet-id" to a subnet with outbound internet access (or VPC endpoints).',
    );
  return vpc;
}

/** A security group with no inbound rules (the default egress rule lets the instance reach package mirrors). */
export async function createTempSecurityGroup(
  ec2: EC2Client,
  spec: NativeBuildSpec,
  vpcId: string,
  dryRun = false,
): Promise<string> {
  const out = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `hac-build-ami-${spec.runId.replace(/[^A-Za-z0-9._-]/g, '-')}`.slice(0, 255),
      Description: `hac build-ami temporary group (run ${spec.runId}); no inbound rules`.replace(
        /[^A-Za-z0-9. _\-:/()#,@[\]+=&;{}!$*]/g,
        '-',
      ),
      VpcId: vpcId,
      TagSpecifications: tagSpecifications(
        ['security-group'],
        runTags(spec.runId, PURPOSE.securityGroup, { Name: `hac-build-ami ${spec.app}` }),
      ),
      DryRun: dryRun,
    }),
  );
  return out.GroupId as string;
}

export function runInstancesInput(
  spec: NativeBuildSpec,
  imageId: string,
  groupIds: string[],
  rootDevice?: string,
): RunInstancesCommandInput {
  const tags = runTags(spec.runId, PURPOSE.instance, { Name: `hac-build-ami ${spec.app}` });
  return {
    ImageId: imageId,
    InstanceType: spec.instanceType as RunInstancesCommandInput['InstanceType'],
    MinCount: 1,
    MaxCount: 1,
    ...(spec.subnetId ? { SubnetId: spec.subnetId } : {}),
    ...(groupIds.length ? { SecurityGroupIds: groupIds } : {}),
    ...(spec.instanceProfile
      ? {
          IamInstanceProfile: spec.instanceProfile.startsWith('arn:')
            ? { Arn: spec.instanceProfile }
            : { Name: spec.instanceProfile },
        }
      : {}),
    ...(spec.userData ? { UserData: Buffer.from(spec.userData, 'utf8').toString('base64') } : {}),
    ...(spec.volumeSizeGb && rootDevice
      ? {
          BlockDeviceMappings: [
            { DeviceName: rootDevice, Ebs: { VolumeSize: spec.volumeSizeGb, DeleteOnTermination: true } },
          ],
        }
      : {}),
    InstanceInitiatedShutdownBehavior: 'stop',
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
    TagSpecifications: tagSpecifications(['instance', 'volume'], tags),
  };
}

export async function launchTempInstance(ec2: EC2Client, input: RunInstancesCommandInput): Promise<string> {
  const out = await awsCall('RunInstances (temporary build instance)', () =>
    ec2.send(new RunInstancesCommand(input)),
  );
  const id = out.Instances?.[0]?.InstanceId;
  if (!id) throw new ActionError('RunInstances returned no instance.', 'Re-run the job.');
  return id;
}

/** Terminates instances and waits until they are gone (security groups can only be deleted then). */
export async function terminateAndWait(
  ec2: EC2Client,
  instanceIds: string[],
  abortSignal?: AbortSignal,
): Promise<void> {
  if (instanceIds.length === 0) return;
  try {
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: instanceIds }));
  } catch (err) {
    if (!isAwsError(err, 'InvalidInstanceID.NotFound'))
      throw describeAwsError(err, `TerminateInstances ${instanceIds.join(', ')}`);
    return;
  }
  try {
    await runWaiter(ec2, 600, abortSignal, (p) =>
      waitUntilInstanceTerminated(p, { InstanceIds: instanceIds }),
    );
  } catch (err) {
    throw describeAwsError(
      err instanceof WaiterCallError ? err.callError : err,
      `waiting for ${instanceIds.join(', ')} to terminate`,
    );
  }
}

export async function deleteSecurityGroup(ec2: EC2Client, groupId: string): Promise<void> {
  try {
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
  } catch (err) {
    if (!isAwsError(err, 'InvalidGroup.NotFound'))
      throw describeAwsError(err, `DeleteSecurityGroup ${groupId}`);
  }
}

export function snapshotIdsOf(image: Image | undefined): string[] {
  return (image?.BlockDeviceMappings ?? [])
    .map((m) => m.Ebs?.SnapshotId)
    .filter((s): s is string => Boolean(s));
}

export async function describeImage(ec2: EC2Client, imageId: string): Promise<Image | undefined> {
  try {
    const out = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    return out.Images?.[0];
  } catch (err) {
    if (isAwsError(err, 'InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable')) return undefined;
    throw describeAwsError(err, `DescribeImages ${imageId}`);
  }
}

/** Deregisters an image and deletes its snapshots (read before deregistering). */
export async function deregisterWithSnapshots(
  ec2: EC2Client,
  imageId: string,
  known?: Image,
): Promise<string[]> {
  const image = known ?? (await describeImage(ec2, imageId));
  const snapshots = snapshotIdsOf(image);
  if (image) {
    try {
      await ec2.send(new DeregisterImageCommand({ ImageId: imageId }));
    } catch (err) {
      if (!isAwsError(err, 'InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable'))
        throw describeAwsError(err, `DeregisterImage ${imageId}`);
    }
  }
  for (const snap of snapshots) await deleteSnapshot(ec2, snap);
  return snapshots;
}

export async function deleteSnapshot(ec2: EC2Client, snapshotId: string): Promise<void> {
  try {
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
  } catch (err) {
    if (!isAwsError(err, 'InvalidSnapshot.NotFound'))
      throw describeAwsError(err, `DeleteSnapshot ${snapshotId}`);
  }
}

export async function tagResources(ec2: EC2Client, ids: string[], tags: Tag[], what: string): Promise<void> {
  if (ids.length === 0) return;
  await awsCall(`CreateTags (${what})`, () =>
    ec2.send(new CreateTagsCommand({ Resources: ids, Tags: tags })),
  );
}
