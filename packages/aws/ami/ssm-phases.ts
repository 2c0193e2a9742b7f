// The phases of SSM provisioning around the command itself: the document check before anything
// is created, waiting for the new instance to come Online in Systems Manager, and stopping it
// afterwards so CreateImage snapshots a quiet file system.
import {
  DescribeDocumentCommand,
  DescribeInstanceInformationCommand,
  type InstanceInformation,
} from '@aws-sdk/client-ssm';
import {
  DescribeInstancesCommand,
  StopInstancesCommand,
  waitUntilInstanceStopped,
} from '@aws-sdk/client-ec2';
import { ActionError } from '@hac/toolkit';
import { awsCall, describeAwsError } from '../errors.js';
import { runWaiter, WaiterCallError } from '../waiters.js';
import { consoleTail, type SignalContext } from './signal.js';
import { checkDocumentParameters, onlinePollDelays, type SsmContext } from './ssm-context.js';

/** Preflight: managed documents exist everywhere; your own must exist, be a Command document and take these parameters. */
export async function checkDocument(sc: SsmContext): Promise<void> {
  const { spec, deps } = sc;
  if (spec.document.startsWith('AWS-')) return;
  const out = await awsCall(`DescribeDocument ${spec.document}`, () =>
    deps.ssm.send(new DescribeDocumentCommand({ Name: spec.document })),
  );
  const doc = out.Document;
  const problems: string[] = [];
  if (doc?.DocumentType && doc.DocumentType !== 'Command')
    problems.push(`it is a ${doc.DocumentType} document; Run Command needs a Command document`);
  if (doc?.Status && doc.Status !== 'Active') problems.push(`its status is ${doc.Status}, not Active`);
  problems.push(...checkDocumentParameters(spec.document, doc?.Parameters ?? [], spec.parameters));
  if (problems.length)
    throw new ActionError(
      `The SSM document "${spec.document}" cannot run this build: ${problems.join('; ')}.`,
      'Fix "ssm-document" or "ssm-parameters". Nothing was created.',
    );
}

async function instanceInformation(
  sc: SsmContext,
  instanceId: string,
): Promise<InstanceInformation | undefined> {
  const out = await awsCall(`DescribeInstanceInformation ${instanceId}`, () =>
    sc.deps.ssm.send(
      new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }),
    ),
  );
  return out.InstanceInformationList?.find((i) => i.InstanceId === instanceId);
}

/** Polls until the instance is Online in Systems Manager; fails early when the instance is gone. */
export async function waitOnline(sc: SsmContext, ctx: SignalContext, deadline: number): Promise<void> {
  let last = 'not registered';
  let polls = 0;
  for (const delay of onlinePollDelays(10_000)) {
    const info = await instanceInformation(sc, ctx.instanceId);
    if (info?.PingStatus === 'Online') {
      sc.log(
        `${ctx.instanceId} is Online in Systems Manager (agent ${info.AgentVersion ?? '?'}, ${info.PlatformName ?? 'unknown platform'})`,
      );
      return;
    }
    last = info?.PingStatus ?? 'not registered';
    polls += 1;
    // Every fourth poll, make sure the instance is still up: a dead instance never comes Online.
    if (polls % 4 === 0) await failIfGone(ctx, last);
    if (sc.clock() + delay > deadline) break;
    await sc.sleep(delay, ctx.abortSignal);
  }
  const tailText = await consoleTail(ctx.ec2, ctx.instanceId);
  throw new ActionError(
    `The build instance ${ctx.instanceId} did not come Online in Systems Manager within ${Math.round(ctx.timeoutMs / 1000)}s (last status: ${last}). Its console output ends with:\n${tailText}`,
    `SSM Run Command needs the SSM agent on the base AMI (Amazon Linux, Ubuntu and Windows AMIs have it), the instance profile "${sc.deps.instanceProfile}" with the AmazonSSMManagedInstanceCore policy, and outbound HTTPS from the subnet to the ssm, ssmmessages and ec2messages endpoints (a NAT gateway or VPC endpoints).`,
  );
}

async function failIfGone(ctx: SignalContext, last: string): Promise<void> {
  const out = await awsCall(`DescribeInstances ${ctx.instanceId}`, () =>
    ctx.ec2.send(new DescribeInstancesCommand({ InstanceIds: [ctx.instanceId] })),
  );
  const state = out.Reservations?.[0]?.Instances?.[0]?.State?.Name ?? 'gone';
  if (state === 'pending' || state === 'running') return;
  const tailText = await consoleTail(ctx.ec2, ctx.instanceId);
  throw new ActionError(
    `The build instance ${ctx.instanceId} is ${state} before it came Online in Systems Manager (last status: ${last}). Its console output ends with:\n${tailText}`,
    'Something stopped the instance during boot: check the console output above and the user data, if any.',
  );
}

/** After the command: stops the instance and waits until it is stopped. */
export async function stopInstance(ctx: SignalContext): Promise<void> {
  await awsCall(`StopInstances ${ctx.instanceId}`, () =>
    ctx.ec2.send(new StopInstancesCommand({ InstanceIds: [ctx.instanceId] })),
  );
  try {
    await runWaiter(ctx.ec2, 600, ctx.abortSignal, (p) =>
      waitUntilInstanceStopped(p, { InstanceIds: [ctx.instanceId] }),
    );
  } catch (err) {
    if (ctx.abortSignal?.aborted) throw err;
    throw describeAwsError(
      err instanceof WaiterCallError ? err.callError : err,
      `waiting for ${ctx.instanceId} to stop after provisioning`,
    );
  }
}
