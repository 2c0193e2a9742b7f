// The native engine: EC2 API only, no SSH, in four phases with one context: launch (preflight,
// group, instance), provision (the completion signal), image (create, copy, finish, retention),
// and clean up (always, in `finally` order), each in its own module.
import type { BuildDeps, BuildResult, NativeBuildSpec } from './types.js';
import { buildContext } from './build-context.js';
import { buildFailure, cleanUp } from './cleanup.js';
import { makeImages, retain } from './image.js';
import { launch, provision } from './launch.js';
import { formatPlan, nativePlan } from './plan.js';

export { preflight, type Preflight } from './launch.js';

/**
 * Every temporary resource carries the run id; the instance and group are removed after the
 * build, a failed image is deregistered with its snapshots, and a final tag sweep catches what a
 * retried create may have doubled.
 */
export async function buildNative(spec: NativeBuildSpec, deps: BuildDeps): Promise<BuildResult> {
  const ctx = buildContext(spec, deps);
  ctx.log(`Plan:\n${formatPlan(nativePlan(spec, deps.signal.name))}`);
  let result: BuildResult | undefined;
  let failure: unknown;
  try {
    const launched = await launch(ctx);
    await provision(ctx, launched);
    const images = await makeImages(ctx, launched);
    const { retention, retentionErrors } = await retain(ctx, images);
    const first = images[spec.region];
    result = {
      name: spec.name,
      region: spec.region,
      imageId: first?.imageId ?? '',
      snapshotIds: first?.snapshotIds ?? [],
      images,
      baseImageId: launched.baseImageId,
      retention,
      cleanupErrors: ctx.cleanupErrors,
      retentionErrors,
      durationMs: 0,
    };
  } catch (err) {
    failure = err;
  }
  await cleanUp(ctx, failure !== undefined);
  if (failure !== undefined || !result) throw buildFailure(ctx, failure);
  result.durationMs = ctx.clock() - ctx.started;
  return result;
}
