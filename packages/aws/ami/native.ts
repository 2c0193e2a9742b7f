import { createHash } from 'node:crypto';
import {
  CopyImageCommand,
  CreateImageCommand,
  DescribeImagesCommand,
  RunInstancesCommand,
  waitUntilImageAvailable,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import { abortReason, ActionError, errorMessage, systemClock, withTimeout } from '@hac/toolkit';
import { withAbort } from '../abort.js';
import type { ProgressOptions } from '../progress.js';
import { awsCall, describeAwsError, dryRun } from '../errors.js';
import { runTags, tagSpecifications, tagValue, TAG_PURPOSE } from '../tags.js';
import {
  createTempSecurityGroup,
  deleteSecurityGroup,
  deregisterWithSnapshots,
  describeImage,
  launchTempInstance,
  resolveBaseAmi,
  resolveVpc,
  runInstancesInput,
  snapshotIdsOf,
  tagResources,
  terminateAndWait,
} from './resources.js';
import { applyRetention, type RetentionPlan } from './retention.js';
import { sweepRun } from './sweep.js';
import { waiterSeconds } from './signal.js';
import { runWaiter, WaiterCallError, waiterState } from '../waiters.js';
import {
  PURPOSE,
  TAG_FAMILY,
  type BuildDeps,
  type BuildResult,
  type NativeBuildSpec,
  type RegionImage,
} from './types.js';

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
  const sg = await dryRun('CreateSecurityGroup', () => createTempSecurityGroup(ec2, spec, vpcId, true));
  if (sg === 'unsupported') {
    // The endpoint created the group for real; it is tagged with the run id and removed by the cleanup sweep.
  }
  const input = {
    ...runInstancesInput(spec, base.ImageId as string, spec.securityGroupIds, base.RootDeviceName),
    DryRun: true,
  };
  const ri = await dryRun('RunInstances', () => ec2.send(new RunInstancesCommand(input)));
  return { base, vpcId, dryRun: { CreateSecurityGroup: sg, RunInstances: ri } };
}

function imageTags(spec: NativeBuildSpec, purpose: string, baseImageId: string) {
  return runTags(spec.runId, purpose, {
    Name: spec.name,
    ...spec.tags,
    [TAG_FAMILY]: spec.family,
    'hac:base-ami': baseImageId,
    'hac:source-region': spec.region,
  });
}

async function waitAvailable(
  ec2: EC2Client,
  imageId: string,
  region: string,
  spec: NativeBuildSpec,
  abortSignal?: AbortSignal,
  progress?: ProgressOptions,
): Promise<Image> {
  try {
    await runWaiter(
      ec2,
      waiterSeconds(spec.imageTimeoutMs),
      abortSignal,
      (p) => waitUntilImageAvailable(p, { ImageIds: [imageId] }),
      progress && {
        ...progress,
        what: `${imageId} in ${region} to become available`,
        timeoutMs: spec.imageTimeoutMs,
      },
    );
  } catch (err) {
    if (abortSignal?.aborted) throw err;
    if (err instanceof WaiterCallError)
      throw describeAwsError(
        err.callError,
        `waiting for ${imageId} in ${region} to become available: DescribeImages`,
      );
    const state = waiterState(err);
    throw new ActionError(
      `The image ${imageId} in ${region} did not become available (${state === 'TIMEOUT' ? `timed out after ${Math.round(spec.imageTimeoutMs / 1000)}s` : errorMessage(err).split('\n')[0]}).`,
      'Large volumes take longer to snapshot: raise "image-timeout". The image was deregistered and its snapshots deleted.',
      { cause: err },
    );
  }
  const image = await describeImage(ec2, imageId);
  if (!image)
    throw new ActionError(
      `The image ${imageId} disappeared in ${region} after becoming available.`,
      'Re-run the job.',
    );
  return image;
}

/**
 * The native engine: EC2 API only, no SSH. Every temporary resource carries the run id; the
 * instance and group are removed in `finally`, a failed image is deregistered with its snapshots,
 * and a final tag sweep catches what a retried create may have doubled.
 */
