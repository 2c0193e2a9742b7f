// Where each kind lives in the REST API. Common kinds are known; others are found through
// discovery (one GET per group/version, cached by the client).

export interface ResourceInfo {
  /** The plural resource name, e.g. deployments. */
  plural: string;
  namespaced: boolean;
}

const KNOWN: Record<string, ResourceInfo> = {
  'v1/ConfigMap': { plural: 'configmaps', namespaced: true },
  'v1/Secret': { plural: 'secrets', namespaced: true },
  'v1/Service': { plural: 'services', namespaced: true },
  'v1/ServiceAccount': { plural: 'serviceaccounts', namespaced: true },
  'v1/Pod': { plural: 'pods', namespaced: true },
  'v1/Namespace': { plural: 'namespaces', namespaced: false },
  'v1/PersistentVolumeClaim': { plural: 'persistentvolumeclaims', namespaced: true },
  'apps/v1/Deployment': { plural: 'deployments', namespaced: true },
  'apps/v1/StatefulSet': { plural: 'statefulsets', namespaced: true },
  'apps/v1/DaemonSet': { plural: 'daemonsets', namespaced: true },
  'apps/v1/ReplicaSet': { plural: 'replicasets', namespaced: true },
  'batch/v1/Job': { plural: 'jobs', namespaced: true },
  'batch/v1/CronJob': { plural: 'cronjobs', namespaced: true },
  'autoscaling/v2/HorizontalPodAutoscaler': { plural: 'horizontalpodautoscalers', namespaced: true },
  'autoscaling/v1/HorizontalPodAutoscaler': { plural: 'horizontalpodautoscalers', namespaced: true },
  'policy/v1/PodDisruptionBudget': { plural: 'poddisruptionbudgets', namespaced: true },
  'networking.k8s.io/v1/Ingress': { plural: 'ingresses', namespaced: true },
  'networking.k8s.io/v1/NetworkPolicy': { plural: 'networkpolicies', namespaced: true },
  'gateway.networking.k8s.io/v1/HTTPRoute': { plural: 'httproutes', namespaced: true },
  'gateway.networking.k8s.io/v1beta1/HTTPRoute': { plural: 'httproutes', namespaced: true },
  'gateway.networking.k8s.io/v1/Gateway': { plural: 'gateways', namespaced: true },
  'coordination.k8s.io/v1/Lease': { plural: 'leases', namespaced: true },
  'discovery.k8s.io/v1/EndpointSlice': { plural: 'endpointslices', namespaced: true },
  'rbac.authorization.k8s.io/v1/Role': { plural: 'roles', namespaced: true },
  'rbac.authorization.k8s.io/v1/RoleBinding': { plural: 'rolebindings', namespaced: true },
};

export function knownResource(apiVersion: string, kind: string): ResourceInfo | undefined {
  return KNOWN[`${apiVersion}/${kind}`];
}

/** The API group of an apiVersion ('' for the core group). */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '';
}

/** /api/v1 or /apis/<group>/<version> */
export function apiBase(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The REST path of a collection (no name) or of one object. */
export function resourcePath(
  apiVersion: string,
  info: ResourceInfo,
  namespace?: string,
  name?: string,
): string {
  let p = apiBase(apiVersion);
  if (info.namespaced) {
    if (!namespace) throw new Error(`a namespace is needed for namespaced ${info.plural}`);
    p += `/namespaces/${encodeURIComponent(namespace)}`;
  }
  p += `/${info.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  return p;
}

/** Finds a kind in a discovery document (APIResourceList). */
export function fromDiscovery(list: unknown, kind: string): ResourceInfo | undefined {
  const resources =
    (list as { resources?: { name: string; kind: string; namespaced: boolean }[] })?.resources ?? [];
  const r = resources.find((x) => x.kind === kind && !x.name.includes('/'));
  return r ? { plural: r.name, namespaced: r.namespaced } : undefined;
}
