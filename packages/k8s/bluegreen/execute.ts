// Executing a deploy plan: apply the idle color and wait for it, the preview gate, then either
// wait for a later promote (auto-promote: false) or switch traffic (one write), the post-switch
// gate and keep-old-for. Any failure, timeout or cancellation rolls back (rollback.ts); past the
// point of no return the old color is retired and the deploy recorded.
import { errorMessage, formatDuration } from '@hac/toolkit';
import { waitForRollout, type RolloutStatus } from '../rollout.js';
import { writeState } from '../state.js';
import { finish, nowIso, runGate, saveProgress, type RunContext } from './context.js';
import type { Color } from './plan.js';
import { prevRecord, runBase, switchAnnotations, type DeployRun } from './prepare.js';
import { deployRecord } from './recorded.js';
import { retireColor } from './retire.js';
import { rollback } from './rollback.js';
import { switchTraffic } from './switch.js';
import type { BlueGreenResult } from './types.js';

/** How long a rollout watch's report of ready pods stands for listing them at the switch. */
export const READY_EVIDENCE_MS = 5_000;

/**
 * The ready pods of the new color, as its rollout watch reported them at `atMs`, when that is recent
 * enough at `nowMs` to switch on without a pod list (the pods carry the live selector's labels).
 */
export function freshReady(s: RolloutStatus, atMs: number, nowMs: number): number | undefined {
  return s.done && s.ready > 0 && nowMs - atMs <= READY_EVIDENCE_MS ? s.ready : undefined;
}

export async function execute(ctx: RunContext, run: DeployRun): Promise<BlueGreenResult> {
  saveProgress(ctx, { stage: 'deploying', plan: run.plan });
  try {
    const rollout = await deployIdleColor(ctx, run);
    const atMs = ctx.clock();
    await runGate(ctx, 'preview', ctx.inputs.previewGate);
    if (!ctx.inputs.autoPromote) return await awaitPromotion(ctx, run);
    await switchToNew(ctx, run, freshReady(rollout, atMs, ctx.clock()));
    await runGate(ctx, 'post-switch', ctx.inputs.liveGate);
    await keepOldColor(ctx, run);
  } catch (err) {
    return rollback(ctx, run, err);
  }
  return complete(ctx, run);
}

/** Applies the pre-apply objects and the new color's Deployment, then waits for its rollout. */
async function deployIdleColor(ctx: RunContext, { plan }: DeployRun): Promise<RolloutStatus> {
  const client = ctx.client;
  await ctx.timeline.step(
    `apply ${plan.preApply.length + 1} object(s)`,
    async () => {
      const applied = await Promise.all(plan.preApply.map((o) => client.apply(o)));
      // Applying the live Service moves its resourceVersion: the switch patch is checked against the new one.
      const liveApplied = applied.find(
        (o) => o.kind === plan.switch.ref.kind && o.metadata.name === plan.switch.ref.name,
      );
      if (liveApplied) plan.switch.resourceVersion = liveApplied.metadata.resourceVersion;
      await client.apply(plan.deployment);
    },
    () => `Deployment ${plan.deployment.metadata.name} (${plan.replicas} replicas, ${plan.newColor})`,
  );
  return ctx.timeline.step(
    `wait for ${plan.deployment.metadata.name}`,
    () =>
      waitForRollout(client, plan.deployment.metadata.name as string, {
        timeoutMs: ctx.inputs.timeoutMs,
        sleep: ctx.sleep,
        onProgress: (s) => ctx.log(`rollout: ${s.message}`),
        log: ctx.log,
      }),
    (s) => s.message,
  );
}

/** auto-promote: false. Traffic has not moved: the active color and the one before it stay as recorded. */
async function awaitPromotion(ctx: RunContext, run: DeployRun): Promise<BlueGreenResult> {
  const { plan, state } = run;
  const before = prevRecord(state)?.previousColor;
  const previous = before && before !== plan.oldColor ? (before as Color) : undefined;
  const rec = deployRecord(
    plan,
    prevRecord(state),
    'previewing',
    { active: plan.oldColor, previous },
    nowIso(ctx),
  );
  await writeState(ctx.client, rec, state);
  saveProgress(ctx, { stage: 'done' });
  ctx.timeline.add(
    'await promotion',
    'info',
    `run action: promote to switch to ${plan.newColor}, or action: abort`,
  );
  return finish(ctx, {
    ...runBase(run),
    verdict: 'previewing',
    activeColor: plan.oldColor,
    previousColor: previous,
  });
}

async function switchToNew(
  ctx: RunContext,
  { plan, state }: DeployRun,
  observedReady?: number,
): Promise<void> {
  saveProgress(ctx, { stage: 'switched' }); // saved first: post checks the cluster, so an unfinished patch is handled too
  await ctx.timeline.step(
    'switch traffic',
    () => switchTraffic(ctx.client, plan, switchAnnotations(plan, state), observedReady),
    (n) =>
      `${plan.switch.kind === 'service' ? 'Service' : 'HTTPRoute'} ${plan.switch.ref.name} → ${plan.newColor} (${n} ready pods)`,
  );
}

/** keep-old-for: the old color stays ready to take traffic back (cancellation still rolls back). */
async function keepOldColor(ctx: RunContext, { plan }: DeployRun): Promise<void> {
  const ms = ctx.inputs.keepOldForMs;
  if (ms <= 0 || !plan.oldColor) return;
  await ctx.timeline.step(`keep ${plan.oldColor} for ${formatDuration(ms)}`, () => ctx.sleep(ms, ctx.signal));
}

/** Past the point of no return: the new color is live and healthy. Retire the old one, record. */
async function complete(ctx: RunContext, run: DeployRun): Promise<BlueGreenResult> {
  const { plan, state } = run;
  saveProgress(ctx, { stage: 'done' });
  if (plan.oldColor)
    await retireColor(ctx, plan.app, plan.oldColor).catch((err) =>
      ctx.timeline.add('retire old color', 'failed', errorMessage(err)),
    );
  const colors = { active: plan.newColor, previous: plan.oldColor };
  await writeState(
    ctx.client,
    deployRecord(plan, prevRecord(state), 'complete', colors, nowIso(ctx)),
    state,
  ).catch((err) => ctx.timeline.add('record state', 'failed', errorMessage(err)));
  return finish(ctx, {
    ...runBase(run),
    verdict: 'promoted',
    activeColor: plan.newColor,
    previousColor: plan.oldColor,
  });
}
