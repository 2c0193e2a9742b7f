// Blue-green planning, as pure functions of the workload and what the cluster holds now: which
// color is live, the objects to write, and the one patch that switches traffic.
import type { ObjectRef } from '../client.js';
import type { Deployment, KubeObject, Labels, Service, ServicePort } from '../objects.js';
import type { PlannedWrite } from '../preflight.js';
import { selectorPatch } from '../selector.js';
import { ANNOTATIONS, MANAGED_BY, runAnnotations } from '../state.js';
import type { Workload } from '../workload.js';

export const COLORS = ['blue', 'green'] as const;
export type Color = (typeof COLORS)[number];
/** The pod label that tells the colors apart (and that the live selector switches on). */
export const COLOR_LABEL = 'color';

export type RouteKind = 'service' | 'gateway-api';

export const otherColor = (c: Color): Color => (c === 'blue' ? 'green' : 'blue');
export const colorDeploymentName = (app: string, c: Color): string => `${app}-${c}`;
export const previewServiceName = (app: string): string => `${app}-preview`;
export const colorServiceName = (app: string, c: Color): string => `${app}-${c}`;

export interface BackendRef {
  name: string;
  kind?: string;
  group?: string;
  port?: number;
  weight?: number;
  [key: string]: unknown;
}
export interface RouteRule {
  backendRefs?: BackendRef[];
  [key: string]: unknown;
}
export interface HTTPRoute extends KubeObject {
  spec: { rules?: RouteRule[]; [key: string]: unknown };
}

/** What the cluster holds before the run. */
export interface LiveState {
  /** The live Service, when it exists. */
  service?: Service;
  /** The HTTPRoute (gateway-api). */
  route?: HTTPRoute;
  /** The color the recorded state says is live (used when the Service does not say). */
  recordedColor?: Color;
}

/** The color that serves traffic now, from the Service selector or the route's backendRefs. */
export function activeColor(app: string, route: RouteKind, live: LiveState): Color | undefined {
  if (route === 'service') {
    const c = live.service?.spec?.selector?.[COLOR_LABEL];
    if (c === 'blue' || c === 'green') return c;
    return live.service ? undefined : live.recordedColor;
  }
  const refs = (live.route?.spec?.rules ?? [])
    .flatMap((r) => r.backendRefs ?? [])
    .filter((b) => (b.weight ?? 1) > 0);
  for (const c of COLORS) if (refs.some((b) => b.name === colorServiceName(app, c))) return c;
  return undefined;
}

/** Rewrites backendRefs that point at the app (its plain or color Services) to `target`. */
export function retargetRules(
  rules: RouteRule[],
  names: string[],
  target: string,
): { rules: RouteRule[]; changed: number } {
  let changed = 0;
  const out = rules.map((r) => ({
    ...r,
    ...(r.backendRefs
      ? {
          backendRefs: r.backendRefs.map((b) => {
            if ((b.kind ?? 'Service') !== 'Service' || (b.group ?? '') !== '' || !names.includes(b.name))
              return b;
            changed++;
            return { ...b, name: target };
          }),
        }
      : {}),
  }));
  return { rules: out, changed };
}

export interface SwitchPlan {
  kind: 'service' | 'httproute';
  ref: ObjectRef;
  /** The live Service does not exist yet: the switch creates it (and a rollback deletes it). */
  create?: Service;
  /** The user's live Service with the new selector: the switch applies it (one write, not apply then patch). */
  apply?: Service;
  /** Service: selectors; route: rules. */
  beforeSelector?: Labels;
  afterSelector?: Labels;
  beforeRules?: RouteRule[];
  afterRules?: RouteRule[];
  resourceVersion?: string;
}

