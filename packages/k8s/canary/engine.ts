/**
 * The canary engine: deploy (steps with gates), promote and abort, driven from a CI job with
 * nothing installed in the cluster. Every decision it takes is recorded on the stable Deployment
 * (see state.ts), so a later job can promote or abort with no manifests.
 *
 * A deploy is observe (observe.ts) → plan (plan.ts, pure) → dry run (dry-run.ts) → execute under
 * the app's Lease (deploy.ts, steps.ts) → on failure, roll back (rollback.ts). promote and abort in
 * a later job are in later.ts; rollback after promote in rollback-promoted.ts.
 */
import { ActionError, errorMessage, withTimeout } from '@hac/toolkit';
import type { Deployment } from '../objects.js';
import { LeaseLock, decideLease, leaseName, leaseRef, releaseLease, type Lease } from '../lease.js';
import { checkPermissions } from '../permissions.js';
import { checkAnalysisQueries } from './analysis.js';
import { versionOf } from './build.js';
import { DEPLOYMENT, isoNow, queryVars, runContext, type RunContext } from './context.js';
import { dryRunPlan } from './dry-run.js';
import { STALE_PLAN_ATTEMPTS, StalePlanError, executePlan } from './deploy.js';
import { abortLater, promoteLater, recorded } from './later.js';
import { queryPrometheus, renderQuery } from './metrics.js';
import { observeDeploy, observeRoute, stableServiceName } from './observe.js';
import { canaryPermissions } from './permissions.js';
import { planCanary, planLines, type CanaryPlan } from './plan.js';
import { rollbackPromoted } from './rollback-promoted.js';
import { routeTarget } from './route-target.js';
import { isActive, readRecord } from './state.js';
import { emptyResult, type CanaryDeps, type CanaryOptions, type CanaryResult } from './types.js';

/** Runs the requested action under the app's Lease. */
export async function runCanary(o: CanaryOptions, deps: CanaryDeps): Promise<CanaryResult> {
  // rollback after promote: a deploy of the recorded previous template (rollback-promoted.ts).
  if (o.action === 'rollback') return rollbackPromoted(o, deps, (d) => runCanary(d, deps));
  const ctx = runContext(o, deps);
  // Read-only checks first: a request that cannot succeed must not even touch the lock Lease.
  await precheck(ctx);
  if (o.action === 'deploy') return deploy(ctx);
  const taken = o.dryRun ? undefined : await takeLease(ctx);
  // Another run held the Lease meanwhile: what precheck read may be stale, so it is read again.
  if (taken?.contended) ctx.rec = ctx.stable = undefined;
  const lock = taken?.lock;
  try {
    return await (o.action === 'promote' ? promoteLater(ctx) : abortLater(ctx));
  } finally {
    await freeLease(ctx, lock);
  }
}

/**
 * Every read and every dry run happen before the Lease, so a bad manifest or a missing object
 * writes nothing at all, not even the Lease. The plan's first write is conditional on the
 * resourceVersion of stable as read: a run that wrote in between makes it fail having changed
 * nothing, and the plan is made again (so is it when the Lease was contended).
 */
async function deploy(ctx: RunContext): Promise<CanaryResult> {
  const { o } = ctx;
  if (o.dryRun) {
    const plan = (await prepareDeploy(ctx)) as CanaryPlan;
    for (const line of planLines(plan)) ctx.log(`dry run: ${line}`);
    return ctx.result;
  }
  let plan = await prepareDeploy(ctx, true);
  const { lock, contended } = await takeLease(ctx);
  try {
    if (contended || !plan || (plan.kind === 'initial' && (await stableExists(ctx))))
      plan = (await prepareDeploy(ctx)) as CanaryPlan;
    return await executeFresh(ctx, plan);
  } finally {
    await freeLease(ctx, lock);
  }
}

/** Runs the plan; when stable changed after it was read (its first write failed, changing nothing), plans again. */
async function executeFresh(ctx: RunContext, first: CanaryPlan): Promise<CanaryResult> {
  let plan = first;
  for (let attempt = 1; ; attempt++) {
    try {
      return await executePlan(ctx, plan);
    } catch (err) {
      if (!(err instanceof StalePlanError) || attempt >= STALE_PLAN_ATTEMPTS) throw err;
      ctx.log(`${err.message}; planning again`);
      plan = (await prepareDeploy(ctx)) as CanaryPlan;
    }
  }
}

/** A first release planned before the Lease: whether another run created stable meanwhile. */
async function stableExists(ctx: RunContext): Promise<boolean> {
  return !!(await ctx.c.find<Deployment>({ ...DEPLOYMENT, name: ctx.o.name }));
}