export async function buildNative(spec: NativeBuildSpec, deps: BuildDeps): Promise<BuildResult> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? (() => {});
  const progress: ProgressOptions = { log, clock, ...deps.progress };
  const started = clock();
  // Every call of the build carries the cancellation signal; cleanup has its own deadline instead.
  const live = (region: string) => withAbort(deps.ec2(region), deps.abortSignal);
  const ec2 = live(spec.region);
  const created: Created = { images: {}, written: false };
  const cleanupErrors: string[] = [];
  let result: BuildResult | undefined;
  let failure: unknown;
  try {
    await deps.signal.preflight?.();
    const pf = await preflight(ec2, spec, () => {
      created.written = true;
      deps.onWrite?.();
    });
    const baseImageId = pf.base.ImageId as string;
    log(
      `Base AMI ${baseImageId} (${pf.base.Name ?? 'no name'}); VPC ${pf.vpcId}; DryRun RunInstances: ${pf.dryRun.RunInstances}, CreateSecurityGroup: ${pf.dryRun.CreateSecurityGroup}`,
    );

    created.groupId = await awsCall('CreateSecurityGroup (temporary, no inbound rules)', () =>
      createTempSecurityGroup(ec2, spec, pf.vpcId),
    );
    deps.onCreated?.('security-group', created.groupId, spec.region);
    log(`Temporary security group ${created.groupId} (no inbound rules)`);

    created.instanceId = await launchTempInstance(
      ec2,
      runInstancesInput(
        spec,
        baseImageId,
        [created.groupId, ...spec.securityGroupIds],
        pf.base.RootDeviceName,
      ),
    );
    deps.onCreated?.('instance', created.instanceId, spec.region);
    log(`Build instance ${created.instanceId} (${spec.instanceType}); waiting for: ${deps.signal.name}`);

    await deps.signal.wait({
      ec2,
      instanceId: created.instanceId,
      timeoutMs: spec.provisionTimeoutMs,
      progress,
      ...(deps.abortSignal ? { abortSignal: deps.abortSignal } : {}),
    });
    log(`Provisioning finished after ${Math.round((clock() - started) / 1000)}s`);

    const pendingTags = imageTags(spec, PURPOSE.pendingImage, baseImageId);
    const out = await awsCall(`CreateImage ${spec.name}`, () =>
      ec2.send(
        new CreateImageCommand({
          InstanceId: created.instanceId,
          Name: spec.name,
          Description: spec.description,
          TagSpecifications: tagSpecifications(
            spec.snapshotTagSpecification ? ['image', 'snapshot'] : ['image'],
            pendingTags,
          ),
        }),
      ),
    );
    const imageId = out.ImageId as string;
    created.images[spec.region] = imageId;
    deps.onCreated?.('image', imageId, spec.region);
    log(`Image ${imageId} (${spec.name}) created; waiting until available`);

    const image = await waitAvailable(ec2, imageId, spec.region, spec, deps.abortSignal, progress);
    const images: Record<string, RegionImage> = {
      [spec.region]: { imageId, snapshotIds: snapshotIdsOf(image) },
    };
    // Tag the snapshots too (emulators without snapshot TagSpecifications, and a second guarantee on AWS).
    await tagResources(ec2, images[spec.region]?.snapshotIds ?? [], pendingTags, 'snapshots');

    await Promise.all(
      spec.copyRegions.map(async (region) => {
        const target = live(region);
        const copy = await awsCall(`CopyImage ${imageId} to ${region}`, () =>
          target.send(
            new CopyImageCommand({
              SourceImageId: imageId,
              SourceRegion: spec.region,
              Name: spec.name,
              Description: spec.description,
              ClientToken: copyToken(spec.runId, imageId, region),
            }),
          ),
        );
        const copyId = copy.ImageId as string;
        created.images[region] = copyId;
        deps.onCreated?.('image', copyId, region);
        await tagResources(target, [copyId], pendingTags, `copied image in ${region}`);
        log(`Copying to ${region}: ${copyId}`);
        const copied = await waitAvailable(target, copyId, region, spec, deps.abortSignal, progress);
        images[region] = { imageId: copyId, snapshotIds: snapshotIdsOf(copied) };
        await tagResources(target, images[region].snapshotIds, pendingTags, `snapshots in ${region}`);
      }),
    );

    // Only now is the build final: flip every image and snapshot from pending to finished.
    const finalTags = imageTags(spec, PURPOSE.image, baseImageId);
    for (const [region, img] of Object.entries(images)) {
      await tagResources(
        live(region),
        [img.imageId, ...img.snapshotIds],
        finalTags,
        `finished image in ${region}`,
      );
    }

    // The image is final from here on: a retention failure is reported, never rolled back.
    const retention: Record<string, RetentionPlan> = {};
    const retentionErrors: string[] = [];
    if (spec.keep > 0) {
      for (const [region, img] of Object.entries(images)) {
        try {
          retention[region] = await applyRetention(live(region), spec.family, spec.keep, [img.imageId]);
        } catch (err) {
          retentionErrors.push(`${region}: ${errorMessage(err)}`);
        }
      }
    }
    result = {
      name: spec.name,
      region: spec.region,
      imageId,
      snapshotIds: images[spec.region]?.snapshotIds ?? [],
      images,
      baseImageId,
      retention,
      cleanupErrors,
      retentionErrors,
      durationMs: 0,
    };
  } catch (err) {
    failure = err;
  }
  await cleanupAfter(deps, spec, created, failure !== undefined, cleanupErrors);
  if (failure !== undefined || !result) {
    const err = deps.abortSignal?.aborted
      ? new ActionError(
          `The build was cancelled (${abortReason(deps.abortSignal).message}) and no image was kept.${cleanupErrors.length ? '' : created.written ? ' Everything it had created was removed.' : ' It had not created anything.'}`,
          'Re-run the job to build the image.',
          { cause: failure },
        )
      : failure instanceof ActionError
        ? failure
        : describeAwsError(failure, 'build-ami');
    throw withCleanupNote(err, cleanupErrors);
  }
  result.durationMs = clock() - started;
  return result;
}

