// The swap plan, as a value: from the typed inputs and what was observed (the address, where it
// points, the new instance in instance mode, the lock), the steps a run takes and what dry-run
// prints. Pure: execute.ts carries it out, the tests table it.
import { ActionError, formatDuration } from '@hac/toolkit';
import type { SwapConfig } from './config.js';
import type { AddressInfo, InstanceInfo } from './ec2.js';
import type { LockStatus } from './lock.js';
import { LOCK_TAG } from './names.js';
import {
  chooseTarget,
  describeTarget,
  pointsAt,
  type AssociationTarget,
  type PreviousAssociation,
} from './requests.js';

/** What the reads before any write found. */
export interface Observed {
  address: AddressInfo;
  /** Where the address pointed (with the owner of its network interface when EC2 left InstanceId empty). */
  previous: PreviousAssociation;
  /** Instance mode: the instance named in "instance-id", as described. */
  instance?: InstanceInfo;
  /** The lock tag as this run's owner sees it now. */
  lock: LockStatus;
}

/** The steps of a real run; `release` marks the swap verified, then retires the old instance. */
export type SwapStep = 'lock' | 'launch' | 'pre-swap gate' | 'associate' | 'post-swap gate' | 'release';

/** A dry-run call whose answer dry-run prints (`DryRun: true`; nothing is changed). */
export type DryRunProbe = 'CreateTags' | 'RunInstances' | 'AssociateAddress';

/** One line of the dry-run report: fixed text, or the answer of a dry-run call. */
export type PlanLine = { text: string } | { probe: DryRunProbe; label: string };

/** What happens to the instance the address pointed at, once the swap is verified. */
export interface Retirement {
  instanceId: string;
  action: SwapConfig['oldInstance'];
  graceMs: number;
}

export interface SwapPlan {
  /** `unchanged`: the address already points at the target; `dry-run`: only the probes run. */
  action: 'swap' | 'dry-run' | 'unchanged';
  /** Known before any write in instance mode; in launch mode, chosen once the instance runs. */
  target?: AssociationTarget;
  /** What a real run does, in order. */
  steps: SwapStep[];
  /** What `release` does to the instance the address pointed at (none: nothing to retire). */
  retire?: Retirement;
  /** What dry-run prints, in order. */
  dryRun: PlanLine[];
}

/** Refuses to move an associated address when "allow-reassociation" is false (before any write). */
export function checkReassociation(config: SwapConfig, seen: Pick<Observed, 'address' | 'previous'>): void {
  const a = seen.address;
  if (config.allowReassociation || !a.associationId) return;
  throw new ActionError(
    `The Elastic IP ${a.publicIp} is associated with ${seen.previous.instanceId ?? a.networkInterfaceId}, and "allow-reassociation" is false.`,
    'Set "allow-reassociation: true" to move it, or disassociate it first. Nothing was changed.',
  );
}

/** The target of instance mode (throws when the instance is not running or lacks the interface or IP). */
export function instanceTarget(config: SwapConfig, instance: InstanceInfo): AssociationTarget {
  return chooseTarget(instance, {
    networkInterfaceIndex: config.networkInterfaceIndex,
    privateIp: config.privateIp,
  });
}

/** The plan of one swap. */
export function planSwap(config: SwapConfig, seen: Observed): SwapPlan {
  const target = seen.instance ? instanceTarget(config, seen.instance) : undefined;
  const old = seen.previous.instanceId;
  const retire: Retirement | undefined =
    old && old !== seen.instance?.instanceId
      ? { instanceId: old, action: config.oldInstance, graceMs: config.graceMs }
      : undefined;
  const steps: SwapStep[] = [
    'lock',
    ...(config.target.mode === 'launch' ? (['launch'] as const) : []),
    'pre-swap gate',
    'associate',
    'post-swap gate',
    'release',
  ];
  const unchanged = target !== undefined && pointsAt(seen.address, target);
  const action = unchanged ? 'unchanged' : config.dryRun ? 'dry-run' : 'swap';
  return {
    action,
    ...(target ? { target } : {}),
    steps: unchanged ? [] : steps,
    ...(retire ? { retire } : {}),
    dryRun: dryRunLines(config, seen, target),
  };
}

function lockLine(lock: LockStatus, address: AddressInfo, lockTimeoutMs: number): string {
  switch (lock.kind) {
    case 'free':
      return 'lock: free';
    case 'expired':
      return `lock: expired (${lock.holder.owner}); would be taken over`;
    case 'held':
      return `lock: held by ${lock.holder.owner}; would wait up to ${formatDuration(lockTimeoutMs)}`;
    default:
      return `lock: manual hold ${JSON.stringify(address.tags[LOCK_TAG])}`;
  }
}

/** What dry-run prints: the lock, the dry-run calls, then what a real run would do. */
export function dryRunLines(
  config: SwapConfig,
  seen: Observed,
  target: AssociationTarget | undefined,
): PlanLine[] {
  const t = config.target;
  const a = seen.address;
  const old = seen.previous.instanceId;
  return [
    { text: lockLine(seen.lock, a, config.lockTimeoutMs) },
    { probe: 'CreateTags', label: `CreateTags ${LOCK_TAG} (dry run)` },
    ...(t.mode === 'launch'
      ? [
          { probe: 'RunInstances', label: 'RunInstances (dry run)' } as const,
          {
            text: `would launch 1 instance from ${t.template.name ?? t.template.id} ${t.template.version}${t.amiId ? ` with ${t.amiId}` : ''}, wait for running and status ok`,
          },
        ]
      : [{ probe: 'AssociateAddress', label: 'AssociateAddress (dry run)' } as const]),
    {
      text: config.preGate
        ? `would run the pre-swap gate (${config.preGate.kind}) on the new instance`
        : 'no pre-swap gate',
    },
    {
      text: `would associate ${a.publicIp} with ${target ? describeTarget(target) : 'the new instance'} (AllowReassociation=${config.allowReassociation})`,
    },
    { text: config.postGate ? 'would run the post-swap gate through the Elastic IP' : 'no post-swap gate' },
    {
      text: old
        ? `after ${formatDuration(config.graceMs)}, would ${config.oldInstance} ${old}`
        : 'no previous instance to retire',
    },
  ];
}