/** Whether another run holds the app's Lease now. */
async function leaseHeld(ctx: RunContext): Promise<boolean> {
  const lease = await ctx.c.find<Lease>(leaseRef(leaseName(ctx.o.name)));
  return decideLease(lease, ctx.o.runId, ctx.clock()).action === 'wait';
}

/**
 * deploy, read-only part: observe, plan, dry-run every write; the result shows the plan. Safe to
 * call again: it starts from a clean result. `beforeLease`: when the app's canary is in progress
 * and another run holds the Lease, returns undefined (plan again once the Lease is ours) instead
 * of failing.
 */
async function prepareDeploy(ctx: RunContext, beforeLease = false): Promise<CanaryPlan | undefined> {
  const { o, result: r } = ctx;
  Object.assign(r, { ...emptyResult(o), version: r.version });
  const objects = o.objects ?? [];
  const next = objects.find((x) => x.kind === 'Deployment') as Deployment;
  const others = objects.filter((x) => x !== next);
  const seen = await observeDeploy(ctx, others);
  if (beforeLease && isActive(readRecord(seen.stable)) && (await leaseHeld(ctx))) return undefined;
  const plan = planCanary({ o, namespace: ctx.c.namespace, next, others, now: isoNow(ctx) }, seen);
  Object.assign(r, {
    image: plan.image,
    version: plan.version,
    previousImage: plan.kind === 'steps' ? plan.previousImage : '',
    previousVersion: plan.kind === 'steps' ? plan.previousVersion : '',
    plan: plan.rows,
    objects: [...plan.writes],
    routeDiff: plan.routeDiff,
  });
  await dryRunPlan(ctx, plan);
  r.verdict = 'planned';
  return plan;
}

/** Permissions, metric queries and the route, checked read-only before the Lease and any write. */
async function precheck(ctx: RunContext): Promise<void> {
  const { o, c } = ctx;
  if (o.action !== 'deploy') {
    const rec = await recorded(ctx, o.action);
    // rollback never gets here: it runs as a deploy (see runCanary).
    await checkPermissions(c, canaryPermissions(rec.route, o.action as 'promote' | 'abort'));
    return;
  }
  const next = o.objects?.find((x) => x.kind === 'Deployment') as Deployment | undefined;
  const others = (o.objects ?? []).filter((x) => x !== next);
  // Every permission the run will use, named at once.
  await checkPermissions(c, canaryPermissions(o.route, 'deploy', others));
  ctx.result.version = versionOf(next?.spec.template);
  await checkMetrics(ctx);
  await checkAnalysisQueries(ctx);
  if (o.route === 'replicas') return;
  const svc = stableServiceName(o, others);
  routeTarget(o, await observeRoute(ctx), {
    namespace: c.namespace,
    stableService: svc,
    canaryService: `${svc}-canary`,
  });
}

/** One read-only query each: a PromQL syntax error or an unreachable Prometheus fails here, not mid-canary. */
async function checkMetrics(ctx: RunContext): Promise<void> {
  const { o } = ctx;
  if (!o.prometheus) return;
  for (const m of o.metrics) {
    try {
      await queryPrometheus(renderQuery(m.query, queryVars(ctx)), {
        ...o.prometheus,
        signal: ctx.c.signal,
        sleep: ctx.sleep,
      });
    } catch (err) {
      throw new ActionError(
        `Metric "${m.name}": ${errorMessage(err)}. Nothing was changed.`,
        'Fix the query in the metrics input (try it in the Prometheus UI), or the prometheus-url input.',
      );
    }
  }
}

/** Takes the app's Lease (waiting up to lock-timeout), renewed while the run works. */
async function takeLease(ctx: RunContext): Promise<{ lock: LeaseLock; contended: boolean }> {
  const name = leaseName(ctx.o.name);
  const lock = new LeaseLock(ctx.c, {
    name,
    holder: ctx.o.runId,
    sleep: ctx.sleep,
    onWait: (holder) => ctx.log(`Waiting for Lease ${name} held by ${holder}`),
  });
  const { contended } = await lock.acquire(ctx.o.lockWaitMs ?? 300_000);
  // A long pause must not let the Lease expire under the run.
  lock.startRenewing((err) => ctx.log(`Lease renewal failed: ${errorMessage(err)}`));
  return { lock, contended };
}

/** Frees the Lease; after cancellation with a fresh signal, so the next run need not wait for expiry. */
async function freeLease(ctx: RunContext, lock: LeaseLock | undefined): Promise<void> {
  if (!lock) return;
  try {
    if (!ctx.c.signal?.aborted) return await lock.release();
    lock.stopRenewing();
    const c = ctx.c.withSignal(withTimeout(undefined, 15_000, 'lease release'));
    await releaseLease(c, leaseName(ctx.o.name), ctx.o.runId);
  } catch (err) {
    ctx.log(`Could not release the lock Lease: ${errorMessage(err)}`);
  }
}
