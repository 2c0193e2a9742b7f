// action: deploy. Read the manifests, prepare (preflight, plan, dry run), stop there on dry-run;
// else take the Lease and execute, planning again if another run moved traffic while we waited.
import { resolveWorkload } from '../workload.js';
import { finish, saveProgress, startProgress, withLease, type RunContext } from './context.js';
import { execute } from './execute.js';
import { makePlan, prepareDeploy, readLive } from './prepare.js';
import { planMarkdown } from './report.js';
import type { BlueGreenResult } from './types.js';

export async function deploy(ctx: RunContext): Promise<BlueGreenResult> {
  // Everything that needs no cluster: manifests, images, workload.
  const workload = await ctx.timeline.step(
    'read manifests',
    async () => resolveWorkload(ctx.inputs.workload),
    (w) => `${w.source}: Deployment ${w.deployment.metadata.name}, image ${w.image}`,
  );
  const app = workload.app;
  saveProgress(ctx, startProgress(ctx, app, 'started'));
  const { run, lease, annotations } = await prepareDeploy(ctx, workload);
  if (ctx.inputs.dryRun) {
    ctx.timeline.add('dry run', 'info', 'stopped after preflight; nothing was changed');
    return finish(ctx, {
      verdict: 'planned',
      app,
      activeColor: run.plan.oldColor,
      image: run.plan.image,
      previousImage: run.previousImage,
      plan: run.plan,
      planMarkdown: planMarkdown(run.plan, annotations),
    });
  }
  return withLease(ctx, app, lease ?? null, async (contended) => {
    if (contended) {
      // Another run may have moved traffic while we waited: plan again from what is live now.
      const again = await readLive(ctx.client, workload, ctx.inputs);
      run.plan = makePlan(ctx, workload, again.live);
      run.state = again.state;
    }
    return execute(ctx, run);
  });
}
