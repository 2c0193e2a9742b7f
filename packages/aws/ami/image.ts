// Image phase of a native build: CreateImage from the stopped instance, copies to other regions,
// then every image and snapshot flips from pending to finished; retention runs after that.
import { createHash } from 'node:crypto';
import {
  CopyImageCommand,
  CreateImageCommand,
  waitUntilImageAvailable,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import { ActionError, errorMessage } from '@hac/toolkit';
import { awsCall, describeAwsError } from '../errors.js';
import type { WaitProgress } from '../progress.js';
import { runTags, tagSpecifications } from '../tags.js';
import { runWaiter, WaiterCallError, waiterState } from '../waiters.js';
import { describeImage, snapshotIdsOf, tagResources } from './resources.js';
import { applyRetention, type RetentionPlan } from './retention.js';
import { waiterSeconds } from './signal.js';
import type { BuildContext } from './build-context.js';
import type { Launched } from './launch.js';
import { PURPOSE, TAG_FAMILY, type NativeBuildSpec, type RegionImage } from './types.js';

export function imageTags(spec: NativeBuildSpec, purpose: string, baseImageId: string) {
  return runTags(spec.runId, purpose, {
    Name: spec.name,
    ...spec.tags,
    [TAG_FAMILY]: spec.family,
    'hac:base-ami': baseImageId,
    'hac:source-region': spec.region,
  });
}

/** An idempotency token for CopyImage (at most 64 ASCII characters), stable across SDK retries. */
export function copyToken(runId: string, imageId: string, region: string): string {
  return createHash('sha256').update(`${runId}|${imageId}|${region}`).digest('hex').slice(0, 64);
}

function notAvailable(err: unknown, imageId: string, region: string, timeoutMs: number): Error {
  if (err instanceof WaiterCallError)
    return describeAwsError(
      err.callError,
      `waiting for ${imageId} in ${region} to become available: DescribeImages`,
    );
  const state = waiterState(err);
  return new ActionError(
    `The image ${imageId} in ${region} did not become available (${state === 'TIMEOUT' ? `timed out after ${Math.round(timeoutMs / 1000)}s` : errorMessage(err).split('\n')[0]}).`,
    'Large volumes take longer to snapshot: raise "image-timeout". The image was deregistered and its snapshots deleted.',
    { cause: err },
  );
}

async function waitAvailable(
  ctx: BuildContext,
  ec2: EC2Client,
  imageId: string,
  region: string,
): Promise<Image> {
  const { spec, deps } = ctx;
  const progress: WaitProgress = {
    ...ctx.progress,
    what: `${imageId} in ${region} to become available`,
    timeoutMs: spec.imageTimeoutMs,
  };
  try {
    await runWaiter(
      ec2,
      waiterSeconds(spec.imageTimeoutMs),
      deps.abortSignal,
      (p) => waitUntilImageAvailable(p, { ImageIds: [imageId] }),
      progress,
    );
  } catch (err) {
    if (deps.abortSignal?.aborted) throw err;
    throw notAvailable(err, imageId, region, spec.imageTimeoutMs);
  }
  const image = await describeImage(ec2, imageId);
  if (!image)
    throw new ActionError(
      `The image ${imageId} disappeared in ${region} after becoming available.`,
      'Re-run the job.',
    );
  return image;
}

/** CreateImage in the build region, tagged pending, waited for; its snapshots tagged too. */
async function createImage(ctx: BuildContext, launched: Launched): Promise<RegionImage> {
  const { spec, deps, ec2 } = ctx;
  const pendingTags = imageTags(spec, PURPOSE.pendingImage, launched.baseImageId);
  const out = await awsCall(`CreateImage ${spec.name}`, () =>
    ec2.send(
      new CreateImageCommand({
        InstanceId: launched.instanceId,
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
  ctx.created.images[spec.region] = imageId;
  deps.onCreated?.('image', imageId, spec.region);
  ctx.log(`Image ${imageId} (${spec.name}) created; waiting until available`);
  const snapshotIds = snapshotIdsOf(await waitAvailable(ctx, ec2, imageId, spec.region));
  // Tag the snapshots too (emulators without snapshot TagSpecifications, and a second guarantee on AWS).
  await tagResources(ec2, snapshotIds, pendingTags, 'snapshots');
  return { imageId, snapshotIds };
}

/** CopyImage to one region (idempotent token), tagged pending, waited for. */
async function copyImage(
  ctx: BuildContext,
  launched: Launched,
  imageId: string,
  region: string,
): Promise<RegionImage> {
  const { spec } = ctx;
  const pendingTags = imageTags(spec, PURPOSE.pendingImage, launched.baseImageId);
  const target = ctx.live(region);
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
  ctx.created.images[region] = copyId;
  ctx.deps.onCreated?.('image', copyId, region);
  await tagResources(target, [copyId], pendingTags, `copied image in ${region}`);
  ctx.log(`Copying to ${region}: ${copyId}`);
  const snapshotIds = snapshotIdsOf(await waitAvailable(ctx, target, copyId, region));
  await tagResources(target, snapshotIds, pendingTags, `snapshots in ${region}`);
  return { imageId: copyId, snapshotIds };
}

/** The image and its copies, every one finished (region -> image). */
export async function makeImages(
  ctx: BuildContext,
  launched: Launched,
): Promise<Record<string, RegionImage>> {
  const { spec } = ctx;
  const first = await createImage(ctx, launched);
  const images: Record<string, RegionImage> = { [spec.region]: first };
  await Promise.all(
    spec.copyRegions.map(async (region) => {
      images[region] = await copyImage(ctx, launched, first.imageId, region);
    }),
  );
  // Only now is the build final: flip every image and snapshot from pending to finished.
  const finalTags = imageTags(spec, PURPOSE.image, launched.baseImageId);
  for (const [region, img] of Object.entries(images))
    await tagResources(
      ctx.live(region),
      [img.imageId, ...img.snapshotIds],
      finalTags,
      `finished image in ${region}`,
    );
  return images;
}

/** Retention in every region (keep > 0). The image is final: a failure is reported, never rolled back. */
export async function retain(
  ctx: BuildContext,
  images: Record<string, RegionImage>,
): Promise<{ retention: Record<string, RetentionPlan>; retentionErrors: string[] }> {
  const retention: Record<string, RetentionPlan> = {};
  const retentionErrors: string[] = [];
  if (ctx.spec.keep <= 0) return { retention, retentionErrors };
  for (const [region, img] of Object.entries(images)) {
    try {
      retention[region] = await applyRetention(ctx.live(region), ctx.spec.family, ctx.spec.keep, [
        img.imageId,
      ]);
    } catch (err) {
      retentionErrors.push(`${region}: ${errorMessage(err)}`);
    }
  }
  return { retention, retentionErrors };
}
