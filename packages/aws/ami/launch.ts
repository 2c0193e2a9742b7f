// Launch phase of a native build: preflight (reads and DryRun only), the temporary security group
// (no inbound rules) and the build instance.
import { RunInstancesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import { awsCall, dryRun } from '../errors.js';
import {
  createTempSecurityGroup,
  launchTempInstance,
  resolveBaseAmi,
  resolveVpc,
  runInstancesInput,
} from './resources.js';
import type { BuildContext } from './build-context.js';
import type { NativeBuildSpec } from './types.js';

/** Preflight checks that write nothing: base AMI, VPC, and DryRun of the two create calls. */
export interface Preflight {
  base: Image;
  vpcId: string;
  /** 'ok' when EC2 confirmed permissions with DryRunOperation; 'unsupported' when the endpoint ignores DryRun. */
  dryRun: Record<'RunInstances' | 'CreateSecurityGroup', 'ok' | 'unsupported' | 'skipped'>;
}

/** `beforeWrite` is called before the first DryRun: an endpoint that ignores DryRun creates for real. */
export async function preflight(
  ec2: EC2Client,
  spec: NativeBuildSpec,
  beforeWrite: () => void = () => {},
): Promise<Preflight> {
  const base = await resolveBaseAmi(ec2, spec.base);
  const vpcId = await resolveVpc(ec2, spec.subnetId);
  beforeWrite();
  // An endpoint that ignores DryRun creates the group for real; it carries the run id and the
  // clean-up sweep removes it.
  const sg = await dryRun('CreateSecurityGroup', () => createTempSecurityGroup(ec2, spec, vpcId, true));
  const input = {
    ...runInstancesInput(spec, base.ImageId as string, spec.securityGroupIds, base.RootDeviceName),
    DryRun: true,
  };
  const ri = await dryRun('RunInstances', () => ec2.send(new RunInstancesCommand(input)));
  return { base, vpcId, dryRun: { CreateSecurityGroup: sg, RunInstances: ri } };
}

/** What the launch phase started. */
export interface Launched {
  baseImageId: string;
  instanceId: string;
}

/** Preflight, then the temporary security group and the build instance (each recorded as created). */
export async function launch(ctx: BuildContext): Promise<Launched> {
  const { spec, deps, ec2, log, created } = ctx;
  await deps.signal.preflight?.();
  const pf = await preflight(ec2, spec, () => {
    created.written = true;
    deps.onWrite?.();
  });
  const baseImageId = pf.base.ImageId as string;
  log(
    `Base AMI ${baseImageId} (${pf.base.Name ?? 'no name'}); VPC ${pf.vpcId}; DryRun RunInstances: ${pf.dryRun.RunInstances}, CreateSecurityGroup: ${pf.dryRun.CreateSecurityGroup}`,
  );
  const groupId = await awsCall('CreateSecurityGroup (temporary, no inbound rules)', () =>
    createTempSecurityGroup(ec2, spec, pf.vpcId),
  );
  created.groupId = groupId;
  deps.onCreated?.('security-group', groupId, spec.region);
  log(`Temporary security group ${groupId} (no inbound rules)`);
  const input = runInstancesInput(
    spec,
    baseImageId,
    [groupId, ...spec.securityGroupIds],
    pf.base.RootDeviceName,
  );
  const instanceId = await launchTempInstance(ec2, input);
  created.instanceId = instanceId;
  deps.onCreated?.('instance', instanceId, spec.region);
  log(`Build instance ${instanceId} (${spec.instanceType}); waiting for: ${deps.signal.name}`);
  return { baseImageId, instanceId };
}

/** Provision phase: waits for the completion signal (user data powering off, or SSM Run Command). */
export async function provision(ctx: BuildContext, launched: Launched): Promise<void> {
  const { spec, deps } = ctx;
  await deps.signal.wait({
    ec2: ctx.ec2,
    instanceId: launched.instanceId,
    timeoutMs: spec.provisionTimeoutMs,
    progress: ctx.progress,
    ...(deps.abortSignal ? { abortSignal: deps.abortSignal } : {}),
  });
  ctx.log(`Provisioning finished after ${Math.round((ctx.clock() - ctx.started) / 1000)}s`);
}
