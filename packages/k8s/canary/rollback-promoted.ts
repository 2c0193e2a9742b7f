/**
 * action: rollback after promote. The version to restore is decided from the stable Deployment
 * alone (rollback-state.ts, rollback-target.ts): a second rollback is a no-op, an older version
 * needs confirm-rollback. The restore itself is a canary deploy of the recorded template: the
 * same steps, gates, metrics, Lease and dry run as any deploy, so traffic steps back to the
 * previous version and stable never drops to zero ready pods. Once it is promoted, the record is
 * marked as a rollback.
 */
import { ActionError } from '@hac/toolkit';
import type { KubeClient } from '../client.js';
import type { Deployment, PodTemplate } from '../objects.js';
import { decideRollback, type RollbackMark } from '../rollback-target.js';
import { versionOf } from './build.js';
import { DEPLOYMENT } from './context.js';
import { canaryStateView } from './rollback-state.js';
import { isActive, readRecord, recordPatch, type CanaryRecord } from './state.js';
import {
  CanaryFailed,
  emptyResult,
  type CanaryDeps,
  type CanaryOptions,
  type CanaryResult,
} from './types.js';

type RunDeploy = (o: CanaryOptions) => Promise<CanaryResult>;

export async function rollbackPromoted(
  o: CanaryOptions,
  deps: CanaryDeps,
  runDeploy: RunDeploy,
): Promise<CanaryResult> {
  const c = deps.client;
  const stable = await c.find<Deployment>({ ...DEPLOYMENT, name: o.name });
  const rec = readRecord(stable);
  refuseUnlessSettled(o.name, c.namespace, stable, rec);
  const view = canaryStateView(stable as Deployment);
  const decision = decideRollback(view.rec, view.history, o.rollback ?? { rollbackTo: '', confirm: false });
  if (decision.kind === 'noop') {
    deps.log?.(decision.message);
    const from = rec?.rollback?.from ?? '';
    return {
      ...emptyResult(o),
      ...rolledBackFields(from, view.rec.image ?? ''),
      reason: decision.message,
      verdict: 'rolled-back',
    };
  }
  const target = decision.target;
  if (!target.template)
    throw new ActionError(
      `Cannot roll back ${o.name} to ${target.image}: its pod template was not recorded. Nothing was changed.`,
      `Deploy ${target.image} with action: deploy.`,
    );
  const r = await runDeploy(restoreOptions(o, stable as Deployment, rec, target.template)).catch(
    (err: unknown) => {
      // The restored version failed its steps: it was rolled back itself; the current one still serves.
      if (err instanceof CanaryFailed) err.result.action = 'rollback';
      throw err;
    },
  );
  r.action = 'rollback';
  if (r.verdict !== 'promoted' || o.dryRun) return r;
  const mark: RollbackMark = { from: view.rec.image ?? '', to: target.image, runId: o.runId };
  await markRolledBack(c, o.name, mark);
  return {
    ...r,
    ...rolledBackFields(mark.from, mark.to),
    verdict: 'rolled-back',
    reason: `rolled back from ${mark.from} to ${mark.to}`,
  };
}

/** A rollback needs a stable Deployment and no canary in progress (that one is aborted instead). */
function refuseUnlessSettled(
  name: string,
  namespace: string,
  stable: Deployment | undefined,
  rec: CanaryRecord | undefined,
): void {
  if (!stable)
    throw new ActionError(
      `Nothing to roll back: Deployment ${name} does not exist in namespace ${namespace}. Nothing was changed.`,
      'A rollback needs a promoted canary deploy; deploy first.',
    );
  if (isActive(rec))
    throw new ActionError(
      `Cannot roll back ${name}: a canary is in progress (phase ${rec?.phase}, run ${rec?.runId}). Nothing was changed.`,
      'Run action: abort to return to the stable version, or action: promote to finish it.',
    );
}

/** Outputs of a rolled-back result name the serving version as previous (see canaryOutputs). */
function rolledBackFields(from: string, to: string): Partial<CanaryResult> {
  const tag = (image: string) => versionOf({ spec: { containers: [{ name: 'x', image }] } } as PodTemplate);
  return { image: from, previousImage: to, version: from ? tag(from) : '', previousVersion: tag(to) };
}

/** A deploy of stable with the recorded template, routed as the last canary was. */
export function restoreOptions(
  o: CanaryOptions,
  stable: Deployment,
  rec: CanaryRecord | undefined,
  template: PodTemplate,
): CanaryOptions {
  const next: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: stable.metadata.name,
      ...(stable.metadata.labels ? { labels: stable.metadata.labels } : {}),
    },
    spec: {
      replicas: stable.spec.replicas,
      selector: stable.spec.selector,
      template: structuredClone(template),
    },
  } as Deployment;
  return {
    ...o,
    action: 'deploy',
    objects: [next],
    route: rec?.route ?? o.route,
    service: o.service ?? rec?.stableService,
    httpRoute: o.httpRoute ?? rec?.httpRoute,
    ingress: o.ingress ?? rec?.ingress,
  };
}

/** Marks the record of the release that restored the previous version. */
async function markRolledBack(c: KubeClient, name: string, mark: RollbackMark): Promise<void> {
  const stable = await c.get<Deployment>({ ...DEPLOYMENT, name });
  const rec = readRecord(stable);
  if (rec) await c.mergePatch({ ...DEPLOYMENT, name }, recordPatch({ ...rec, rollback: mark }));
}
