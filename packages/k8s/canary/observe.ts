/**
 * What the cluster looks like before a deploy, read in one place and before any write: the
 * stable Deployment, the Service the manifests name, the HPA, and for routed methods the stable
 * Service, the stable pods' hash and the route object. plan.ts decides from this snapshot alone.
 */
import type { KubeClient } from '../client.js';
import type { Deployment, KubeObject, Service } from '../objects.js';
import { selectorString } from '../selector.js';
import { DEPLOYMENT, HTTPROUTE, INGRESS, SERVICE, type RunContext } from './context.js';
import type { Hpa } from './replicas.js';
import type { CanaryOptions } from './types.js';

export interface Observed {
  /** The stable Deployment; undefined on the first release. */
  stable?: Deployment;
  /** The Service the manifests (or inputs) name: the other strategy's mark is read from it. */
  service?: KubeObject;
  hpa?: Hpa;
  /** Routed methods: the stable Service and its pods' pod-template-hash. */
  stableService?: Service;
  stableHash?: string;
  /** Routed methods: the HTTPRoute (gateway-api) or the stable Ingress (ingress-nginx). */
  route?: KubeObject;
}

/** The Service whose strategy mark is checked: the manifests' first, then the service input. */
export function markedServiceName(o: CanaryOptions, others: KubeObject[]): string {
  return (
    (others.find((x) => x.kind === 'Service')?.metadata.name as string | undefined) ?? o.service ?? o.name
  );
}

/** The Service a routed method sends stable traffic to: the service input first, then the manifests'. */
export function stableServiceName(o: CanaryOptions, others: KubeObject[]): string {
  return (
    o.service ?? (others.find((x) => x.kind === 'Service')?.metadata.name as string | undefined) ?? o.name
  );
}

/** The route object of a routed method (undefined for replicas, or when its input is empty). */
export async function observeRoute(ctx: RunContext): Promise<KubeObject | undefined> {
  const { o, c } = ctx;
  if (o.route === 'gateway-api' && o.httpRoute)
    return c.find<KubeObject>({ ...HTTPROUTE, name: o.httpRoute });
  if (o.route === 'ingress-nginx' && o.ingress) return c.find<KubeObject>({ ...INGRESS, name: o.ingress });
  return undefined;
}

export async function observeDeploy(ctx: RunContext, others: KubeObject[]): Promise<Observed> {
  const { o, c } = ctx;
  const [stable, service] = await Promise.all([
    c.find<Deployment>({ ...DEPLOYMENT, name: o.name }),
    c.find<KubeObject>({ ...SERVICE, name: markedServiceName(o, others) }),
  ]);
  // First release: it goes out as stable directly, nothing else is needed.
  if (!stable) return { service };
  const seen: Observed = { stable, service, hpa: await findHpa(c, o.name) };
  if (o.route === 'replicas') return seen;
  seen.stableService = await c.find<Service>({ ...SERVICE, name: stableServiceName(o, others) });
  if (!seen.stableService) return seen;
  seen.stableHash = await stableHash(c, stable);
  seen.route = await observeRoute(ctx);
  return seen;
}

export async function findHpa(c: KubeClient, name: string): Promise<Hpa | undefined> {
  const list = await c.list<
    KubeObject & {
      spec: { scaleTargetRef: { kind: string; name: string }; minReplicas?: number; maxReplicas: number };
    }
  >('autoscaling/v2', 'HorizontalPodAutoscaler');
  const h = list.items.find(
    (x) => x.spec.scaleTargetRef.kind === 'Deployment' && x.spec.scaleTargetRef.name === name,
  );
  return h
    ? {
        name: h.metadata.name as string,
        minReplicas: h.spec.minReplicas ?? 1,
        maxReplicas: h.spec.maxReplicas,
      }
    : undefined;
}

/** The pod-template-hash of the stable Deployment's current ReplicaSet. */
export async function stableHash(c: KubeClient, stable: Deployment): Promise<string | undefined> {
  const rev = stable.metadata.annotations?.['deployment.kubernetes.io/revision'];
  const sel = selectorString(stable.spec.selector?.matchLabels ?? {});
  const rs = await c.list<KubeObject>('apps/v1', 'ReplicaSet', { labelSelector: sel });
  const own = rs.items.filter((r) =>
    (r.metadata.ownerReferences as { uid: string }[] | undefined)?.some((x) => x.uid === stable.metadata.uid),
  );
  const current =
    own.find((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === rev) ?? own[0];
  return current?.metadata.labels?.['pod-template-hash'];
}
