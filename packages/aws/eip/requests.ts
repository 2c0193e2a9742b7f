// Pure request builders and address comparisons: what to send to EC2, decided from what was described. No I/O here.
import type { AssociateAddressCommandInput, RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { ActionError } from '@hac/toolkit';
import { runTags, tagSpecifications } from '../tags.js';
import { PURPOSE_INSTANCE } from './names.js';
import type { Target } from './config.js';
import type { AddressInfo, InstanceInfo } from './ec2.js';

/** Where the Elastic IP goes: the instance itself, or one of its network interfaces. */
export type AssociationTarget =
  | { kind: 'instance'; instanceId: string; privateIp?: string }
  | { kind: 'eni'; instanceId: string; networkInterfaceId: string; privateIp?: string };

/** Where the Elastic IP pointed before the swap (undefined fields: it was not associated). */
export interface PreviousAssociation {
  associationId?: string;
  instanceId?: string;
  networkInterfaceId?: string;
  privateIp?: string;
}

export const RUNNABLE_STATES = ['running'];

/**
 * Picks the association target. An instance with several network interfaces always gets a
 * NetworkInterfaceId (the interface at `networkInterfaceIndex`, or the primary one), because EC2
 * rejects an InstanceId association for it in some cases and picks the primary silently in others.
 */
export function chooseTarget(
  instance: InstanceInfo,
  opts: { networkInterfaceIndex?: number; privateIp?: string },
): AssociationTarget {
  if (!RUNNABLE_STATES.includes(instance.state)) {
    throw new ActionError(
      `The instance ${instance.instanceId} is ${instance.state}, not running.`,
      'Start the instance, or give the id of a running one.',
    );
  }
  const enis = instance.networkInterfaces;
  const useEni = opts.networkInterfaceIndex !== undefined || enis.length > 1;
  const eni = useEni ? enis.find((n) => n.deviceIndex === (opts.networkInterfaceIndex ?? 0)) : enis[0];
  if (useEni && !eni) {
    const have = enis.map((n) => n.deviceIndex).join(', ') || 'none';
    throw new ActionError(
      `The instance ${instance.instanceId} has no network interface at device index ${opts.networkInterfaceIndex ?? 0} (it has: ${have}).`,
      'Set "network-interface-index" to one of the listed device indexes.',
    );
  }
  if (opts.privateIp && eni && !eni.privateIps.includes(opts.privateIp)) {
    throw new ActionError(
      `The private IP ${opts.privateIp} is not on ${eni.id} of ${instance.instanceId} (it has: ${eni.privateIps.join(', ') || 'none'}).`,
      'Set "private-ip" to one of the listed addresses, or leave it empty for the primary one.',
    );
  }
  const privateIp = opts.privateIp ? { privateIp: opts.privateIp } : {};
  if (useEni && eni)
    return { kind: 'eni', instanceId: instance.instanceId, networkInterfaceId: eni.id, ...privateIp };
  return { kind: 'instance', instanceId: instance.instanceId, ...privateIp };
}

/** AssociateAddress for the swap, with AllowReassociation always explicit. */
export function associateInput(
  allocationId: string,
  target: AssociationTarget,
  allowReassociation: boolean,
): AssociateAddressCommandInput {
  return {
    AllocationId: allocationId,
    ...(target.kind === 'eni'
      ? { NetworkInterfaceId: target.networkInterfaceId }
      : { InstanceId: target.instanceId }),
    ...(target.privateIp ? { PrivateIpAddress: target.privateIp } : {}),
    AllowReassociation: allowReassociation,
  };
}

/** AssociateAddress that puts the Elastic IP back where it was; undefined when it was not associated. */
export function restoreInput(
  allocationId: string,
  previous: PreviousAssociation,
): AssociateAddressCommandInput | undefined {
  if (previous.networkInterfaceId) {
    return {
      AllocationId: allocationId,
      NetworkInterfaceId: previous.networkInterfaceId,
      ...(previous.privateIp ? { PrivateIpAddress: previous.privateIp } : {}),
      AllowReassociation: true,
    };
  }
  if (previous.instanceId)
    return { AllocationId: allocationId, InstanceId: previous.instanceId, AllowReassociation: true };
  return undefined;
}

export function previousOf(address: AddressInfo): PreviousAssociation {
  return {
    ...(address.associationId ? { associationId: address.associationId } : {}),
    ...(address.instanceId ? { instanceId: address.instanceId } : {}),
    ...(address.networkInterfaceId ? { networkInterfaceId: address.networkInterfaceId } : {}),
    ...(address.privateIp ? { privateIp: address.privateIp } : {}),
  };
}

/** Whether the address currently points at `target` (by interface when known, else by instance). */
export function pointsAt(address: AddressInfo, target: AssociationTarget): boolean {
  if (!address.associationId) return false;
  if (target.privateIp && address.privateIp && address.privateIp !== target.privateIp) return false;
  if (target.kind === 'eni') return address.networkInterfaceId === target.networkInterfaceId;
  return address.instanceId === target.instanceId;
}

/** Whether the address points where it pointed before (nothing to restore). */
export function pointsAtPrevious(address: AddressInfo, previous: PreviousAssociation): boolean {
  if (!previous.instanceId && !previous.networkInterfaceId) return !address.associationId;
  if (!address.associationId) return false;
  if (previous.networkInterfaceId)
    return (
      address.networkInterfaceId === previous.networkInterfaceId &&
      (!previous.privateIp || address.privateIp === previous.privateIp)
    );
  return address.instanceId === previous.instanceId;
}

/** RunInstances from the launch template: one instance, tagged with the run id so it can always be found and removed. */
export function launchInput(
  target: Extract<Target, { mode: 'launch' }>,
  runId: string,
  clientToken: string,
): RunInstancesCommandInput {
  const t = target.template;
  return {
    LaunchTemplate: {
      ...(t.id ? { LaunchTemplateId: t.id } : { LaunchTemplateName: t.name }),
      Version: t.version,
    },
    ...(target.amiId ? { ImageId: target.amiId } : {}),
    MinCount: 1,
    MaxCount: 1,
    ClientToken: clientToken,
    TagSpecifications: tagSpecifications(
      ['instance', 'volume'],
      runTags(runId, PURPOSE_INSTANCE, target.tags),
    ),
  };
}

/** "i-1 via eni-2 (10.0.0.5)": where an association target points, for logs and the summary. */
export function describeTarget(t: AssociationTarget): string {
  return t.kind === 'eni'
    ? `${t.instanceId} via ${t.networkInterfaceId}${t.privateIp ? ` (${t.privateIp})` : ''}`
    : `${t.instanceId}${t.privateIp ? ` (${t.privateIp})` : ''}`;
}
