/**
 * promote and abort in a later job: they act on the canary a deploy left running, found from the
 * record on the stable Deployment alone (no manifests).
 */
import { ActionError, errorMessage } from '@hac/toolkit';
import type { Deployment } from '../objects.js';
import { mainImage } from './build.js';
import { DEPLOYMENT, markWriting, rolledOut, type RunContext } from './context.js';
import { promote } from './promote.js';
import { abort } from './rollback.js';
import { PREVIOUS_ANNOTATION, isActive, readRecord, type CanaryRecord } from './state.js';
import type { CanaryResult } from './types.js';

/** The live canary's record (also on the context and in the result); fails naming why there is none. */
export async function recorded(ctx: RunContext, verb: string): Promise<CanaryRecord> {
  const stable = await ctx.c.find<Deployment>({ ...DEPLOYMENT, name: ctx.o.name });
  const rec = readRecord(stable);
  if (!stable || !rec || !isActive(rec)) {
    const what = !stable
      ? `Deployment ${ctx.o.name} does not exist`
      : rec
        ? `its last canary is already ${rec.phase}`
        : 'no canary was ever recorded on it';
    throw new ActionError(
      `Nothing to ${verb}: ${what} in namespace ${ctx.c.namespace}. Nothing was changed.`,
      `Run this action with action: deploy first; ${verb} acts on the canary a deploy left running.`,
    );
  }
  ctx.rec = rec;
  ctx.stable = stable;
  Object.assign(ctx.result, {
    image: rec.image,
    previousImage: rec.previousImage,
    version: rec.version ?? '',
    previousVersion: rec.previousVersion ?? '',
    weight: rec.weight,
  });
  return rec;
}

/** The record read before the Lease (runCanary forgets it when another run held the Lease meanwhile), else read now. */
async function current(ctx: RunContext, verb: string): Promise<CanaryRecord> {
  return ctx.rec && ctx.stable ? ctx.rec : recorded(ctx, verb);
}

export async function promoteLater(ctx: RunContext): Promise<CanaryResult> {
  const rec = await current(ctx, 'promote');
  const canary = await ctx.c.find<Deployment>({ ...DEPLOYMENT, name: rec.canary });
  ctx.canary = canary;
  if (!canary) {
    throw new ActionError(
      `Nothing to promote: the canary Deployment ${rec.canary} is gone. Nothing was changed.`,
      'Run action: abort to clear the record, then deploy again.',
    );
  }
  ctx.result.objects.push(
    `replace Deployment/${rec.stable} pod template with ${rec.canary}'s`,
    `delete Deployment/${rec.canary}`,
  );
  if (ctx.o.dryRun) return ctx.result;
  markWriting(ctx);
  try {
    await promote(ctx);
  } catch (err) {
    ctx.result.reason = `promotion failed: ${errorMessage(err)}`;
    throw new ActionError(
      `Promotion of ${rec.stable} failed: ${errorMessage(err)}`,
      `The canary is still recorded as live (phase ${rec.phase}). Fix the cause and run action: promote again, or action: abort to return to the previous version.`,
    );
  }
  ctx.result.verdict = 'promoted';
  return ctx.result;
}

export async function abortLater(ctx: RunContext): Promise<CanaryResult> {
  const rec = await current(ctx, 'abort');
  ctx.result.objects.push(`route all traffic to ${rec.stable}`, `delete Deployment/${rec.canary}`);
  if (ctx.o.dryRun) return ctx.result;
  markWriting(ctx);
  if (rec.phase === 'promoting') await restorePreviousTemplate(ctx, rec);
  await abort(ctx, 'aborted on request', ctx.c);
  Object.assign(ctx.result, {
    verdict: 'aborted',
    reason: 'aborted on request',
    image: rec.previousImage,
    version: rec.previousVersion ?? '',
  });
  return ctx.result;
}

/** A promotion that stopped half way: stable may already run the new template; take it back. */
async function restorePreviousTemplate(ctx: RunContext, rec: CanaryRecord): Promise<void> {
  const stable = await ctx.c.get<Deployment>({ ...DEPLOYMENT, name: rec.stable });
  const prev = stable.metadata.annotations?.[PREVIOUS_ANNOTATION];
  if (!prev || mainImage(stable) === rec.previousImage) return;
  stable.spec.template = JSON.parse(prev);
  await ctx.c.replace(stable);
  await rolledOut(ctx, rec.stable);
}