export interface BlueGreenPlan {
  app: string;
  namespace: string;
  runId: string;
  route: RouteKind;
  newColor: Color;
  /** The color serving before this run (undefined on a first deploy). */
  oldColor?: Color;
  image: string;
  previousImage?: string;
  deployment: Deployment;
  /** The Services/objects applied before the rollout (preview, color Services, others). */
  preApply: KubeObject[];
  /** The selector that picks the new color's pods. */
  newSelector: Labels;
  switch: SwitchPlan;
  replicas: number;
}

export interface PlanInputs {
  namespace: string;
  runId: string;
  route: RouteKind;
  httpRoute: string;
  /** Default progressDeadlineSeconds when the Deployment sets none. */
  progressDeadlineSeconds: number;
  now: string;
}

export class PlanError extends Error {}

function ports(w: Workload, live?: Service): ServicePort[] {
  const from = w.service?.spec?.ports ?? live?.spec?.ports;
  if (from && from.length) return from.map((p) => ({ ...p }));
  const cp = (
    w.deployment.spec.template.spec?.containers?.[0]?.ports as
      { containerPort: number; name?: string }[] | undefined
  )?.[0];
  if (!cp)
    throw new PlanError(
      `Cannot tell which port to serve: the manifests have no Service and Deployment ${w.deployment.metadata.name} declares no containerPort`,
    );
  return [{ name: cp.name ?? 'http', port: cp.containerPort, targetPort: cp.containerPort, protocol: 'TCP' }];
}

function service(
  name: string,
  namespace: string,
  selector: Labels,
  p: ServicePort[],
  labels: Labels,
  annotations?: Record<string, string>,
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace,
      labels: { ...labels, ...MANAGED_BY },
      ...(annotations ? { annotations } : {}),
    },
    spec: { selector, ports: p },
  };
}

/** The color live now (if any) and the one this run deploys. */
export function chooseColors(
  app: string,
  route: RouteKind,
  live: LiveState,
): { current?: Color; newColor: Color } {
  const current = activeColor(app, route, live);
  const base = current ?? live.recordedColor;
  return { ...(current ? { current } : {}), newColor: base ? otherColor(base) : 'blue' };
}

/** The new color's Deployment: the user's, renamed, labelled with the color, annotated with the run. */
export function colorDeployment(
  w: Workload,
  newColor: Color,
  baseSelector: Labels,
  p: PlanInputs,
): Deployment {
  const app = w.app;
  const d = structuredClone(w.deployment);
  d.metadata = { ...d.metadata, name: colorDeploymentName(app, newColor), namespace: p.namespace };
  d.metadata.labels = { ...(d.metadata.labels ?? {}), app, [COLOR_LABEL]: newColor, ...MANAGED_BY };
  d.metadata.annotations = {
    ...(d.metadata.annotations ?? {}),
    ...runAnnotations(
      { runId: p.runId, image: w.image, phase: 'deploying', strategy: 'bluegreen', color: newColor },
      p.now,
    ),
  };
  delete d.metadata.resourceVersion;
  const matchLabels = { ...(d.spec.selector?.matchLabels ?? baseSelector), [COLOR_LABEL]: newColor };
  d.spec.selector = { ...(d.spec.selector ?? {}), matchLabels };
  d.spec.template.metadata = { ...(d.spec.template.metadata ?? {}) };
  d.spec.template.metadata.labels = {
    ...(d.spec.template.metadata.labels ?? {}),
    ...baseSelector,
    ...matchLabels,
  };
  if (d.spec.progressDeadlineSeconds === undefined)
    d.spec.progressDeadlineSeconds = p.progressDeadlineSeconds;
  return d;
}

/** What the switch is built from: the workload, what is live, the plan inputs, the new pods and ports. */
interface SwitchInputs {
  w: Workload;
  live: LiveState;
  p: PlanInputs;
  newColor: Color;
  newSelector: Labels;
  ports: ServicePort[];
}

/** The objects a switch needs applied first, and the switch itself. */
interface PlannedSwitch {
  preApply: KubeObject[];
  sw: SwitchPlan;
}

