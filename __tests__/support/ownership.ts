// Never touch what is not ours: the destructive EC2 calls an action sent (from the fault proxy's
// log) checked against what existed before the run, as an independent client listed it. A call may
// target only what the run itself created (absent from the inventory taken before it), or what the
// user named for that purpose: images of the family that retention manages, and their snapshots.
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import type { LoggedRequest } from './fault-proxy.js';

export interface Inventory {
  instances: Set<string>;
  groups: Set<string>;
  /** image id → its hac:family tag ('' when it has none) */
  images: Map<string, string>;
  /** snapshot id → the hac:family of the image it backs ('' when none) */
  snapshots: Map<string, string>;
}

/** Everything that exists now in the given regions' clients, before a run. */
export async function inventory(clients: EC2Client[]): Promise<Inventory> {
  const inv: Inventory = { instances: new Set(), groups: new Set(), images: new Map(), snapshots: new Map() };
  for (const ec2 of clients) {
    const inst = await ec2.send(new DescribeInstancesCommand({}));
    for (const i of (inst.Reservations ?? []).flatMap((r) => r.Instances ?? []))
      inv.instances.add(i.InstanceId!);
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({}));
    for (const g of groups.SecurityGroups ?? []) inv.groups.add(g.GroupId!);
    const images = await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
    for (const img of images.Images ?? []) {
      const family = img.Tags?.find((t) => t.Key === 'hac:family')?.Value ?? '';
      inv.images.set(img.ImageId!, family);
      for (const m of img.BlockDeviceMappings ?? [])
        if (m.Ebs?.SnapshotId) inv.snapshots.set(m.Ebs.SnapshotId, family);
    }
    const snaps = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    for (const s of snaps.Snapshots ?? [])
      if (!inv.snapshots.has(s.SnapshotId!)) inv.snapshots.set(s.SnapshotId!, '');
  }
  return inv;
}

const DESTRUCTIVE: Record<string, { param: RegExp; kind: keyof Inventory }> = {
  TerminateInstances: { param: /^InstanceId\.\d+$/, kind: 'instances' },
  StopInstances: { param: /^InstanceId\.\d+$/, kind: 'instances' },
  DeleteSecurityGroup: { param: /^GroupId$/, kind: 'groups' },
  DeregisterImage: { param: /^ImageId$/, kind: 'images' },
  DeleteSnapshot: { param: /^SnapshotId$/, kind: 'snapshots' },
};

/** The destructive calls in a proxy log, each with the ids it names. */
export function destructiveCalls(log: LoggedRequest[]): { action: string; ids: string[] }[] {
  return log
    .filter((r) => r.action in DESTRUCTIVE)
    .map((r) => ({
      action: r.action,
      ids: Object.entries(r.params)
        .filter(([k]) => DESTRUCTIVE[r.action]!.param.test(k))
        .map(([, v]) => v),
    }));
}

/**
 * Destructive calls that break the rule: each names something that existed before the run and is
 * neither an image of `family` nor a snapshot of one (`family` undefined: no retention was asked for),
 * nor one of `named` (what the user named for retirement, e.g. swap-eip's previous instance).
 */
export function ownershipViolations(
  before: Inventory,
  log: LoggedRequest[],
  family?: string,
  named: string[] = [],
): string[] {
  const bad: string[] = [];
  for (const call of destructiveCalls(log)) {
    const kind = DESTRUCTIVE[call.action]!.kind;
    for (const id of call.ids) {
      if (!before[kind].has(id) || named.includes(id)) continue;
      const ofFamily =
        (kind === 'images' || kind === 'snapshots') && family && before[kind].get(id) === family;
      if (!ofFamily) bad.push(`${call.action} ${id}`);
    }
  }
  return bad;
}
