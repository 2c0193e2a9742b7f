// Moving traffic: the one patch that switches the live Service (or HTTPRoute), the readiness check
// that must pass first, and undoing a run (switch back after checking the old color is ready,
// then remove the new color).
import { ActionError } from '@hac/toolkit';
import type { KubeClient } from '../client.js';
import { NoReadyPodsError, requireReadyPods } from '../endpoints.js';
import type { Labels, Service } from '../objects.js';
import { selectorString } from '../selector.js';
import { ANNOTATIONS, MANAGED_BY } from '../state.js';

const MANAGED_LABEL = 'app.kubernetes.io/managed-by';
import {
  COLOR_LABEL,
  colorDeploymentName,
  colorServiceName,
  oldSelector,
  otherColor,
  previewServiceName,
  retargetRules,
  switchPatch,
  switchedService,
  type BlueGreenPlan,
  type Color,
  type HTTPRoute,
  type SwitchPlan,
} from './plan.js';

/**
 * The annotations on the live Service (or HTTPRoute) once it serves `image`: a merge patch, so an
 * unknown previous image removes the stale one (null) instead of leaving it.
 */
export function servingAnnotations(r: {
  runId: string;
  phase: string;
  color?: Color | undefined;
  image?: string | undefined;
  previousImage?: string | undefined;
}): Record<string, string | null> {
  return {
    [ANNOTATIONS.runId]: r.runId,
    [ANNOTATIONS.phase]: r.phase,
    [ANNOTATIONS.strategy]: 'bluegreen',
    ...(r.color ? { [ANNOTATIONS.color]: r.color } : {}),
    [ANNOTATIONS.image]: r.image ?? null,
    [ANNOTATIONS.previousImage]: r.previousImage ?? null,
  };
}

/** The ready pods behind `selector`; none is an error that says the switch would leave zero. */
async function readyToSwitch(client: KubeClient, selector: Labels): Promise<number> {
  return requireReadyPods(client, selector).catch((err) => {
    if (err instanceof NoReadyPodsError) {
      throw new ActionError(
        `Not switching: ${err.message}; the live Service would select zero ready pods.`,
        'Check the new pods (kubectl get pods -l ' + selectorString(selector) + ').',
      );
    }
    throw err;
  });
}

/**
 * Switches traffic to the new color after checking its pods are ready; returns the ready count.
 * `observedReady`: the ready pods the new color's rollout watch has just reported (freshReady in
 * execute.ts), which stand for the pod list; without it (or at zero) the pods are listed.
 */
export async function switchTraffic(
  client: KubeClient,
  plan: Pick<BlueGreenPlan, 'newSelector' | 'switch'>,
  annotations: Record<string, string | null>,
  observedReady?: number,
): Promise<number> {
  const ready =
    observedReady !== undefined && observedReady > 0
      ? observedReady
      : await readyToSwitch(client, plan.newSelector);
  const sw = plan.switch;
  const svc = switchedService(sw, annotations);
  // Applying the user's live Service is guarded like the patch: by the resourceVersion the plan saw.
  if (svc)
    await client.apply(svc, sw.apply && sw.resourceVersion ? { resourceVersion: sw.resourceVersion } : {});
  else await client.mergePatch(sw.ref, switchPatch(sw, 'forward', annotations));
  return ready;
}

/** The switch from what is live now to `target` (a later job: the recorded plan's switch may be stale). */
export async function currentSwitch(
  client: KubeClient,
  plan: BlueGreenPlan,
  target: Color,
): Promise<SwitchPlan> {
  const sw = plan.switch;
  if (sw.kind === 'httproute') return currentRouteSwitch(client, plan, target);
  const svc = await client.find<Service>(sw.ref);
  if (!svc) {
    if (!sw.create)
      throw new ActionError(
        `The live Service ${sw.ref.name} no longer exists.`,
        'Redeploy with action: deploy.',
      );
    const selector = { ...plan.newSelector, [COLOR_LABEL]: target };
    return { ...sw, create: { ...sw.create, spec: { ...sw.create.spec, selector } } };
  }
  const before = svc.spec.selector ?? {};
  return {
    kind: 'service',
    ref: sw.ref,
    beforeSelector: before,
    afterSelector: { ...before, ...plan.newSelector, [COLOR_LABEL]: target },
    resourceVersion: svc.metadata.resourceVersion,
  };
}

async function currentRouteSwitch(
  client: KubeClient,
  plan: BlueGreenPlan,
  target: Color,
): Promise<SwitchPlan> {
  const ref = plan.switch.ref;
  const route = await client.find<HTTPRoute>(ref);
  if (!route)
    throw new ActionError(`HTTPRoute ${ref.name} no longer exists.`, 'Recreate the route, then redeploy.');
  const before = route.spec.rules ?? [];
  const from = [colorServiceName(plan.app, otherColor(target))];
  return {
    kind: 'httproute',
    ref,
    beforeRules: before,
    afterRules: retargetRules(before, from, colorServiceName(plan.app, target)).rules,
    resourceVersion: route.metadata.resourceVersion,
  };
}

