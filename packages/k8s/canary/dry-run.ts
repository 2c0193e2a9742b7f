/**
 * The plan's writes, each sent once as a server-side dry run (dryRun=All) before the first real
 * one: a bad manifest, a missing permission or a webhook's refusal fails here, with nothing changed.
 * The record on stable is the exception outside `dry-run: true`: it is the run's first real write,
 * so its refusal changes nothing either.
 */
import { dryRunAll, preflightError, type PlannedWrite } from '../preflight.js';
import { DEPLOYMENT, HTTPROUTE, INGRESS, SERVICE, type RunContext } from './context.js';
import type { CanaryPlan, StepPlan } from './plan.js';
import { recordPatch } from './state.js';
import { pinPatch, setHttpRouteWeight, setIngressWeight } from './traffic.js';

export async function dryRunPlan(ctx: RunContext, plan: CanaryPlan): Promise<void> {
  if (plan.kind === 'initial') {
    await dryRunAll(
      ctx.c,
      [...plan.others, plan.next].map((object): PlannedWrite => ({ op: 'apply', object })),
    );
    return;
  }
  await dryRunAll(ctx.c, plannedWrites(plan, ctx.o.dryRun));
  await dryRunRoute(ctx, plan);
}

function plannedWrites(plan: StepPlan, withRecord: boolean): PlannedWrite[] {
  const rec = plan.record;
  const record: PlannedWrite = {
    op: 'patch',
    ref: { ...DEPLOYMENT, name: rec.stable },
    patch: recordPatch(rec, plan.stableResourceVersion),
  };
  const writes: PlannedWrite[] = [
    ...plan.others.map((object): PlannedWrite => ({ op: 'apply', object })),
    { op: 'apply', object: plan.canary },
    ...(plan.baseline ? [{ op: 'apply', object: plan.baseline } as PlannedWrite] : []),
    ...(plan.baselineService ? [{ op: 'apply', object: plan.baselineService } as PlannedWrite] : []),
    ...(plan.pairService ? [{ op: 'apply', object: plan.pairService } as PlannedWrite] : []),
    ...(withRecord ? [record] : []),
  ];
  if (plan.canaryService) {
    writes.push(
      { op: 'apply', object: plan.canaryService },
      {
        op: 'patch',
        ref: { ...SERVICE, name: rec.stableService as string },
        patch: pinPatch(rec, plan.stableHash),
      },
    );
  }
  return writes;
}

/** The route at the first step's weight, dry-run (the route object is not ours: it must accept the patch). */
async function dryRunRoute(ctx: RunContext, plan: StepPlan): Promise<void> {
  const rec = plan.record;
  const first = ctx.o.steps[0] as number;
  const dry = { dryRun: true };
  const named = (ref: { apiVersion: string; kind: string; name: string }, err: unknown) =>
    preflightError({ op: 'patch', ref, patch: {} }, err, ctx.c.namespace);
  if (rec.httpRoute) {
    await setHttpRouteWeight(ctx.c, rec, first, dry).catch((err: unknown) => {
      throw named({ ...HTTPROUTE, name: rec.httpRoute as string }, err);
    });
  }
  if (rec.canaryIngress) {
    await setIngressWeight(ctx.c, rec, first, dry).catch((err: unknown) => {
      throw named({ ...INGRESS, name: rec.canaryIngress as string }, err);
    });
  }
}
