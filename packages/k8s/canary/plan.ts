/**
 * The canary plan: a pure value built from the typed inputs and the observed cluster (observe.ts).
 * It holds the step rows (weights and replica counts), the record to write on the stable
 * Deployment, the objects to apply and the route diff. A dry run prints exactly this value; a
 * real run dry-runs its writes (dry-run.ts) and then executes it (deploy.ts, steps.ts).
 */
import { ActionError } from '@hac/toolkit';
import { handoverError } from '../handover.js';
import type { Deployment, KubeObject, Service } from '../objects.js';
import {
  baselineDeployment,
  baselineRows,
  baselineService,
  pairService,
  withCanaryRole,
} from './baseline.js';
import { canaryDeployment, canaryName, canaryService, mainImage, versionOf } from './build.js';
import type { Observed } from './observe.js';
import { planReplicas, type Hpa } from './replicas.js';
import { routeTarget } from './route-target.js';
import { isActive, readRecord, type CanaryRecord } from './state.js';
import type { CanaryOptions, PlanRow } from './types.js';

export interface PlanInput {
  o: CanaryOptions;
  namespace: string;
  /** The new version's Deployment and the other objects of the manifests. */
  next: Deployment;
  others: KubeObject[];
  /** ISO time stamped on the record. */
  now: string;
}

interface PlanBase {
  image: string;
  version: string;
  rows: PlanRow[];
  others: KubeObject[];
  /** One line per write, in order (all dry-run before the first real one). */
  writes: string[];
  routeDiff?: string;
}

/** No stable Deployment yet: the first release goes out as stable directly. */
export interface InitialPlan extends PlanBase {
  kind: 'initial';
  next: Deployment;
}

/** A canary beside the running stable, moved through the steps. */
export interface StepPlan extends PlanBase {
  kind: 'steps';
  previousImage: string;
  previousVersion: string;
  /** The record written before the first change; updated as the steps go. */
  record: CanaryRecord;
  canary: Deployment;
  /** The stable Deployment's resourceVersion when observed (guards the record's dry run under dry-run: true). */
  stableResourceVersion?: string;
  hpa?: Hpa;
  /** Routed methods: the canary Service, and the hash that pins the stable Service to stable pods. */
  canaryService?: Service;
  stableHash?: string;
  /** analysis: baseline: the baseline Deployment (stable's version); gateway-api: its Service; ingress-nginx: the pair Service. */
  baseline?: Deployment;
  baselineService?: Service;
  pairService?: Service;
}

export type CanaryPlan = InitialPlan | StepPlan;

export function planCanary(input: PlanInput, seen: Observed): CanaryPlan {
  const { o, next, others } = input;
  // Before any write, also the first release's: the other strategy's live Service is not ours.
  const other = handoverError(o.name, 'canary', seen.service ? { live: seen.service } : {});
  if (other) throw other;
  const image = mainImage(next);
  const version = versionOf(next.spec.template);
  if (!seen.stable) return planInitial(input, image, version);
  const prior = readRecord(seen.stable);
  if (isActive(prior)) throw inProgress(o.name, prior as CanaryRecord);
  const stableNow = seen.stable.spec.replicas;
  const base = Math.max(1, stableNow ?? 1);
  const rows = planRows(o, { base, stableCurrent: stableNow ?? base, hpa: seen.hpa });
  const record = initialRecord(input, seen, { base, image, version });
  const canary = canaryDeployment(next, {
    name: record.canary,
    namespace: input.namespace,
    replicas: (rows[0] as PlanRow).canary,
  });
  const plan: StepPlan = {
    kind: 'steps',
    image,
    version,
    previousImage: record.previousImage,
    previousVersion: record.previousVersion ?? '',
    rows,
    others,
    writes: [],
    record,
    canary,
    stableResourceVersion: seen.stable.metadata.resourceVersion,
    hpa: seen.hpa,
  };
  if (o.route !== 'replicas') planRouting(plan, input, seen);
  if (o.analysis) planBaseline(plan, input, seen);
  plan.writes = planWrites(plan, o);
  return plan;
}

function planInitial(input: PlanInput, image: string, version: string): InitialPlan {
  const { next, others } = input;
  const n = next.spec.replicas ?? 1;
  return {
    kind: 'initial',
    image,
    version,
    next,
    others,
    rows: [
      { weight: 100, stable: n, canary: 0, actual: 100, note: 'first release: no stable to compare with' },
    ],
    writes: [...others, next].map((obj) => `apply ${obj.kind}/${obj.metadata.name}`),
  };
}

function inProgress(name: string, prior: CanaryRecord): ActionError {
  return new ActionError(
    `A canary of Deployment ${name} is already in progress (run ${prior.runId}, phase ${prior.phase}, ${prior.weight}% of traffic).`,
    'Promote or abort it first: run this action with action: promote or action: abort.',
  );
}

/**
 * The pods each side runs at each step. replicas: the weight is the share of pods (planReplicas);
 * routed methods: the route carries the weight, and the canary gets enough pods to serve it.
 */
export function planRows(
  o: Pick<CanaryOptions, 'steps' | 'route' | 'surge'>,
  size: { base: number; stableCurrent: number; hpa?: Hpa },
): PlanRow[] {
  const { base, stableCurrent, hpa } = size;
  return o.steps.map((weight) => {
    if (o.route === 'replicas')
      return { weight, ...planReplicas({ weight, base, surge: o.surge, hpa, stableCurrent }) };
    const canary = Math.max(1, Math.ceil((base * weight) / 100));
    return { weight, stable: hpa ? stableCurrent : base, canary, actual: weight };
  });
}