/** Where traffic goes now, read from the cluster. */
export async function liveTarget(
  client: KubeClient,
  app: string,
  sw: SwitchPlan,
): Promise<{ exists: boolean; color?: Color; selector?: Labels; route?: HTTPRoute }> {
  if (sw.kind === 'service') {
    const svc = await client.find<Service>(sw.ref);
    const c = svc?.spec?.selector?.[COLOR_LABEL];
    return {
      exists: !!svc,
      selector: svc?.spec?.selector,
      ...(c === 'blue' || c === 'green' ? { color: c } : {}),
    };
  }
  const route = await client.find<HTTPRoute>(sw.ref);
  const refs = (route?.spec?.rules ?? []).flatMap((r) => r.backendRefs ?? []);
  const color = (['blue', 'green'] as const).find((c) =>
    refs.some((b) => b.name === colorServiceName(app, c)),
  );
  return { exists: !!route, route, ...(color ? { color } : {}) };
}

export interface UndoResult {
  switchedBack: boolean;
  removedService: boolean;
  removedNewColor: boolean;
  notes: string[];
}

/**
 * Restores the state before the run: if traffic reached the new color, switch it back (only when
 * the old color has ready pods), or remove a live Service the run created; then delete the new
 * color's Deployment. Reads the cluster, so it is safe to run twice (main, then post).
 */
export async function undo(
  client: KubeClient,
  plan: BlueGreenPlan,
  annotations: Record<string, string | null> = {},
): Promise<UndoResult> {
  const res: UndoResult = { switchedBack: false, removedService: false, removedNewColor: false, notes: [] };
  const now = await liveTarget(client, plan.app, plan.switch);
  if (now.exists && now.color === plan.newColor) {
    if (plan.switch.create) {
      res.removedService = await client.delete(plan.switch.ref);
      res.notes.push(`deleted Service ${plan.switch.ref.name}, which this run created`);
    } else {
      await switchBackTo(client, plan, now.route, annotations);
      res.switchedBack = true;
      res.notes.push(
        `switched ${plan.switch.kind === 'service' ? 'Service' : 'HTTPRoute'} ${plan.switch.ref.name} back to ${plan.oldColor ?? 'the previous selector'}`,
      );
    }
  }
  res.removedNewColor = await client.delete({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: plan.deployment.metadata.name as string,
  });
  if (res.removedNewColor) res.notes.push(`deleted Deployment ${plan.deployment.metadata.name}`);
  const preview = await removePreview(client, plan);
  if (preview) res.notes.push(preview);
  return res;
}

/** Switches the live Service (or route) back to the old color, only when that color has ready pods. */
async function switchBackTo(
  client: KubeClient,
  plan: BlueGreenPlan,
  route: HTTPRoute | undefined,
  annotations: Record<string, string | null>,
): Promise<void> {
  const old = oldSelector(plan);
  if (!old)
    throw new ActionError(
      'Cannot switch back: there is no previous color.',
      'Redeploy a known-good version.',
    );
  try {
    await requireReadyPods(client, old);
  } catch (err) {
    if (err instanceof NoReadyPodsError) {
      throw new ActionError(
        `Rollback blocked: the previous pods (${selectorString(old)}) have no ready pod, so traffic stays on ${plan.newColor} rather than on zero pods.`,
        `Scale the previous Deployment back up (kubectl scale deployment ${plan.oldColor ? colorDeploymentName(plan.app, plan.oldColor) : '<previous>'} --replicas=N), then run action: rollback.`,
      );
    }
    throw err;
  }
  let patch = switchPatch(plan.switch, 'back', annotations, false);
  if (plan.switch.kind === 'httproute' && route && plan.oldColor) {
    // Re-target from what the route holds now (someone may have edited other fields).
    const from = [colorServiceName(plan.app, plan.newColor)];
    const rules = retargetRules(
      route.spec.rules ?? [],
      from,
      colorServiceName(plan.app, plan.oldColor),
    ).rules;
    patch = { metadata: { annotations }, spec: { rules } };
  }
  await client.mergePatch(plan.switch.ref, patch);
}

/**
 * The preview Service must not keep selecting the color just removed: deleted when hac manages it
 * and it selects that color (a later deploy recreates it). Returns a note, or undefined.
 */
async function removePreview(client: KubeClient, plan: BlueGreenPlan): Promise<string | undefined> {
  const ref = { apiVersion: 'v1', kind: 'Service', name: previewServiceName(plan.app) };
  const svc = await client.find<Service>(ref);
  if (!svc || svc.spec?.selector?.[COLOR_LABEL] !== plan.newColor) return undefined;
  if (svc.metadata.labels?.[MANAGED_LABEL] !== MANAGED_BY[MANAGED_LABEL]) return undefined;
  const deleted = await client.delete(ref, { resourceVersion: svc.metadata.resourceVersion as string });
  return deleted ? `deleted Service ${ref.name} (it selected ${plan.newColor})` : undefined;
}
