// action: promote. The previewed color must still be ready; switch traffic to it from what is
// live now, run the post-switch gate, then retire the old color. A failed gate switches back.
import { ActionError, errorMessage, withTimeout } from '@hac/toolkit';
import { waitForRollout } from '../rollout.js';
import { finish, gateVerdict, type RunContext } from './context.js';
import { writeLater, type LaterRun } from './later-run.js';
import type { BlueGreenPlan } from './plan.js';
import { compactPlan } from './recorded.js';
import { retireColor } from './retire.js';
import { currentSwitch, servingAnnotations, switchTraffic, undo } from './switch.js';
import type { BlueGreenResult } from './types.js';

export async function promote(ctx: RunContext, run: LaterRun): Promise<BlueGreenResult> {
  const { plan, rec } = run;
  const name = plan.deployment.metadata.name as string;
  await ctx.timeline.step(
    `check ${name}`,
    () => waitForRollout(ctx.client, name, { timeoutMs: ctx.inputs.timeoutMs }),
    (s) => s.message,
  );
  const live: BlueGreenPlan = { ...plan, switch: await currentSwitch(ctx.client, plan, plan.newColor) };
  await ctx.timeline.step(
    'switch traffic',
    () =>
      switchTraffic(
        ctx.client,
        live,
        servingAnnotations({
          runId: ctx.inputs.runId,
          phase: 'switched',
          color: plan.newColor,
          image: rec.image,
          previousImage: rec.previousImage,
        }),
      ),
    (n) => `→ ${plan.newColor} (${n} ready pods)`,
  );
  const failed = await gateVerdict(ctx, 'post-switch', ctx.inputs.liveGate).catch((e) => errorMessage(e));
  if (failed) return revert(ctx, run, live, failed);
  if (plan.oldColor)
    await retireColor(ctx, plan.app, plan.oldColor).catch((e) =>
      ctx.timeline.add('retire old color', 'failed', errorMessage(e)),
    );
  await writeLater(ctx, run, {
    phase: 'complete',
    activeColor: plan.newColor,
    ...(plan.oldColor ? { previousColor: plan.oldColor } : {}),
    extra: { plan: compactPlan(live) },
  });
  return finish(ctx, {
    verdict: 'promoted',
    activeColor: plan.newColor,
    previousColor: plan.oldColor,
    image: rec.image,
    previousImage: rec.previousImage,
  });
}

/** The post-switch gate failed: traffic back to the old color (fresh signal), recorded as rolled back. */
async function revert(
  ctx: RunContext,
  run: LaterRun,
  live: BlueGreenPlan,
  failed: string,
): Promise<BlueGreenResult> {
  const { plan, rec } = run;
  const rb = ctx.client.withSignal(withTimeout(undefined, 120_000, 'rollback'));
  await ctx.timeline.step(
    'rollback',
    () =>
      undo(
        rb,
        live,
        servingAnnotations({
          runId: ctx.inputs.runId,
          phase: 'rolled-back',
          color: plan.oldColor,
          image: rec.previousImage,
          previousImage: rec.image,
        }),
      ),
    (r) => r.notes.join('; '),
  );
  const images = { image: rec.previousImage, previousImage: rec.image };
  await writeLater(ctx, run, { phase: 'rolled-back', reason: failed, ...images }, rb);
  return finish(ctx, {
    verdict: 'rolled-back',
    activeColor: plan.oldColor,
    previousColor: plan.newColor,
    rollbackReason: failed,
    failure: new ActionError(
      `The post-switch gate failed: ${failed}`,
      'Traffic was switched back; fix the new version and redeploy.',
    ),
  });
}