/** The user's live Service re-applied with the selector it has now (the switch patch moves it). */
function keptLiveService(mine: Service, live: Service, namespace: string): Service {
  const keep = structuredClone(mine);
  // Carry hac's own annotations over, so that re-applying an unchanged Service changes nothing.
  const hacAnnotations = Object.fromEntries(
    Object.entries(live.metadata.annotations ?? {}).filter(([k]) => k.startsWith('hac.dev/')),
  );
  keep.metadata = {
    ...keep.metadata,
    namespace,
    labels: { ...(keep.metadata.labels ?? {}), ...MANAGED_BY },
    annotations: { ...(keep.metadata.annotations ?? {}), ...hacAnnotations },
  };
  keep.spec = { ...keep.spec, selector: { ...(live.spec.selector ?? {}) } };
  return keep;
}

/** Whether `after` keeps every key of `before` (the switch then only sets keys, never removes one). */
export const keepsSelectorKeys = (before: Labels, after: Labels): boolean =>
  Object.keys(before).every((k) => k in after);

/** route: service. A preview Service on the new color; the live Service's selector switches (or it is created). */
export function serviceSwitch(r: SwitchInputs): PlannedSwitch {
  const { w, live, p } = r;
  const app = w.app;
  const preApply: KubeObject[] = [
    service(previewServiceName(app), p.namespace, r.newSelector, r.ports, { app }),
  ];
  const liveName = w.service?.metadata.name ?? live.service?.metadata.name ?? app;
  const ref = { apiVersion: 'v1', kind: 'Service', name: liveName, namespace: p.namespace };
  if (live.service) {
    const before = live.service.spec.selector ?? {};
    const sw: SwitchPlan = {
      kind: 'service',
      ref,
      beforeSelector: before,
      afterSelector: r.newSelector,
      resourceVersion: live.service.metadata.resourceVersion,
    };
    if (w.service) {
      const kept = keptLiveService(w.service, live.service, p.namespace);
      // An apply cannot drop a selector key that another field manager owns: then re-apply the
      // Service as it is and let the switch patch remove the key.
      if (keepsSelectorKeys(before, r.newSelector))
        sw.apply = { ...kept, spec: { ...kept.spec, selector: r.newSelector } };
      else preApply.push(kept);
    }
    return { preApply, sw };
  }
  const create = w.service
    ? structuredClone(w.service)
    : service(liveName, p.namespace, r.newSelector, r.ports, { app });
  create.metadata = {
    ...create.metadata,
    namespace: p.namespace,
    labels: { ...(create.metadata.labels ?? {}), ...MANAGED_BY },
  };
  create.spec = { ...create.spec, selector: r.newSelector };
  return { preApply, sw: { kind: 'service', ref, create, afterSelector: r.newSelector } };
}

/** route: gateway-api. A Service per color; the HTTPRoute's backendRefs to the app move to the new one. */
export function routeSwitch(r: SwitchInputs): PlannedSwitch {
  const { w, live, p } = r;
  const app = w.app;
  const target = colorServiceName(app, r.newColor);
  const preApply: KubeObject[] = [service(target, p.namespace, r.newSelector, r.ports, { app })];
  const route = live.route;
  if (!route) throw new PlanError(`HTTPRoute "${p.httpRoute}" does not exist in namespace "${p.namespace}"`);
  const names = [
    app,
    colorServiceName(app, 'blue'),
    colorServiceName(app, 'green'),
    ...(w.service ? [w.service.metadata.name as string] : []),
  ];
  const before = route.spec.rules ?? [];
  const { rules: after, changed } = retargetRules(before, names, target);
  if (changed === 0) {
    throw new PlanError(
      `HTTPRoute "${p.httpRoute}" has no backendRef to Service ${[...new Set(names)].map((n) => `"${n}"`).join(', ')}; hac switches those backendRefs`,
    );
  }
  const sw: SwitchPlan = {
    kind: 'httproute',
    ref: { apiVersion: route.apiVersion, kind: 'HTTPRoute', name: p.httpRoute, namespace: p.namespace },
    beforeRules: before,
    afterRules: after,
    resourceVersion: route.metadata.resourceVersion,
  };
  return { preApply, sw };
}

