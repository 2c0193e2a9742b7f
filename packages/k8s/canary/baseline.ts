/**
 * The baseline of `analysis: baseline`: `<app>-baseline`, a fresh Deployment of the stable version
 * at the canary's replica count, started with the canary, so both see the same traffic, age and
 * caches (Kayenta's design). Its pods carry `hac.dev/role: baseline`, the canary's
 * `hac.dev/role: canary`; stable's pods keep their labels.
 *
 * Traffic to the baseline counts as stable traffic. route replicas: the baseline's pods come out
 * of stable's share (stable runs `stable - baseline` pods, at least 1), so the canary's share is
 * unchanged. Routed methods: the route gives the baseline the canary's weight, and stable the rest.
 */
import type { KubeClient } from '../client.js';
import type { Deployment, PodTemplate, Service } from '../objects.js';
import { canaryService, hacLabels } from './build.js';
import { DEPLOYMENT, SERVICE, rolledOut, type RunContext } from './context.js';
import type { Hpa } from './replicas.js';
import { ROLE_LABEL, TRACK_LABEL, type CanaryRecord } from './state.js';
import type { PlanRow } from './types.js';

export const BASELINE = 'baseline';

export function baselineName(stable: string): string {
  return `${stable}-${BASELINE}`;
}

function withPodLabels(t: PodTemplate | undefined, labels: Record<string, string>): PodTemplate {
  const template: PodTemplate = structuredClone(t ?? {});
  template.metadata = {
    ...(template.metadata ?? {}),
    labels: { ...(template.metadata?.labels ?? {}), ...labels },
  };
  return template;
}

/** The canary Deployment with its pods labelled `hac.dev/role: canary` (pure). */
export function withCanaryRole(canary: Deployment): Deployment {
  const d = structuredClone(canary);
  d.spec.template = withPodLabels(d.spec.template, { [ROLE_LABEL]: 'canary' });
  return d;
}

/** The baseline Deployment: stable's pod template and selector, plus the baseline labels (pure). */
export function baselineDeployment(
  stable: Deployment,
  opts: { namespace: string; replicas: number },
): Deployment {
  const name = stable.metadata.name as string;
  const labels = { [TRACK_LABEL]: BASELINE, [ROLE_LABEL]: BASELINE };
  const template = withPodLabels(stable.spec.template, labels);
  delete template.metadata?.labels?.['pod-template-hash'];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: baselineName(name),
      namespace: opts.namespace,
      labels: { ...(stable.metadata.labels ?? {}), ...hacLabels(name), [ROLE_LABEL]: BASELINE },
    },
    spec: {
      replicas: opts.replicas,
      selector: { matchLabels: { ...(stable.spec.selector?.matchLabels ?? {}), [TRACK_LABEL]: BASELINE } },
      template,
    },
  };
}

/** Routed methods: the baseline's own Service (the stable Service's ports, baseline pods only; pure). */
export function baselineService(
  stable: Service,
  stableName: string,
  selector: Record<string, string>,
): Service {
  const svc = canaryService(stable, { name: `${stable.metadata.name}-${BASELINE}`, stableName, selector });
  svc.spec.selector = { ...selector, [TRACK_LABEL]: BASELINE };
  return svc;
}

/**
 * The plan's rows with the baseline's pods (pure). Judged steps (below 100%) run as many baseline
 * pods as canary pods; route replicas without an HPA takes them out of stable's pods.
 */
export function baselineRows(rows: readonly PlanRow[], route: string, hpa?: Hpa): PlanRow[] {
  return rows.map((row) => {
    if (row.weight >= 100 || row.canary === 0) return { ...row, baseline: 0 };
    const baseline = row.canary;
    if (route !== 'replicas') return { ...row, baseline };
    const stable = hpa ? row.stable : Math.max(1, row.stable - baseline);
    const actual = Math.round((100 * row.canary) / (stable + baseline + row.canary));
    const out: PlanRow = { ...row, stable, baseline, actual };
    if (actual !== row.actual)
      out.note = [row.note, `baseline pods shift the share to ${actual}%`].filter(Boolean).join('; ');
    return out;
  });
}

/** Scales the baseline Deployment and waits until its pods are ready. */
export async function scaleBaseline(ctx: RunContext, replicas: number): Promise<void> {
  const name = (ctx.rec as CanaryRecord).baseline as string;
  await ctx.c.mergePatch({ ...DEPLOYMENT, name }, { spec: { replicas } });
  if (replicas > 0) await rolledOut(ctx, name);
}

/** Removes the baseline's Deployment and Service (no-ops when already gone). */
export async function removeBaseline(c: KubeClient, rec: CanaryRecord): Promise<void> {
  if (rec.baseline) await c.delete({ ...DEPLOYMENT, name: rec.baseline });
  if (rec.baselineService) await c.delete({ ...SERVICE, name: rec.baselineService });
}
