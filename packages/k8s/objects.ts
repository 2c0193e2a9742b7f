// Plain shapes of the Kubernetes objects hac reads and writes. Only the fields hac uses are typed;
// everything else passes through untouched.

export type Labels = Record<string, string>;

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Labels;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  generation?: number;
  uid?: string;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  [key: string]: unknown;
}

export interface PodTemplate {
  metadata?: ObjectMeta;
  spec?: { containers?: Container[]; initContainers?: Container[]; [key: string]: unknown };
}

export interface DeploymentCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Deployment extends KubeObject {
  spec: {
    replicas?: number;
    selector?: { matchLabels?: Labels; [key: string]: unknown };
    template: PodTemplate;
    progressDeadlineSeconds?: number;
    [key: string]: unknown;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: DeploymentCondition[];
  };
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  [key: string]: unknown;
}

export interface Service extends KubeObject {
  spec: { selector?: Labels; ports?: ServicePort[]; type?: string; [key: string]: unknown };
}

export interface Pod extends KubeObject {
  status?: { phase?: string; conditions?: { type: string; status: string }[]; [key: string]: unknown };
}

/** `Kind/name` (with the namespace when given): how objects are named in logs and errors. */
export function describeObject(obj: {
  kind: string;
  metadata?: { name?: string; namespace?: string };
}): string {
  return `${obj.kind}/${obj.metadata?.name ?? '<unnamed>'}`;
}

export function isDeployment(obj: KubeObject): obj is Deployment {
  return (
    obj.kind === 'Deployment' && /^(apps\/v1|extensions\/v1beta1|apps\/v1beta[12])$/.test(obj.apiVersion)
  );
}

export function isService(obj: KubeObject): obj is Service {
  return obj.kind === 'Service' && obj.apiVersion === 'v1';
}

/** A deep copy (objects hac edits are never shared with the caller). */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