/** Builds the whole plan. Throws PlanError for states hac cannot act on. */
export function planBlueGreen(w: Workload, live: LiveState, p: PlanInputs): BlueGreenPlan {
  const app = w.app;
  const { current, newColor } = chooseColors(app, p.route, live);
  const baseSelector: Labels = { ...(w.service?.spec?.selector ?? live.service?.spec?.selector ?? { app }) };
  delete baseSelector[COLOR_LABEL];
  const newSelector: Labels = { ...baseSelector, [COLOR_LABEL]: newColor };
  const deployment = colorDeployment(w, newColor, baseSelector, p);
  const routing = { w, live, p, newColor, newSelector, ports: ports(w, live.service) };
  const { preApply, sw } = (p.route === 'service' ? serviceSwitch : routeSwitch)(routing);
  return {
    app,
    namespace: p.namespace,
    runId: p.runId,
    route: p.route,
    newColor,
    ...(current ? { oldColor: current } : {}),
    image: w.image,
    deployment,
    // The user's other objects first, then the Services this plan adds.
    preApply: [
      ...w.others.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: p.namespace } })),
      ...preApply,
    ],
    newSelector,
    switch: sw,
    replicas: deployment.spec.replicas ?? 1,
  };
}

/** The merge patch that switches traffic (forward) or back (reverse). */
export function switchPatch(
  sw: SwitchPlan,
  direction: 'forward' | 'back',
  extraAnnotations: Record<string, string | null> = {},
  withVersion = true,
): unknown {
  const meta: Record<string, unknown> = {};
  if (withVersion && direction === 'forward' && sw.resourceVersion) meta.resourceVersion = sw.resourceVersion;
  if (Object.keys(extraAnnotations).length) meta.annotations = extraAnnotations;
  if (sw.kind === 'service') {
    const [from, to] =
      direction === 'forward'
        ? [sw.beforeSelector, sw.afterSelector as Labels]
        : [sw.afterSelector, sw.beforeSelector as Labels];
    return { metadata: meta, spec: { selector: selectorPatch(from, to) } };
  }
  return { metadata: meta, spec: { rules: direction === 'forward' ? sw.afterRules : sw.beforeRules } };
}

/** The selector that picks the pods serving before the run (undefined on a first deploy). */
export function oldSelector(plan: BlueGreenPlan): Labels | undefined {
  if (plan.switch.kind === 'service') return plan.switch.beforeSelector;
  if (!plan.oldColor) return undefined;
  return { ...plan.newSelector, [COLOR_LABEL]: plan.oldColor };
}

/** The Service the switch applies (created, or the user's with the new selector); undefined: a patch. */
export function switchedService(
  sw: SwitchPlan,
  annotations: Record<string, string | null>,
): Service | undefined {
  const base = sw.create ?? sw.apply;
  if (!base) return undefined;
  const svc = structuredClone(base);
  const set = Object.entries(annotations).filter((e): e is [string, string] => e[1] !== null);
  svc.metadata.annotations = { ...(svc.metadata.annotations ?? {}), ...Object.fromEntries(set) };
  return svc;
}

/** Every write the run will make, for the server-side dry run; the switch is the last. */
export function plannedWrites(plan: BlueGreenPlan, annotations: Record<string, string>): PlannedWrite[] {
  const svc = switchedService(plan.switch, annotations);
  return [
    ...plan.preApply.map((o) => ({ op: 'apply' as const, object: o })),
    { op: 'apply', object: plan.deployment },
    svc
      ? { op: 'apply', object: svc }
      : { op: 'patch', ref: plan.switch.ref, patch: switchPatch(plan.switch, 'forward', annotations) },
  ];
}

export { ANNOTATIONS };
