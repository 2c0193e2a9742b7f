/** Pure builders of the objects a canary adds: its Deployment, its Service and the promoted template. */
import type { Deployment, KubeObject, Labels, PodTemplate, Service } from '../objects.js';
import { CANARY_OF_LABEL, PAIR_LABEL, ROLE_LABEL, TRACK_LABEL } from './state.js';

const DROP_ANNOTATIONS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
];

export function canaryName(stable: string): string {
  return `${stable}-canary`;
}

export function hacLabels(stable: string): Labels {
  return { [ROLE_LABEL]: 'canary', [CANARY_OF_LABEL]: stable };
}

/**
 * The canary Deployment: the new version's Deployment under `<name>-canary`, its pods labelled
 * with the track label so routed methods can tell them apart (the selector gets it too, so the
 * canary's ReplicaSets never count stable pods).
 */
export function canaryDeployment(
  next: Deployment,
  opts: { name: string; namespace: string; replicas: number },
): Deployment {
  const d = structuredClone(next);
  const stable = next.metadata.name as string;
  const annotations = { ...(d.metadata.annotations ?? {}) };
  for (const k of DROP_ANNOTATIONS) delete annotations[k];
  const template: PodTemplate = d.spec.template ?? {};
  template.metadata = {
    ...(template.metadata ?? {}),
    labels: { ...(template.metadata?.labels ?? {}), [TRACK_LABEL]: 'canary' },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: opts.name,
      namespace: opts.namespace,
      labels: { ...(d.metadata.labels ?? {}), ...hacLabels(stable) },
      annotations,
    },
    spec: {
      ...d.spec,
      replicas: opts.replicas,
      selector: { matchLabels: { ...(d.spec.selector?.matchLabels ?? {}), [TRACK_LABEL]: 'canary' } },
      template,
    },
  };
}

/** The canary Service for routed methods: the stable Service's ports, selecting only canary pods. */
export function canaryService(
  stable: Service,
  opts: { name: string; stableName: string; selector: Labels },
): Service {
  const ports = (stable.spec.ports ?? []).map((p) => {
    const copy = { ...p };
    delete copy.nodePort;
    return copy;
  });
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: opts.name, namespace: stable.metadata.namespace, labels: hacLabels(opts.stableName) },
    spec: { type: 'ClusterIP', ports, selector: { ...opts.selector, [TRACK_LABEL]: 'canary' } },
  };
}

/**
 * The pod template stable takes on promotion: the canary's template without the track label, with
 * the stable selector's labels kept (a Deployment's selector is immutable). Returns the labels that
 * had to keep their stable value, for a warning.
 */
export function promotedTemplate(
  canary: PodTemplate,
  stableSelector: Labels,
): { template: PodTemplate; kept: string[] } {
  const template = structuredClone(canary);
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels[TRACK_LABEL];
  // analysis: baseline labels canary pods hac.dev/role: canary; stable's pods keep their own.
  if (labels[ROLE_LABEL] === 'canary') delete labels[ROLE_LABEL];
  delete labels[PAIR_LABEL];
  delete labels['pod-template-hash'];
  const kept: string[] = [];
  for (const [k, v] of Object.entries(stableSelector)) {
    if (labels[k] !== undefined && labels[k] !== v) kept.push(k);
    labels[k] = v;
  }
  template.metadata = { ...(template.metadata ?? {}), labels };
  return { template, kept };
}

/** The Deployment with its pod template's `version` label set (the simple form's `version` input). */
export function withVersion(d: Deployment, version: string): Deployment {
  const out = structuredClone(d);
  const template: PodTemplate = out.spec.template ?? {};
  template.metadata = {
    ...(template.metadata ?? {}),
    labels: { ...(template.metadata?.labels ?? {}), version },
  };
  out.spec.template = template;
  return out;
}

/** The first container's image (what outputs report). */
export function mainImage(obj: { spec?: { template?: PodTemplate } } | KubeObject): string {
  const t = (obj as { spec?: { template?: PodTemplate } }).spec?.template;
  return t?.spec?.containers?.[0]?.image ?? '';
}

/** The `version` label of a pod template, or the main image's tag. */
export function versionOf(t: PodTemplate | undefined): string {
  const v = t?.metadata?.labels?.version;
  if (v) return v;
  const image = t?.spec?.containers?.[0]?.image ?? '';
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1, at + 20);
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}
