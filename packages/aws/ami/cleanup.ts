// Clean-up phase of a native build: after a failure, the images that never became final; always,
// the instance and the group, then a tag sweep for twins of retried creates. Runs after
// cancellation too, so it has its own deadline instead of the cancellation signal.
import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { abortReason, ActionError, errorMessage, withTimeout } from '@hac/toolkit';
import { withAbort } from '../abort.js';
import { awsCall, describeAwsError } from '../errors.js';
import { tagValue, TAG_PURPOSE } from '../tags.js';
import { deleteSecurityGroup, deregisterWithSnapshots, terminateAndWait } from './resources.js';
import { sweepRun } from './sweep.js';
import type { BuildContext } from './build-context.js';
import { PURPOSE } from './types.js';

/** What a failed removal leaves, and the command that removes it. */
function leftover(what: string, region: string, err: unknown, remove: string): string {
  return `${what} in ${region} is left (${errorMessage(err)}); remove it with: ${remove}`;
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

/** Removes what the build created (nothing at all when no write was sent); failures go to ctx.cleanupErrors. */
export async function cleanUp(ctx: BuildContext, failed: boolean): Promise<void> {
  const { spec, deps, created } = ctx;
  if (!created.written) return;
  const budget = deps.cleanupTimeoutMs ?? (deps.abortSignal?.aborted ? 60_000 : 600_000);
  const deadline = withTimeout(undefined, budget, 'cleanup');
  const client = (region: string) => withAbort(deps.ec2(region), deadline);
  const ec2 = client(spec.region);
  const attempt = async (fn: () => Promise<unknown>, onError: (err: unknown) => string) => {
    try {
      await fn();
    } catch (err) {
      ctx.cleanupErrors.push(onError(err));
    }
  };
  const r = spec.region;
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
          r,
          e,
          `aws ec2 terminate-instances --region ${r} --instance-ids ${instanceId}`,
        ),
    );
  if (groupId)
    await attempt(
      () => deleteSecurityGroup(ec2, groupId),
      (e) =>
        leftover(
          `security group ${groupId}`,
          r,
          e,
          `aws ec2 delete-security-group --region ${r} --group-id ${groupId}`,
        ),
    );
  // A create call retried after its response was lost may have made a twin: sweep by tag, and
  // in copy regions (copies are tagged only after CopyImage returns) by the build's unique name.
  const report = await sweepRun(ec2, spec.runId, r);
  ctx.cleanupErrors.push(...report.errors.map((e) => sweepLeftover(spec.runId, r, e)));
  for (const region of spec.copyRegions)
    await attempt(
      () => sweepUntrackedCopies(client(region), spec.name, created.images[region]),
      (e) => sweepLeftover(spec.runId, region, e),
    );
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

/** The one error a failed (or cancelled) build ends with, after its clean-up. */
export function buildFailure(ctx: BuildContext, failure: unknown): ActionError {
  const { deps, created, cleanupErrors } = ctx;
  const removed = cleanupErrors.length
    ? ''
    : created.written
      ? ' Everything it had created was removed.'
      : ' It had not created anything.';
  const err = deps.abortSignal?.aborted
    ? new ActionError(
        `The build was cancelled (${abortReason(deps.abortSignal).message}) and no image was kept.${removed}`,
        'Re-run the job to build the image.',
        { cause: failure },
      )
    : failure instanceof ActionError
      ? failure
      : describeAwsError(failure, 'build-ami');
  return withCleanupNote(err, cleanupErrors);
}
