// The EC2 calls swap-eip makes, one small function each. Every failure becomes an ActionError naming the call.
import {
  AssociateAddressCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeNetworkInterfacesCommand,
  DisassociateAddressCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type AssociateAddressCommandInput,
  type EC2Client,
  type Instance,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { ActionError } from '@hac/toolkit';
import { awsCall, describeAwsError, dryRun, isAwsError } from '../errors.js';
import { runIdFilter, tagsToRecord } from '../tags.js';
import { LOCK_TAG, PURPOSE_INSTANCE } from './names.js';
import type { AddressRef } from './config.js';
import type { LockStore } from './lock.js';

/** An Elastic IP and where it points now. Empty strings from the API are normalized to undefined. */
export interface AddressInfo {
  allocationId: string;
  publicIp: string;
  associationId?: string;
  instanceId?: string;
  networkInterfaceId?: string;
  privateIp?: string;
  tags: Record<string, string>;
}

export interface NetworkInterfaceInfo {
  id: string;
  deviceIndex: number;
  privateIps: string[];
  primaryPrivateIp?: string;
}

export interface InstanceInfo {
  instanceId: string;
  state: string;
  privateIp?: string;
  publicIp?: string;
  networkInterfaces: NetworkInterfaceInfo[];
  tags: Record<string, string>;
}

const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
const opts = (signal?: AbortSignal) => (signal ? { abortSignal: signal } : {});

export async function describeAddress(
  ec2: EC2Client,
  ref: AddressRef,
  signal?: AbortSignal,
): Promise<AddressInfo> {
  const input = 'allocationId' in ref ? { AllocationIds: [ref.allocationId] } : { PublicIps: [ref.publicIp] };
  const name = 'allocationId' in ref ? ref.allocationId : ref.publicIp;
  let out;
  try {
    out = await ec2.send(new DescribeAddressesCommand(input), opts(signal));
  } catch (err) {
    if (isAwsError(err, 'InvalidAllocationID.NotFound', 'InvalidAddress.NotFound'))
      throw new ActionError(
        `The Elastic IP ${name} does not exist in this region.`,
        'Check "allocation-id" / "public-ip" and "region".',
        { cause: err },
      );
    throw describeAwsError(err, `DescribeAddresses ${name}`);
  }
  const a = out.Addresses?.[0];
  if (!a)
    throw new ActionError(
      `The Elastic IP ${name} does not exist in this region.`,
      'Check "allocation-id" / "public-ip" and "region".',
    );
  if (!a.AllocationId)
    throw new ActionError(
      `The Elastic IP ${name} has no allocation id (an EC2-Classic address).`,
      'Move the address to a VPC (aws ec2 move-address-to-vpc) and use its allocation id.',
    );
  return {
    allocationId: a.AllocationId,
    publicIp: a.PublicIp ?? '',
    associationId: nonEmpty(a.AssociationId),
    instanceId: nonEmpty(a.InstanceId),
    networkInterfaceId: nonEmpty(a.NetworkInterfaceId),
    privateIp: nonEmpty(a.PrivateIpAddress),
    tags: tagsToRecord(a.Tags),
  };
}

export function toInstanceInfo(i: Instance): InstanceInfo {
  return {
    instanceId: i.InstanceId ?? '',
    state: i.State?.Name ?? 'unknown',
    privateIp: nonEmpty(i.PrivateIpAddress),
    publicIp: nonEmpty(i.PublicIpAddress),
    networkInterfaces: (i.NetworkInterfaces ?? [])
      .map((n) => ({
        id: n.NetworkInterfaceId ?? '',
        deviceIndex: n.Attachment?.DeviceIndex ?? 0,
        privateIps: (n.PrivateIpAddresses ?? []).map((p) => p.PrivateIpAddress ?? '').filter(Boolean),
        primaryPrivateIp:
          nonEmpty(n.PrivateIpAddress) ?? n.PrivateIpAddresses?.find((p) => p.Primary)?.PrivateIpAddress,
      }))
      .sort((a, b) => a.deviceIndex - b.deviceIndex),
    tags: tagsToRecord(i.Tags),
  };
}

export async function describeInstance(
  ec2: EC2Client,
  instanceId: string,
  signal?: AbortSignal,
): Promise<InstanceInfo> {
  let out;
  try {
    out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }), opts(signal));
  } catch (err) {
    if (isAwsError(err, 'InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed'))
      throw new ActionError(
        `The instance ${instanceId} does not exist in this region.`,
        'Check "instance-id" and "region".',
        { cause: err },
      );
    throw describeAwsError(err, `DescribeInstances ${instanceId}`);
  }
  const i = out.Reservations?.[0]?.Instances?.[0];
  if (!i)
    throw new ActionError(
      `The instance ${instanceId} does not exist in this region.`,
      'Check "instance-id" and "region".',
    );
  return toInstanceInfo(i);
}

/** The instance a network interface is attached to (DescribeAddresses leaves InstanceId empty for ENI associations on some endpoints). */
export async function instanceOfInterface(
  ec2: EC2Client,
  eni: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const out = await awsCall(`DescribeNetworkInterfaces ${eni}`, () =>
    ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni] }), opts(signal)),
  );
  return nonEmpty(out.NetworkInterfaces?.[0]?.Attachment?.InstanceId);
}