interface Created {
  instanceId?: string;
  groupId?: string;
  images: Record<string, string>;
  /** Whether a call that may create something was sent (nothing to clean up before that). */
  written: boolean;
}

/** What a failed removal leaves, and the command that removes it. */
function leftover(what: string, region: string, err: unknown, remove: string): string {
  return `${what} in ${region} is left (${errorMessage(err)}); remove it with: ${remove}`;
}

/**
 * Removes what the build created: images that never became final (after a failure), the instance,
 * the group, then a tag sweep. Nothing at all when no write was sent. Runs after cancellation too,
 * so it has its own deadline instead of the cancellation signal.
 */
async function cleanupAfter(
  deps: BuildDeps,
  spec: NativeBuildSpec,
  created: Created,
  failed: boolean,
  errors: string[],
): Promise<void> {
  if (!created.written) return;
  const budget = deps.cleanupTimeoutMs ?? (deps.abortSignal?.aborted ? 60_000 : 600_000);
  const deadline = withTimeout(undefined, budget, 'cleanup');
  const client = (region: string) => withAbort(deps.ec2(region), deadline);
  const ec2 = client(spec.region);
  const attempt = async (fn: () => Promise<unknown>, onError: (err: unknown) => string) => {
    try {
      await fn();
    } catch (err) {
      errors.push(onError(err));
    }
  };
  if (failed)
    for (const [region, id] of Object.entries(created.images))
      await attempt(
        () => deregisterWithSnapshots(client(region), id),
        (e) =>
          leftover(`image ${id}`, region, e, `aws ec2 deregister-image --region ${region} --image-id ${id}`),
      );
  const { instanceId, groupId } = created;
  if (instanceId)
    await attempt(
      () => terminateAndWait(ec2, [instanceId]),
      (e) =>
        leftover(
          `instance ${instanceId}`,
          spec.region,
          e,
          `aws ec2 terminate-instances --region ${spec.region} --instance-ids ${instanceId}`,
        ),
    );
  if (groupId)
    await attempt(
      () => deleteSecurityGroup(ec2, groupId),
      (e) =>
        leftover(
          `security group ${groupId}`,
          spec.region,
          e,
          `aws ec2 delete-security-group --region ${spec.region} --group-id ${groupId}`,
        ),
    );
  // A create call retried after its response was lost may have made a twin: sweep by tag, and
  // in copy regions (copies are tagged only after CopyImage returns) by the build's unique name.
  const report = await sweepRun(ec2, spec.runId, spec.region);
  errors.push(...report.errors.map((e) => sweepLeftover(spec.runId, spec.region, e)));
  for (const region of spec.copyRegions)
    await attempt(
      () => sweepUntrackedCopies(client(region), spec.name, created.images[region]),
      (e) => sweepLeftover(spec.runId, region, e),
    );
}

function sweepLeftover(runId: string, region: string, err: unknown): string {
  return `resources tagged hac:run-id=${runId} in ${region} may be left (${typeof err === 'string' ? err : errorMessage(err)}); list them with: aws resourcegroupstaggingapi get-resources --region ${region} --tag-filters Key=hac:run-id,Values=${runId}`;
}

/** Deregisters images named `name` that are not `keepId` and not a finished build (twins of a retried CopyImage). */
async function sweepUntrackedCopies(ec2: EC2Client, name: string, keepId: string | undefined): Promise<void> {
  const out = await awsCall('DescribeImages (copy sweep)', () =>
    ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] })),
  );
  for (const image of out.Images ?? []) {
    if (image.ImageId === keepId || tagValue(image.Tags, TAG_PURPOSE) === PURPOSE.image) continue;
    await deregisterWithSnapshots(ec2, image.ImageId as string, image);
  }
}

/** Adds what cleanup could not remove (only ever called with something that was created). */
function withCleanupNote(err: ActionError, cleanupErrors: string[]): ActionError {
  if (cleanupErrors.length === 0) return err;
  return new ActionError(
    `${err.message}\nCleaning up also failed:\n  - ${cleanupErrors.join('\n  - ')}`,
    `${err.hint ?? ''} The post step retries the cleanup; if it fails too, remove what is listed above with the commands given.`.trim(),
    { cause: err },
  );
}

/** An idempotency token for CopyImage (at most 64 ASCII characters), stable across SDK retries. */
function copyToken(runId: string, imageId: string, region: string): string {
  return createHash('sha256').update(`${runId}|${imageId}|${region}`).digest('hex').slice(0, 64);
}