function initialRecord(
  input: PlanInput,
  seen: Observed,
  v: { base: number; image: string; version: string },
): CanaryRecord {
  const { o, now } = input;
  const stable = seen.stable as Deployment;
  const rec: CanaryRecord = {
    runId: o.runId,
    phase: 'progressing',
    route: o.route,
    stable: o.name,
    canary: canaryName(o.name),
    baseReplicas: v.base,
    weight: 0,
    step: -1,
    steps: o.steps,
    image: v.image,
    previousImage: mainImage(stable),
    version: v.version,
    previousVersion: versionOf(stable.spec.template),
    startedAt: now,
    updatedAt: now,
  };
  if (seen.hpa) rec.hpa = seen.hpa.name;
  return rec;
}

/** Routed methods: the stable Service (pinned to stable pods), the canary Service and the route. */
function planRouting(plan: StepPlan, input: PlanInput, seen: Observed): void {
  const { o, namespace } = input;
  const rec = plan.record;
  const svc = seen.stableService;
  if (!svc) {
    const name =
      o.service ?? (input.others.find((x) => x.kind === 'Service')?.metadata.name as string) ?? o.name;
    throw new ActionError(
      `Service ${name} (the stable Service for route ${o.route}) does not exist in namespace ${namespace}.`,
      'Set the service input to the Service your route sends traffic to.',
    );
  }
  rec.stableService = svc.metadata.name as string;
  rec.canaryService = `${rec.stableService}-canary`;
  rec.stableSelector = svc.spec.selector ?? {};
  plan.stableHash = seen.stableHash;
  plan.canaryService = canaryService(svc, {
    name: rec.canaryService,
    stableName: o.name,
    selector: svc.spec.selector ?? {},
  });
  const target = routeTarget(o, seen.route, {
    namespace,
    stableService: rec.stableService,
    canaryService: rec.canaryService,
  });
  Object.assign(rec, target.record);
  plan.routeDiff = target.diff;
}

/** analysis: baseline: the baseline rows, Deployment and (routed) Service; canary pods get their role. */
function planBaseline(plan: StepPlan, input: PlanInput, seen: Observed): void {
  const rec = plan.record;
  plan.rows = baselineRows(plan.rows, input.o.route, plan.hpa);
  plan.canary = withCanaryRole(plan.canary);
  plan.baseline = baselineDeployment(seen.stable as Deployment, {
    namespace: input.namespace,
    replicas: (plan.rows[0] as PlanRow).baseline ?? 0,
  });
  rec.baseline = plan.baseline.metadata.name as string;
  if (!plan.canaryService || !seen.stableService) return;
  const selector = rec.stableSelector ?? {};
  if (input.o.route === 'ingress-nginx') {
    plan.pairService = pairService(seen.stableService, input.o.name, selector);
    rec.pairService = plan.pairService.metadata.name as string;
    return;
  }
  plan.baselineService = baselineService(seen.stableService, input.o.name, selector);
  rec.baselineService = plan.baselineService.metadata.name as string;
}

/** What the run writes, one line each, in order. */
export function planWrites(plan: StepPlan, o: Pick<CanaryOptions, 'route' | 'name'>): string[] {
  const rec = plan.record;
  const out = plan.others.map((obj) => `apply ${obj.kind}/${obj.metadata.name}`);
  if (plan.canaryService)
    out.push(
      `apply Service/${plan.canaryService.metadata.name} (canary)`,
      `patch Service/${rec.stableService} selector += pod-template-hash (pinned to stable pods)`,
    );
  out.push(`apply Deployment/${plan.canary.metadata.name} (canary, ${plan.canary.spec.replicas} replicas)`);
  if (plan.baselineService) out.push(`apply Service/${plan.baselineService.metadata.name} (baseline)`);
  if (plan.pairService)
    out.push(
      `apply Service/${plan.pairService.metadata.name} (canary and baseline pods, for the canary Ingress)`,
    );
  if (plan.baseline)
    out.push(
      `apply Deployment/${plan.baseline.metadata.name} (baseline: stable's version, ${plan.baseline.spec.replicas} replicas; scaled with the canary)`,
    );
  if (o.route === 'replicas')
    out.push(`scale Deployment/${o.name} per step${plan.hpa ? ` (HPA ${plan.hpa.name} owns its size)` : ''}`);
  if (rec.httpRoute) out.push(`patch HTTPRoute/${rec.httpRoute} backendRefs weights`);
  if (rec.canaryIngress) out.push(`apply Ingress/${rec.canaryIngress} (canary-weight)`);
  out.push(`annotate Deployment/${o.name} hac.dev/canary (state)`);
  return out;
}

/** The plan as log lines: what a dry run prints (the job summary shows the same rows as a table). */
export function planLines(plan: CanaryPlan): string[] {
  const lines = plan.rows.map(
    (r, i) =>
      `step ${i + 1}: ${r.weight}% → stable ${r.stable}, canary ${r.canary}${r.baseline === undefined ? '' : `, baseline ${r.baseline}`}, actual ${r.actual}%${r.note ? ` (${r.note})` : ''}`,
  );
  lines.push(...plan.writes.map((w) => `write: ${w}`));
  if (plan.routeDiff) lines.push(`route: ${plan.routeDiff}`);
  return lines;
}
