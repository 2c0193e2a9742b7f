import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { errorMessage } from '@hac/toolkit';
import { awsCall } from '../errors.js';
import { runIdFilter, TAG_PURPOSE } from '../tags.js';
import {
  deleteSecurityGroup,
  deleteSnapshot,
  deregisterWithSnapshots,
  terminateAndWait,
} from './resources.js';
import { PURPOSE } from './types.js';

export interface SweepReport {
  region: string;
  instances: string[];
  images: string[];
  snapshots: string[];
  securityGroups: string[];
  errors: string[];
}

const purposeFilter = (...values: string[]) => ({ Name: `tag:${TAG_PURPOSE}`, Values: values });

type Sweeper = (
  ec2: EC2Client,
  runId: string,
  report: SweepReport,
  abortSignal?: AbortSignal,
) => Promise<void>;

/** Build instances of the run (any state but terminated): terminated, and waited for. */
const sweepInstances: Sweeper = async (ec2, runId, report, abortSignal) => {
  const out = await awsCall('DescribeInstances (sweep)', () =>
    ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          runIdFilter(runId),
          purposeFilter(PURPOSE.instance),
          {
            Name: 'instance-state-name',
            Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'],
          },
        ],
      }),
    ),
  );
  const ids = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId as string);
  await terminateAndWait(ec2, ids, abortSignal);
  report.instances.push(...ids);
};

/** Images still marked pending: deregistered, with their snapshots. */
const sweepImages: Sweeper = async (ec2, runId, report) => {
  const out = await awsCall('DescribeImages (sweep)', () =>
    ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [runIdFilter(runId), purposeFilter(PURPOSE.pendingImage)],
      }),
    ),
  );
  for (const image of out.Images ?? []) {
    report.snapshots.push(...(await deregisterWithSnapshots(ec2, image.ImageId as string, image)));
    report.images.push(image.ImageId as string);
  }
};

/** Pending snapshots no image holds any more. */
const sweepSnapshots: Sweeper = async (ec2, runId, report) => {
  const out = await awsCall('DescribeSnapshots (sweep)', () =>
    ec2.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ['self'],
        Filters: [runIdFilter(runId), purposeFilter(PURPOSE.pendingImage)],
      }),
    ),
  );
  for (const snap of out.Snapshots ?? []) {
    if (report.snapshots.includes(snap.SnapshotId as string)) continue;
    await deleteSnapshot(ec2, snap.SnapshotId as string);
    report.snapshots.push(snap.SnapshotId as string);
  }
};

/** The temporary security groups. */
const sweepGroups: Sweeper = async (ec2, runId, report) => {
  const out = await awsCall('DescribeSecurityGroups (sweep)', () =>
    ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [runIdFilter(runId), purposeFilter(PURPOSE.securityGroup)],
      }),
    ),
  );
  for (const g of out.SecurityGroups ?? []) {
    await deleteSecurityGroup(ec2, g.GroupId as string);
    report.securityGroups.push(g.GroupId as string);
  }
};

/**
 * Removes every temporary resource of a run in one region, found by its tags: build instances,
 * images still marked pending, orphan pending snapshots, and the temporary security groups.
 * Finished images are never touched. Each step runs even when an earlier one failed; failures
 * are reported, not thrown.
 */
export async function sweepRun(
  ec2: EC2Client,
  runId: string,
  region: string,
  opts: { abortSignal?: AbortSignal } = {},
): Promise<SweepReport> {
  const report: SweepReport = {
    region,
    instances: [],
    images: [],
    snapshots: [],
    securityGroups: [],
    errors: [],
  };
  for (const sweep of [sweepInstances, sweepImages, sweepSnapshots, sweepGroups]) {
    try {
      await sweep(ec2, runId, report, opts.abortSignal);
    } catch (err) {
      report.errors.push(errorMessage(err));
    }
  }
  return report;
}

export function sweptAnything(r: SweepReport): boolean {
  return r.instances.length + r.images.length + r.snapshots.length + r.securityGroups.length > 0;
}
