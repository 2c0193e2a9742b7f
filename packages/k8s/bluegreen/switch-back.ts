// action: rollback. Switch traffic back to the previous color from recorded state: bring its
// Deployment back to size if it was scaled down, wait for it, switch (one patch), run the
// post-switch gate, retire the color rolled away from and record the swap.
import { ActionError, errorMessage } from '@hac/toolkit';
import type { Deployment } from '../objects.js';
import { waitForRollout } from '../rollout.js';
import { finish, gateVerdict, type RunContext } from './context.js';
import { writeLater, type LaterRun } from './later-run.js';
import { COLOR_LABEL, colorDeploymentName, type BlueGreenPlan, type Color, type SwitchPlan } from './plan.js';
import { compactPlan } from './recorded.js';
import { retireColor } from './retire.js';
import { currentSwitch, servingAnnotations, switchTraffic } from './switch.js';
import type { BlueGreenResult } from './types.js';

export async function switchBack(ctx: RunContext, run: LaterRun): Promise<BlueGreenResult> {
  const { plan, rec } = run;
  const from = rec.activeColor as Color;
  const to = rec.previousColor as Color;
  const want = await readyPrevious(ctx, run, to, from);
  const target = {
    ...plan,
    newColor: to,
    oldColor: from,
    newSelector: { ...plan.newSelector, [COLOR_LABEL]: to },
  };
  const sw = await currentSwitch(ctx.client, target, to);
  await ctx.timeline.step(
    'switch traffic back',
    () =>
      switchTraffic(
        ctx.client,
        { newSelector: target.newSelector, switch: sw },
        servingAnnotations({
          runId: ctx.inputs.runId,
          phase: 'rolled-back',
          color: to,
          image: rec.previousImage,
          previousImage: rec.image,
        }),
      ),
    (n) => `→ ${to} (${n} ready pods)`,
  );
  const failed = await gateVerdict(ctx, 'post-switch', ctx.inputs.liveGate).catch((e) => errorMessage(e));
  if (!failed)
    await retireColor(ctx, plan.app, from).catch((e) =>
      ctx.timeline.add('retire rolled-back color', 'failed', errorMessage(e)),
    );
  await recordSwitchBack(ctx, run, { sw, target, want });
  return finish(ctx, {
    verdict: 'rolled-back',
    activeColor: to,
    previousColor: from,
    image: rec.previousImage,
    previousImage: rec.image,
    rollbackReason: 'rollback requested',
    ...(failed
      ? {
          failure: new ActionError(
            `Rolled back to ${to}, but its post-switch gate failed: ${failed}`,
            'Both versions look unhealthy; investigate the service.',
          ),
        }
      : {}),
  });
}

/** The previous color's Deployment, scaled back to its recorded size if needed and ready; returns that size. */
async function readyPrevious(
  ctx: RunContext,
  { plan, rec }: LaterRun,
  to: Color,
  from: Color,
): Promise<number> {
  const name = colorDeploymentName(plan.app, to);
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name };
  const prev = await ctx.client.find<Deployment>(ref);
  if (!prev) {
    throw new ActionError(
      `Cannot roll back: Deployment ${name} (the previous color) no longer exists. Nothing was changed.`,
      `Redeploy the previous image${rec.previousImage ? ` (${rec.previousImage})` : ''} with action: deploy.`,
    );
  }
  const want = rec.replicas?.[name] ?? rec.replicas?.[colorDeploymentName(plan.app, from)] ?? 1;
  if ((prev.spec.replicas ?? 1) === 0) {
    await ctx.timeline.step(`scale ${name} to ${want}`, () =>
      ctx.client.mergePatch(ref, { spec: { replicas: want } }),
    );
  }
  await ctx.timeline.step(
    `wait for ${name}`,
    () => waitForRollout(ctx.client, name, { timeoutMs: ctx.inputs.timeoutMs }),
    (s) => s.message,
  );
  return want;
}

/** Records the swap: the previous color active again, with a plan that a later rollback reverses. */
async function recordSwitchBack(
  ctx: RunContext,
  run: LaterRun,
  { sw, target, want }: { sw: SwitchPlan; target: BlueGreenPlan & { oldColor: Color }; want: number },
): Promise<void> {
  const { plan, rec } = run;
  const to = target.newColor;
  const from = target.oldColor;
  const name = colorDeploymentName(plan.app, to);
  const next = {
    ...target,
    switch: sw,
    deployment: { ...plan.deployment, metadata: { name } },
  } as BlueGreenPlan;
  await writeLater(ctx, run, {
    phase: 'rolled-back',
    activeColor: to,
    previousColor: from,
    image: rec.previousImage,
    previousImage: rec.image,
    reason: 'rollback requested',
    replicas: { ...(rec.replicas ?? {}), [name]: want },
    extra: { plan: compactPlan(next) },
  });
}
