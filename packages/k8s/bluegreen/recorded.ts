// A run's plan as recorded in the state ConfigMap, so a later job can promote, abort or roll back.
import type { Deployment } from '../objects.js';
import { previousOf, recordableDeployment, versionOf, type VersionSpec } from '../rollback-target.js';
import type { StateRecord } from '../state.js';
import { colorDeploymentName, type BlueGreenPlan, type Color } from './plan.js';

/** The plan without the pod template and the applied Service (both are on the cluster already). */
export function compactPlan(plan: BlueGreenPlan): BlueGreenPlan {
  const d = plan.deployment;
  const { apply: _applied, ...sw } = plan.switch;
  return {
    ...plan,
    preApply: [],
    switch: sw,
    deployment: {
      apiVersion: d.apiVersion,
      kind: d.kind,
      metadata: { name: d.metadata.name },
      spec: { replicas: plan.replicas, template: {} },
    } as Deployment,
  };
}

/** The recorded plan of a blue-green record, when there is one. */
export function recordedPlan(rec: StateRecord | undefined): BlueGreenPlan | undefined {
  const p = (rec?.extra as { plan?: BlueGreenPlan } | undefined)?.plan;
  if (!p || typeof p !== 'object' || !p.switch || !p.newColor || !p.deployment?.metadata?.name)
    return undefined;
  return p;
}

/** The version a plan puts live, with the Deployment it applies (a later rollback re-creates it). */
export function planVersion(plan: BlueGreenPlan): VersionSpec {
  return {
    image: plan.image,
    runId: plan.runId,
    color: plan.newColor,
    replicas: plan.replicas,
    deployment: recordableDeployment(plan.deployment),
  };
}

/** The record of a deploy that reached `phase` (previewing or complete) with `active` serving. */
export function deployRecord(
  plan: BlueGreenPlan,
  prev: StateRecord | undefined,
  phase: string,
  colors: { active?: Color | undefined; previous?: Color | undefined },
  now: string,
): StateRecord {
  return {
    app: plan.app,
    strategy: 'bluegreen',
    runId: plan.runId,
    phase,
    image: plan.image,
    ...(prev?.image ? { previousImage: prev.image } : {}),
    ...(colors.active ? { activeColor: colors.active } : {}),
    ...(colors.previous ? { previousColor: colors.previous } : {}),
    replicas: { ...(prev?.replicas ?? {}), [colorDeploymentName(plan.app, plan.newColor)]: plan.replicas },
    updatedAt: now,
    extra: { plan: compactPlan(plan), spec: planVersion(plan), ...previousExtra(prev) },
  };
}

/** The version the record's release replaces: what `prev` left live (a preview never went live). */
function previousExtra(prev: StateRecord | undefined): { previous?: VersionSpec } {
  const v = prev?.phase === 'previewing' ? previousOf(prev) : versionOf(prev);
  return v ? { previous: v } : {};
}

/**
 * The record of a deploy rolled back: traffic is where it was, so the previous record's colors,
 * images and plan stay (a later rollback still knows its target); this run and why it failed are noted.
 */
export function rolledBackRecord(
  plan: BlueGreenPlan,
  prev: StateRecord | undefined,
  reason: string,
  now: string,
): StateRecord {
  return {
    ...(prev ?? { app: plan.app, strategy: 'bluegreen' as const }),
    runId: plan.runId,
    phase: 'rolled-back',
    reason,
    updatedAt: now,
    extra: { ...(prev?.extra ?? {}), failedImage: plan.image },
  } as StateRecord;
}

/** A later action's record: the recorded one with `patch` (extra merged), this run and the time. */
export function laterRecord(
  base: StateRecord,
  patch: Partial<StateRecord>,
  runId: string,
  now: string,
): StateRecord {
  const extra = patch.extra ? { extra: { ...(base.extra ?? {}), ...patch.extra } } : {};
  return { ...base, ...patch, ...extra, runId, updatedAt: now };
}

/** The record the post step writes after restoring what served before main's run. */
export function restoredRecord(
  p: { app: string; runId: string; oldColor?: Color | undefined },
  rec: StateRecord | undefined,
  now: string,
): StateRecord {
  const active = rec?.activeColor ?? p.oldColor;
  return {
    app: p.app,
    strategy: 'bluegreen',
    runId: p.runId,
    phase: 'rolled-back',
    ...(active ? { activeColor: active } : {}),
    ...(rec?.previousColor ? { previousColor: rec.previousColor } : {}),
    ...(rec?.image ? { image: rec.image } : {}),
    ...(rec?.previousImage ? { previousImage: rec.previousImage } : {}),
    ...(rec?.replicas ? { replicas: rec.replicas } : {}),
    ...(rec?.extra ? { extra: rec.extra } : {}),
    reason: 'the main step did not finish (cancelled or killed); the post step restored the previous state',
    updatedAt: now,
  };
}
