import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import { awsCall } from '../errors.js';
import { TAG_PURPOSE } from '../tags.js';
import { deregisterWithSnapshots } from './resources.js';
import { PURPOSE, TAG_FAMILY, type RetentionPlan } from './types.js';

export type { RetentionPlan };

/**
 * Pure: which images of a family to keep and which to deregister. The newest `keep` (by
 * CreationDate) stay; of the rest, those in use (reason given) are skipped; the others go.
 * `protect` (the image just built) is always kept and counts towards `keep`.
 */
export function planRetention(
  images: Image[],
  keep: number,
  inUse: Map<string, string>,
  protect: string[] = [],
): RetentionPlan {
  const sorted = [...images].sort(
    (a, b) =>
      (b.CreationDate ?? '').localeCompare(a.CreationDate ?? '') ||
      (b.ImageId ?? '').localeCompare(a.ImageId ?? ''),
  );
  const ids = sorted.map((i) => i.ImageId as string);
  const protectedIds = ids.filter((id) => protect.includes(id));
  const kept = [...protectedIds, ...ids.filter((id) => !protect.includes(id))].slice(
    0,
    Math.max(keep, protectedIds.length),
  );
  const plan: RetentionPlan = { kept, deregister: [], skipped: [], deleted: [] };
  for (const id of ids) {
    if (kept.includes(id)) continue;
    const reason = inUse.get(id);
    if (reason) plan.skipped.push({ imageId: id, reason });
    else plan.deregister.push(id);
  }
  return plan;
}

/** Images of a family this account owns, finished builds only. */
export async function familyImages(ec2: EC2Client, family: string): Promise<Image[]> {
  const out = await awsCall('DescribeImages (retention)', () =>
    ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [
          { Name: `tag:${TAG_FAMILY}`, Values: [family] },
          { Name: `tag:${TAG_PURPOSE}`, Values: [PURPOSE.image] },
        ],
      }),
    ),
  );
  return (out.Images ?? []).filter((i) => i.State !== 'deregistered');
}

const VERSION_CONCURRENCY = 4;

async function templateImages(
  ec2: EC2Client,
  templateId: string,
  candidates: string[],
  used: Map<string, string>,
): Promise<void> {
  let token: string | undefined;
  do {
    const vs = await awsCall(`DescribeLaunchTemplateVersions ${templateId}`, () =>
      ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: templateId,
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    for (const v of vs.LaunchTemplateVersions ?? []) {
      const image = v.LaunchTemplateData?.ImageId;
      if (image && candidates.includes(image) && !used.has(image))
        used.set(image, `used by launch template ${templateId} version ${v.VersionNumber}`);
    }
    token = vs.NextToken;
  } while (token);
}

/** imageId -> why it is in use: by an instance (any state but terminated) or by any launch template version. */
/**
 * `pageSize` is DescribeLaunchTemplates' MaxResults (AWS allows up to 200 and pages with NextToken; moto
 * returns no NextToken and cuts the list at MaxResults, so tests against moto pass a larger size).
 */
export async function imagesInUse(
  ec2: EC2Client,
  candidates: string[],
  pageSize = 200,
): Promise<Map<string, string>> {
  const used = new Map<string, string>();
  if (candidates.length === 0) return used;
  let token: string | undefined;
  do {
    const out = await awsCall('DescribeInstances (images in use)', () =>
      ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'image-id', Values: candidates },
            {
              Name: 'instance-state-name',
              Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'],
            },
          ],
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    for (const i of (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      if (i.ImageId && !used.has(i.ImageId)) used.set(i.ImageId, `used by instance ${i.InstanceId}`);
    }
    token = out.NextToken;
  } while (token);
  let ltToken: string | undefined;
  do {
    const lts = await awsCall('DescribeLaunchTemplates (images in use)', () =>
      ec2.send(
        new DescribeLaunchTemplatesCommand({
          MaxResults: pageSize,
          ...(ltToken ? { NextToken: ltToken } : {}),
        }),
      ),
    );
    // One DescribeLaunchTemplateVersions per template (every version, not only $Latest/$Default), a few at a time.
    const templates = lts.LaunchTemplates ?? [];
    for (let i = 0; i < templates.length; i += VERSION_CONCURRENCY) {
      await Promise.all(
        templates
          .slice(i, i + VERSION_CONCURRENCY)
          .map((lt) => templateImages(ec2, lt.LaunchTemplateId as string, candidates, used)),
      );
    }
    ltToken = lts.NextToken;
  } while (ltToken);
  return used;
}

/** Applies retention to a family in one region: deregisters old unused images and deletes their snapshots. */
export async function applyRetention(
  ec2: EC2Client,
  family: string,
  keep: number,
  protect: string[],
  opts: { dryRun?: boolean; pageSize?: number } = {},
): Promise<RetentionPlan> {
  const images = await familyImages(ec2, family);
  const byId = new Map(images.map((i) => [i.ImageId as string, i]));
  const firstPass = planRetention(images, keep, new Map(), protect);
  const inUse = await imagesInUse(ec2, firstPass.deregister, opts.pageSize);
  const plan = planRetention(images, keep, inUse, protect);
  if (opts.dryRun) return plan;
  for (const id of plan.deregister) {
    const snapshotIds = await deregisterWithSnapshots(ec2, id, byId.get(id));
    plan.deleted.push({ imageId: id, snapshotIds });
  }
  return plan;
}
