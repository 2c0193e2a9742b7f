/**
 * Back to stable: the route reset, stable restored to its size, the canary's objects removed and
 * the record closed. Used when a deploy's step fails (rollBack), by a later abort and by the post
 * step. After cancellation it runs on a client with a fresh signal, so it is not cut short.
 */
import { errorMessage, withTimeout } from '@hac/toolkit';
import type { KubeClient } from '../client.js';
import type { KubeObject } from '../objects.js';
import { DEPLOYMENT, HTTPROUTE, INGRESS, SERVICE, saveRecord, type RunContext } from './context.js';
import { removeBaseline } from './baseline.js';
import { currentRouteWeight } from './routes.js';
import type { CanaryRecord } from './state.js';
import { scaleStable } from './steps.js';
import { setHttpRouteWeight, unpinStableService } from './traffic.js';
import { CanaryFailed } from './types.js';

/** A deploy failed after its first write: roll back, then fail with the result. */
export async function rollBack(ctx: RunContext, err: unknown): Promise<never> {
  const r = ctx.result;
  const reason = errorMessage(err);
  r.reason = reason;
  ctx.log(`Rolling back: ${reason}`);
  const c = ctx.c.signal?.aborted ? ctx.c.withSignal(withTimeout(undefined, 120_000, 'rollback')) : ctx.c;
  await abort(ctx, reason, c);
  r.verdict = 'rolled-back';
  throw new CanaryFailed(`Canary of ${ctx.o.name} rolled back: ${reason}`, r);
}

/** Routes back to stable, the canary removed; stable restored to its size first. */
export async function abort(ctx: RunContext, reason: string, c: KubeClient): Promise<void> {
  const rec = ctx.rec as CanaryRecord;
  await saveRecord(ctx, { phase: 'aborting', reason }, c);
  if (rec.route === 'gateway-api' && rec.httpRoute) await setHttpRouteWeight(c, rec, 0);
  if (rec.route === 'ingress-nginx' && rec.canaryIngress)
    await c.delete({ ...INGRESS, name: rec.canaryIngress });
  if (rec.route === 'replicas' && !rec.hpa) await scaleStable(ctx, rec.baseReplicas, c);
  await removeCanary(c, rec);
  await saveRecord(ctx, { phase: 'aborted', weight: 0 }, c);
  ctx.result.phase = 'aborted';
  ctx.result.weight = 0;
}

/** Removes what the canary added (each removal is a no-op when already gone), stable's Service unpinned. */
export async function removeCanary(c: KubeClient, rec: CanaryRecord): Promise<void> {
  if (rec.route === 'gateway-api' && rec.httpRoute) {
    const hr = await c.get<KubeObject & { spec: { rules?: [] } }>({ ...HTTPROUTE, name: rec.httpRoute });
    const rules = hr.spec.rules ?? [];
    if (currentRouteWeight(rules, rec.stableService as string, rec.canaryService as string) !== undefined)
      await setHttpRouteWeight(c, rec, 0);
  }
  if (rec.canaryIngress) await c.delete({ ...INGRESS, name: rec.canaryIngress });
  await c.delete({ ...DEPLOYMENT, name: rec.canary });
  await removeBaseline(c, rec);
  if (rec.stableService) await unpinStableService(c, rec);
  if (rec.canaryService) await c.delete({ ...SERVICE, name: rec.canaryService });
}
