/**
 * deploy, under the Lease: the plan carried out. A first release is applied as stable. Otherwise
 * the record is written first (only if stable is still as the plan read it: StalePlanError
 * otherwise, and the caller plans again), then the canary's objects, then each step (steps.ts); the last
 * step promotes (100%) or leaves the canary paused for a later job. From the first write on, a
 * failure rolls back (rollback.ts).
 */
import { ActionError } from '@hac/toolkit';
import { isConflict } from '../errors.js';
import type { Deployment } from '../objects.js';
import { DEPLOYMENT, SERVICE, markWriting, rolledOut, saveRecord, type RunContext } from './context.js';
import type { CanaryPlan, InitialPlan, StepPlan } from './plan.js';
import { promote } from './promote.js';
import { rollBack } from './rollback.js';
import { runStep } from './steps.js';
import { STATE_ANNOTATION } from './state.js';
import { pinPatch } from './traffic.js';
import type { CanaryResult } from './types.js';

export async function executePlan(ctx: RunContext, plan: CanaryPlan): Promise<CanaryResult> {
  return plan.kind === 'initial' ? releaseFirst(ctx, plan) : runSteps(ctx, plan);
}

/** No stable Deployment yet: the first release goes out as stable directly (nothing to compare with). */
async function releaseFirst(ctx: RunContext, plan: InitialPlan): Promise<CanaryResult> {
  markWriting(ctx);
  for (const obj of plan.others) await ctx.c.apply(obj);
  await ctx.c.apply(plan.next);
  await rolledOut(ctx, ctx.o.name);
  ctx.result.verdict = 'initial';
  ctx.result.weight = 100;
  return ctx.result;
}

async function runSteps(ctx: RunContext, plan: StepPlan): Promise<CanaryResult> {
  markWriting(ctx);
  // The record is updated as the run goes; the plan keeps the one it started from.
  ctx.rec = structuredClone(plan.record);
  await firstRecord(ctx, plan);
  try {
    await addCanary(ctx, plan);
    for (let i = 0; i < plan.rows.length; i++) await runStep(ctx, plan, i);
    return await finish(ctx);
  } catch (err) {
    return rollBack(ctx, err);
  }
}

/** How many times a deploy plans again when stable keeps changing under it. */
export const STALE_PLAN_ATTEMPTS = 3;

/** Stable changed after the plan read it; the run's first write was refused and nothing changed. */
export class StalePlanError extends ActionError {
  constructor(name: string, resourceVersion: string | undefined) {
    super(
      `Deployment ${name} changed after it was read (resourceVersion ${resourceVersion ?? 'none'}); nothing was changed`,
      'Another writer keeps changing the stable Deployment: let it finish, then run again.',
    );
    this.name = 'StalePlanError';
  }
}

/**
 * The run's first write: the record on stable, as of the resourceVersion the plan read. A 409 is
 * either another writer (StalePlanError: nothing changed) or this very patch, applied by a try
 * whose answer was lost and refused on the retry: stable then carries exactly this record.
 */
async function firstRecord(ctx: RunContext, plan: StepPlan): Promise<void> {
  try {
    await saveRecord(ctx, {}, ctx.c, undefined, plan.stableResourceVersion);
  } catch (err) {
    if (!isConflict(err)) throw err;
    const stable = await ctx.c.get<Deployment>({ ...DEPLOYMENT, name: plan.record.stable });
    if (stable.metadata.annotations?.[STATE_ANNOTATION] !== JSON.stringify(ctx.rec))
      throw new StalePlanError(plan.record.stable, plan.stableResourceVersion);
    ctx.stable = stable;
  }
}

/** The manifests' other objects, the canary Service (stable's pinned to stable pods), the canary. */
async function addCanary(ctx: RunContext, plan: StepPlan): Promise<void> {
  const { c } = ctx;
  for (const obj of plan.others) await c.apply(obj);
  if (plan.canaryService) {
    await c.apply(plan.canaryService);
    await c.mergePatch(
      { ...SERVICE, name: plan.record.stableService as string },
      pinPatch(plan.record, plan.stableHash),
    );
  }
  ctx.canary = await c.apply<Deployment>(plan.canary);
  // analysis: baseline: stable's version beside the canary, scaled with it (baseline.ts).
  if (plan.baselineService) await c.apply(plan.baselineService);
  if (plan.pairService) await c.apply(plan.pairService);
  if (plan.baseline) await c.apply(plan.baseline);
}

/** After the last step: promote at 100%, else hold the canary for a later promote or abort. */
async function finish(ctx: RunContext): Promise<CanaryResult> {
  const r = ctx.result;
  const last = ctx.o.steps[ctx.o.steps.length - 1] as number;
  if (last === 100) {
    await promote(ctx);
    r.verdict = 'promoted';
    return r;
  }
  // The last step recorded the paused phase with its weight (steps.ts).
  if (ctx.rec?.phase !== 'paused') await saveRecord(ctx, { phase: 'paused' });
  Object.assign(r, { verdict: 'paused', phase: 'paused', weight: last });
  return r;
}
