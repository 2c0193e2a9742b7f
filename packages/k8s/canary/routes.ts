/**
 * Pure builders for the routed canary methods: exact weights on a Gateway API HTTPRoute, and a
 * canary Ingress for ingress-nginx. Side effects (reads, patches) live in the engine.
 */

export const ROUTE_METHODS = ['replicas', 'gateway-api', 'ingress-nginx'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

export const NGINX_CANARY = 'nginx.ingress.kubernetes.io/canary';
export const NGINX_WEIGHT = 'nginx.ingress.kubernetes.io/canary-weight';
export const NGINX_WEIGHT_TOTAL = 'nginx.ingress.kubernetes.io/canary-weight-total';

type Obj = Record<string, unknown>;

export interface BackendRef extends Obj {
  name: string;
  kind?: string;
  group?: string;
  namespace?: string;
  port?: number;
  weight?: number;
}

interface Rule extends Obj {
  backendRefs?: BackendRef[];
}

function isServiceRef(ref: BackendRef, name: string): boolean {
  return ref.name === name && (ref.kind ?? 'Service') === 'Service' && (ref.group ?? '') === '';
}

/** How many rules of the route send traffic to the stable Service (0 means the route cannot be used). */
export function rulesForService(rules: Rule[], stable: string): number {
  return rules.filter((r) => (r.backendRefs ?? []).some((b) => isServiceRef(b, stable))).length;
}

/**
 * The HTTPRoute rules with `weight` percent going to the canary Service and the rest to stable, in
 * every rule that references the stable Service. Other backendRefs and rules are left as they are.
 * A weight of 0 removes the canary ref (the reset form). With a `baseline` Service (baseline
 * analysis), steps below 100% give it the canary's weight too, out of stable's share.
 */
export function weightedRules(
  rules: Rule[],
  stable: string,
  canary: string,
  weight: number,
  baseline?: string,
): Rule[] {
  const baselineWeight = baseline && weight > 0 && weight < 100 ? weight : 0;
  return rules.map((rule) => {
    const refs = rule.backendRefs ?? [];
    const stableRef = refs.find((b) => isServiceRef(b, stable));
    if (!stableRef) return rule;
    const ours = (b: BackendRef) =>
      isServiceRef(b, stable) || isServiceRef(b, canary) || (!!baseline && isServiceRef(b, baseline));
    const others = refs.filter((b) => !ours(b));
    const next: BackendRef[] = [{ ...stableRef, weight: 100 - weight - baselineWeight }];
    if (weight > 0) next.push({ ...stableRef, name: canary, weight });
    if (baselineWeight > 0) next.push({ ...stableRef, name: baseline as string, weight: baselineWeight });
    if (weight === 0) {
      // Back to the plain form: drop the explicit weight unless other refs share the rule.
      if (others.length === 0) delete next[0]!.weight;
    }
    return { ...rule, backendRefs: [...next, ...others] };
  });
}

/** The canary's weight the route carries now (undefined when the route has no canary ref). */
export function currentRouteWeight(rules: Rule[], stable: string, canary: string): number | undefined {
  for (const rule of rules) {
    const refs = rule.backendRefs ?? [];
    const c = refs.find((b) => isServiceRef(b, canary));
    if (!c) continue;
    const s = refs.find((b) => isServiceRef(b, stable));
    const cw = c.weight ?? 1;
    const sw = s ? (s.weight ?? 1) : 0;
    return cw + sw === 0 ? 0 : Math.round((cw / (cw + sw)) * 100);
  }
  return undefined;
}

interface IngressBackend {
  service?: { name: string; port?: Obj };
  resource?: Obj;
}
interface IngressPath extends Obj {
  backend: IngressBackend;
}

/** Annotations never copied to the canary Ingress. */
const DROP = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

/**
 * The canary Ingress for ingress-nginx: the stable Ingress's rules with the stable Service replaced
 * by the canary Service, and the canary annotations. It carries the labels given (hac's own).
 */
export function canaryIngress(
  stable: Obj,
  opts: {
    name: string;
    stableService: string;
    canaryService: string;
    weight: number;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  },
): Obj {
  const meta = (stable.metadata ?? {}) as { namespace?: string; annotations?: Record<string, string> };
  const spec = structuredClone(
    (stable.spec ?? {}) as Obj & {
      rules?: { http?: { paths?: IngressPath[] } }[];
      defaultBackend?: IngressBackend;
    },
  );
  const swap = (b: IngressBackend | undefined) => {
    if (b?.service?.name === opts.stableService) b.service.name = opts.canaryService;
  };
  swap(spec.defaultBackend);
  for (const rule of spec.rules ?? []) for (const p of rule.http?.paths ?? []) swap(p.backend);
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    if (DROP.has(k) || k.startsWith('nginx.ingress.kubernetes.io/canary')) continue;
    annotations[k] = v;
  }
  Object.assign(annotations, opts.annotations ?? {}, nginxCanaryAnnotations(opts.weight));
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: opts.name, namespace: meta.namespace, labels: opts.labels, annotations },
    spec,
  };
}

export function nginxCanaryAnnotations(weight: number): Record<string, string> {
  return { [NGINX_CANARY]: 'true', [NGINX_WEIGHT]: String(weight), [NGINX_WEIGHT_TOTAL]: '100' };
}

/** Whether an Ingress sends any path to the stable Service. */
export function ingressUsesService(ing: Obj, service: string): boolean {
  const spec = (ing.spec ?? {}) as {
    rules?: { http?: { paths?: IngressPath[] } }[];
    defaultBackend?: IngressBackend;
  };
  if (spec.defaultBackend?.service?.name === service) return true;
  return (spec.rules ?? []).some((r) =>
    (r.http?.paths ?? []).some((p) => p.backend?.service?.name === service),
  );
}

/** The Service selector that pins a Service to one ReplicaSet's pods (Argo Rollouts' approach). */
export function pinnedSelector(
  selector: Record<string, string>,
  podTemplateHash: string | undefined,
): Record<string, string> {
  const next = { ...selector };
  delete next['pod-template-hash'];
  if (podTemplateHash) next['pod-template-hash'] = podTemplateHash;
  return next;
}
