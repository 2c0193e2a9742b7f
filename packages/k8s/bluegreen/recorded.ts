// A run's plan as recorded in the state ConfigMap, so a later job can promote, abort or roll back.
import type { Deployment } from '../objects.js';
import type { StateRecord } from '../state.js';
import type { BlueGreenPlan } from './plan.js';

/** The plan without the pod template (the Deployment is on the cluster already). */
export function compactPlan(plan: BlueGreenPlan): BlueGreenPlan {
  const d = plan.deployment;
  return {
    ...plan,
    preApply: [],
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