/** Checks that a launch template exists (RunInstances' DryRun does not on every endpoint). */
export async function checkLaunchTemplate(
  ec2: EC2Client,
  t: { id?: string; name?: string },
  signal?: AbortSignal,
): Promise<string> {
  const what = t.id ?? t.name ?? '';
  try {
    const out = await ec2.send(
      new DescribeLaunchTemplatesCommand(
        t.id ? { LaunchTemplateIds: [t.id] } : { LaunchTemplateNames: [t.name as string] },
      ),
      opts(signal),
    );
    const lt = out.LaunchTemplates?.[0];
    if (!lt?.LaunchTemplateId) throw new Error('not found');
    return lt.LaunchTemplateId;
  } catch (err) {
    if (err instanceof Error && err.message === 'not found')
      throw new ActionError(
        `The launch template ${what} does not exist in this region.`,
        'Check "launch-template" and "region".',
      );
    if (
      isAwsError(
        err,
        'InvalidLaunchTemplateName.NotFoundException',
        'InvalidLaunchTemplateId.NotFound',
        'InvalidLaunchTemplateId.Malformed',
      )
    )
      throw new ActionError(
        `The launch template ${what} does not exist in this region.`,
        'Check "launch-template" and "region".',
        { cause: err },
      );
    throw describeAwsError(err, `DescribeLaunchTemplates ${what}`);
  }
}

export async function runInstance(
  ec2: EC2Client,
  input: RunInstancesCommandInput,
  signal?: AbortSignal,
): Promise<InstanceInfo> {
  const out = await awsCall('RunInstances', () => ec2.send(new RunInstancesCommand(input), opts(signal)));
  const i = out.Instances?.[0];
  if (!i?.InstanceId) throw new ActionError('RunInstances returned no instance.', 'Re-run the job.');
  return toInstanceInfo(i);
}

/** Dry-runs RunInstances; 'ok' when EC2 answered DryRunOperation. */
export async function dryRunInstance(
  ec2: EC2Client,
  input: RunInstancesCommandInput,
  signal?: AbortSignal,
): Promise<'ok' | 'unsupported'> {
  return dryRun('RunInstances', () =>
    ec2.send(new RunInstancesCommand({ ...input, DryRun: true }), opts(signal)),
  );
}

export async function dryRunAssociate(
  ec2: EC2Client,
  input: AssociateAddressCommandInput,
  signal?: AbortSignal,
): Promise<'ok' | 'unsupported'> {
  return dryRun('AssociateAddress', () =>
    ec2.send(new AssociateAddressCommand({ ...input, DryRun: true }), opts(signal)),
  );
}

export async function dryRunTag(
  ec2: EC2Client,
  allocationId: string,
  signal?: AbortSignal,
): Promise<'ok' | 'unsupported'> {
  return dryRun('CreateTags', () =>
    ec2.send(
      new CreateTagsCommand({
        DryRun: true,
        Resources: [allocationId],
        Tags: [{ Key: LOCK_TAG, Value: 'dry-run' }],
      }),
      opts(signal),
    ),
  );
}

export async function associate(
  ec2: EC2Client,
  input: AssociateAddressCommandInput,
  signal?: AbortSignal,
): Promise<string> {
  const out = await awsCall(
    `AssociateAddress ${input.AllocationId} -> ${input.NetworkInterfaceId ?? input.InstanceId}`,
    () => ec2.send(new AssociateAddressCommand(input), opts(signal)),
  );
  return out.AssociationId ?? '';
}

export async function disassociate(
  ec2: EC2Client,
  associationId: string,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await ec2.send(new DisassociateAddressCommand({ AssociationId: associationId }), opts(signal));
  } catch (err) {
    if (isAwsError(err, 'InvalidAssociationID.NotFound')) return;
    throw describeAwsError(err, `DisassociateAddress ${associationId}`);
  }
}

export async function terminate(ec2: EC2Client, ids: string[], signal?: AbortSignal): Promise<void> {
  if (ids.length === 0) return;
  try {
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }), opts(signal));
  } catch (err) {
    if (isAwsError(err, 'InvalidInstanceID.NotFound')) return;
    throw describeAwsError(err, `TerminateInstances ${ids.join(', ')}`);
  }
}

export async function stop(ec2: EC2Client, id: string, signal?: AbortSignal): Promise<void> {
  await awsCall(`StopInstances ${id}`, () =>
    ec2.send(new StopInstancesCommand({ InstanceIds: [id] }), opts(signal)),
  );
}

/** Instances this run launched that are not terminated (found by the run-id tag). */
export async function runInstances(ec2: EC2Client, runId: string, signal?: AbortSignal): Promise<string[]> {
  const out = await awsCall('DescribeInstances (run sweep)', () =>
    ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          runIdFilter(runId),
          { Name: 'tag:hac:purpose', Values: [PURPOSE_INSTANCE] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
        ],
      }),
      opts(signal),
    ),
  );
  return (out.Reservations ?? [])
    .flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId ?? ''))
    .filter(Boolean);
}

/** The lock tag on one Elastic IP, through DescribeAddresses / CreateTags / DeleteTags. */
export function addressLockStore(ec2: EC2Client, allocationId: string, signal?: AbortSignal): LockStore {
  return {
    read: async () => (await describeAddress(ec2, { allocationId }, signal)).tags[LOCK_TAG],
    write: async (value) => {
      await awsCall(`CreateTags ${LOCK_TAG} on ${allocationId}`, () =>
        ec2.send(
          new CreateTagsCommand({ Resources: [allocationId], Tags: [{ Key: LOCK_TAG, Value: value }] }),
          opts(signal),
        ),
      );
    },
    remove: async (value) => {
      await awsCall(`DeleteTags ${LOCK_TAG} on ${allocationId}`, () =>
        ec2.send(
          new DeleteTagsCommand({ Resources: [allocationId], Tags: [{ Key: LOCK_TAG, Value: value }] }),
          opts(signal),
        ),
      );
    },
  };
}
