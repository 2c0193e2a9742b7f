/**
 * The writes that move traffic for the routed methods: the HTTPRoute's weights, the canary
 * Ingress, and the stable Service's pin to stable pods. Each takes the client to use, so a
 * rollback after cancellation can pass one with a fresh signal.
 */
import type { KubeClient } from '../client.js';
import { isConflict } from '../errors.js';
import type { KubeObject } from '../objects.js';
import { ingressTarget } from './baseline.js';
import { hacLabels } from './build.js';
import { HTTPROUTE, INGRESS, SERVICE } from './context.js';
import { canaryIngress, pinnedSelector, weightedRules } from './routes.js';
import type { CanaryRecord } from './state.js';

type WriteOptions = { dryRun?: boolean };

/** Sets the HTTPRoute's weights (optimistic concurrency on resourceVersion; retried on conflict). */
export async function setHttpRouteWeight(
  c: KubeClient,
  rec: CanaryRecord,
  weight: number,
  opts: WriteOptions = {},
): Promise<void> {
  const stableSvc = rec.stableService ?? rec.stable;
  const canarySvc = rec.canaryService || `${stableSvc}-canary`;
  const ref = { ...HTTPROUTE, name: rec.httpRoute as string };
  for (let attempt = 0; ; attempt++) {
    const hr = await c.get<KubeObject & { spec: { rules?: [] } }>(ref);
    const rules = weightedRules(hr.spec.rules ?? [], stableSvc, canarySvc, weight, rec.baselineService);
    try {
      await c.mergePatch(
        ref,
        { metadata: { resourceVersion: hr.metadata.resourceVersion }, spec: { rules } },
        opts,
      );
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= 5) throw err;
    }
  }
}

/** Applies the canary Ingress (a copy of the stable one, pointing at the canary Service) at `weight`. */
export async function setIngressWeight(
  c: KubeClient,
  rec: CanaryRecord,
  weight: number,
  opts: WriteOptions = {},
): Promise<void> {
  const stableIng = await c.get<KubeObject>({ ...INGRESS, name: rec.ingress as string });
  // analysis: baseline sends judged steps to the canary and baseline pods together (baseline.ts).
  const target = ingressTarget(rec, weight);
  const obj = canaryIngress(stableIng, {
    name: rec.canaryIngress as string,
    stableService: rec.stableService as string,
    canaryService: target.service,
    weight: target.weight,
    labels: hacLabels(rec.stable),
  });
  await c.apply(obj as KubeObject, opts);
}

/** Sets the canary's weight on the record's route (replicas has none: its pods are the weight). */
export async function setWeight(c: KubeClient, rec: CanaryRecord, weight: number, opts: WriteOptions = {}) {
  if (rec.route === 'gateway-api') await setHttpRouteWeight(c, rec, weight, opts);
  else if (rec.route === 'ingress-nginx') await setIngressWeight(c, rec, weight, opts);
}

/** The stable Service selects stable pods only (its selector plus their pod-template-hash). */
export function pinPatch(rec: CanaryRecord, hash: string | undefined): Record<string, unknown> {
  return { spec: { selector: pinnedSelector(rec.stableSelector ?? {}, hash) } };
}

/** The stable Service's own selector again (the pin removed). */
export function restoredSelector(rec: CanaryRecord): Record<string, string | null> {
  const sel: Record<string, string | null> = { ...(rec.stableSelector ?? {}) };
  if (!('pod-template-hash' in sel)) sel['pod-template-hash'] = null;
  return sel;
}

export async function unpinStableService(c: KubeClient, rec: CanaryRecord): Promise<void> {
  await c.mergePatch(
    { ...SERVICE, name: rec.stableService as string },
    { spec: { selector: restoredSelector(rec) } },
  );
}
