// The reads before any write: the address and where it points, the new instance (instance mode)
// or the launch template (launch mode). Each is recorded on the context and in the timeline.
import type { Target } from './config.js';
import type { SwapContext } from './context.js';
import {
  checkLaunchTemplate,
  describeAddress,
  describeInstance,
  instanceOfInterface,
  type InstanceInfo,
} from './ec2.js';
import { lockStatus } from './lock.js';
import { LOCK_TAG } from './names.js';
import { checkReassociation, type Observed } from './plan.js';
import { previousOf, type AssociationTarget } from './requests.js';

/** Describes the address and where it points (the interface's owner when EC2 leaves InstanceId empty). */
export async function observeAddress(ctx: SwapContext): Promise<void> {
  const a = await describeAddress(ctx.ec2, ctx.config.address, ctx.signal);
  ctx.address = a;
  ctx.previous = previousOf(a);
  if (!ctx.previous.instanceId && ctx.previous.networkInterfaceId) {
    const owner = await instanceOfInterface(ctx.ec2, ctx.previous.networkInterfaceId, ctx.signal);
    if (owner) ctx.previous.instanceId = owner;
  }
  Object.assign(ctx.report, {
    allocationId: a.allocationId,
    publicIp: a.publicIp,
    previousInstanceId: ctx.previous.instanceId,
  });
  const where = a.associationId
    ? `on ${ctx.previous.instanceId ?? '?'}${a.networkInterfaceId ? ` (${a.networkInterfaceId}, ${a.privateIp ?? ''})` : ''}`
    : 'not associated';
  ctx.timeline.add('resolve', 'ok', `${a.publicIp} (${a.allocationId}) is ${where}`);
  checkReassociation(ctx.config, { address: a, previous: ctx.previous });
}

/** Instance mode: describes the instance named in the inputs. */
export async function observeInstance(ctx: SwapContext, instanceId: string): Promise<InstanceInfo> {
  return describeInstance(ctx.ec2, instanceId, ctx.signal);
}

/** Launch mode: the template must exist before anything is written. */
export async function observeTemplate(
  ctx: SwapContext,
  target: Extract<Target, { mode: 'launch' }>,
): Promise<void> {
  const id = await checkLaunchTemplate(ctx.ec2, target.template, ctx.signal);
  ctx.timeline.add(
    'launch template',
    'ok',
    `${target.template.name ?? target.template.id} (${id}) version ${target.template.version}`,
  );
}

/** What the plan is built from. */
export function observed(ctx: SwapContext, instance?: InstanceInfo): Observed {
  const address = ctx.addr;
  return {
    address,
    previous: ctx.previous,
    ...(instance ? { instance } : {}),
    lock: lockStatus(address.tags[LOCK_TAG], ctx.owner, ctx.clock()),
  };
}

/** Records the instance the address will move to, and the target chosen on it. */
export function useInstance(ctx: SwapContext, i: InstanceInfo, target: AssociationTarget): void {
  ctx.instance = i;
  ctx.target = target;
  ctx.report.newInstanceId = i.instanceId;
  ctx.report.target = target;
  const how =
    target.kind === 'eni' ? `network interface ${target.networkInterfaceId}` : `instance ${i.instanceId}`;
  ctx.timeline.add(
    'target',
    'ok',
    `${how} (${i.state}, private ${i.privateIp ?? '-'}, public ${i.publicIp ?? '-'})`,
  );
}
