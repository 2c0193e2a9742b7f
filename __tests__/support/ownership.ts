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
  /** The kinds that were listed (all when absent): a destructive call on another kind is a violation. */
  listed?: InventoryKind[];
}

export type InventoryKind = 'instances' | 'groups' | 'images' | 'snapshots';
const ALL_KINDS: InventoryKind[] = ['instances', 'groups', 'images', 'snapshots'];

/**
 * Everything of `kinds` that exists now in the given regions' clients, before a run (the listings
 * run at once). A suite whose action never deletes some kinds leaves them out: any destructive call
 * on them is then a violation.
 */
export async function inventory(
  clients: EC2Client[],
  kinds: InventoryKind[] = ALL_KINDS,
): Promise<Inventory> {
  const inv: Inventory = {
    instances: new Set(),
    groups: new Set(),
    images: new Map(),
    snapshots: new Map(),
    listed: kinds,
  };
  const want = (k: InventoryKind) => kinds.includes(k);
  const listings = await Promise.all(
    clients.map((ec2) =>
      Promise.all([
        want('instances') ? ec2.send(new DescribeInstancesCommand({})) : undefined,
        want('groups') ? ec2.send(new DescribeSecurityGroupsCommand({})) : undefined,
        want('images') || want('snapshots')
          ? ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))
          : undefined,
        want('snapshots') ? ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] })) : undefined,
      ]),
    ),
  );
  for (const [inst, groups, images, snaps] of listings) {
    for (const i of (inst?.Reservations ?? []).flatMap((r) => r.Instances ?? []))
      inv.instances.add(i.InstanceId!);
    for (const g of groups?.SecurityGroups ?? []) inv.groups.add(g.GroupId!);
    for (const img of images?.Images ?? []) {
      const family = img.Tags?.find((t) => t.Key === 'hac:family')?.Value ?? '';
      inv.images.set(img.ImageId!, family);
      for (const m of img.BlockDeviceMappings ?? [])
        if (m.Ebs?.SnapshotId) inv.snapshots.set(m.Ebs.SnapshotId, family);
    }
    for (const s of snaps?.Snapshots ?? [])
      if (!inv.snapshots.has(s.SnapshotId!)) inv.snapshots.set(s.SnapshotId!, '');
  }
  return inv;
}

const DESTRUCTIVE: Record<string, { param: RegExp; kind: InventoryKind }> = {
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
    if (before.listed && !before.listed.includes(kind)) {
      bad.push(...call.ids.map((id) => `${call.action} ${id} (${kind} were not listed before the run)`));
      continue;
    }
    for (const id of call.ids) {
      if (!before[kind].has(id) || named.includes(id)) continue;
      const ofFamily =
        (kind === 'images' || kind === 'snapshots') && family && before[kind].get(id) === family;
      if (!ofFamily) bad.push(`${call.action} ${id}`);
    }
  }
  return bad;
}
