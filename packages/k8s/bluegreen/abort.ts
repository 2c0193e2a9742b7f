// action: abort. Remove the color waiting in preview (traffic never moved) and record that the
// images are back to what served before.
import { previousOf } from '../rollback-target.js';
import { finish, type RunContext } from './context.js';
import { writeLater, type LaterRun } from './later-run.js';
import { undo } from './switch.js';
import type { BlueGreenResult } from './types.js';

export async function abort(ctx: RunContext, run: LaterRun): Promise<BlueGreenResult> {
  const { plan, rec } = run;
  await ctx.timeline.step(
    'remove the previewed color',
    () => undo(ctx.client, plan),
    (r) => r.notes.join('; ') || 'nothing to remove',
  );
  await writeLater(ctx, run, {
    phase: 'aborted',
    image: rec.previousImage,
    previousImage: rec.image,
    reason: 'aborted',
    // What serves is the version the preview would have replaced.
    extra: { spec: previousOf(rec), previous: undefined },
  });
  return finish(ctx, {
    verdict: 'aborted',
    activeColor: plan.oldColor,
    previousColor: plan.newColor,
    image: rec.previousImage,
    previousImage: rec.image,
  });
}
