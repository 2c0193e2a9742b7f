/**
 * The baseline of `analysis: baseline`: `<app>-baseline`, a fresh Deployment of the stable version
 * at the canary's replica count, started with the canary, so both see the same traffic, age and
 * caches (Kayenta's design). Its pods carry `hac.dev/role: baseline`, the canary's
 * `hac.dev/role: canary`; stable's pods keep their labels.
 *
 * Traffic to the baseline counts as stable traffic. route replicas: the baseline's pods come out
 * of stable's share (stable runs `stable - baseline` pods, at least 1), so the canary's share is
 * unchanged. gateway-api: the HTTPRoute gives `<svc>-baseline` the canary's weight, out of stable's.
 * ingress-nginx honours one canary Ingress per host, so during judged steps the canary Ingress
 * sends twice the weight to `<svc>-analysis`, a Service over the canary's and the baseline's pods
 * (equal in number, so each gets about the weight); at 100% it points at the canary Service again.
 */
import type { KubeClient } from '../client.js';
import type { Deployment, PodTemplate, Service } from '../objects.js';
import { canaryService, hacLabels } from './build.js';
import { DEPLOYMENT, SERVICE, rolledOut, type RunContext } from './context.js';
import type { Hpa } from './replicas.js';
import { CANARY_OF_LABEL, PAIR_LABEL, ROLE_LABEL, TRACK_LABEL, type CanaryRecord } from './state.js';
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
  const stable = d.metadata.labels?.[CANARY_OF_LABEL] ?? '';
  d.spec.template = withPodLabels(d.spec.template, { [ROLE_LABEL]: 'canary', [PAIR_LABEL]: stable });
  return d;
}

/** The baseline Deployment: stable's pod template and selector, plus the baseline labels (pure). */
export function baselineDeployment(
  stable: Deployment,
  opts: { namespace: string; replicas: number },
): Deployment {
  const name = stable.metadata.name as string;
  const labels = { [TRACK_LABEL]: BASELINE, [ROLE_LABEL]: BASELINE, [PAIR_LABEL]: name };
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

/** ingress-nginx: the Service over canary and baseline pods (pure). */
export function pairService(stable: Service, stableName: string, selector: Record<string, string>): Service {
  const svc = canaryService(stable, { name: `${stable.metadata.name}-analysis`, stableName, selector });
  svc.spec.selector = { ...selector, [PAIR_LABEL]: stableName };
  return svc;
}

/** The canary Ingress's backend and weight at `weight`: the pair Service at twice it while judged. */
export function ingressTarget(rec: CanaryRecord, weight: number): { service: string; weight: number } {
  if (rec.pairService && weight > 0 && weight < 100)
    return { service: rec.pairService, weight: Math.min(100, 2 * weight) };
  return { service: rec.canaryService as string, weight };
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
  if (rec.pairService) await c.delete({ ...SERVICE, name: rec.pairService });
}
