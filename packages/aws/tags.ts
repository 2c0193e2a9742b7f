import { randomBytes } from 'node:crypto';
import type { Filter, ResourceType, Tag, TagSpecification } from '@aws-sdk/client-ec2';

/** The tag every temporary resource of a run carries; the post step sweeps by it. */
export const TAG_RUN_ID = 'hac:run-id';
/** What a resource is for, e.g. `build-ami/instance`. */
export const TAG_PURPOSE = 'hac:purpose';

/**
 * A run id unique to this workflow run attempt and job: `<repo>/<run id>/<attempt>/<job>` on a runner,
 * a random `local-...` id elsewhere.
 */
export function defaultRunId(
  env: NodeJS.ProcessEnv = process.env,
  random: () => string = () => randomBytes(6).toString('hex'),
): string {
  if (env.GITHUB_RUN_ID) {
    const parts = [
      env.GITHUB_REPOSITORY,
      env.GITHUB_RUN_ID,
      env.GITHUB_RUN_ATTEMPT ?? '1',
      env.GITHUB_JOB,
    ].filter(Boolean);
    return parts.join('/').slice(0, 255);
  }
  return `local-${random()}`;
}

/** The run tags plus any extra tags, extras first so that the run tags always win. */
export function runTags(runId: string, purpose: string, extra: Record<string, string> = {}): Tag[] {
  const merged: Record<string, string> = { ...extra, [TAG_RUN_ID]: runId, [TAG_PURPOSE]: purpose };
  return Object.entries(merged).map(([Key, Value]) => ({ Key, Value }));
}

/** TagSpecifications for a create call, one per resource type, all with the same tags. */
export function tagSpecifications(types: ResourceType[], tags: Tag[]): TagSpecification[] {
  return types.map((ResourceType) => ({ ResourceType, Tags: tags }));
}

/** A Describe* filter for resources of one run. */
export function runIdFilter(runId: string): Filter {
  return { Name: `tag:${TAG_RUN_ID}`, Values: [runId] };
}

/** Reads a tag's value from a Tags list. */
export function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/** Turns a Tags list into a plain record. */
export function tagsToRecord(tags: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? '']),
  );
}
