// What a run deploys: one Deployment (from manifests or the simple form), the Service that selects
// its pods (the live Service), and any other objects, applied as they are.
import { ActionError } from '@hac/toolkit';
import { containersOf, substituteImages } from './images.js';
import { APP_FORM, APP_NAME, type CommonValues } from './inputs.js';
import { loadManifests, ManifestError } from './manifests.js';
import {
  describeObject,
  isDeployment,
  isService,
  type Deployment,
  type KubeObject,
  type Service,
} from './objects.js';
import { matchesSelector } from './selector.js';
import { simpleManifests } from './simple.js';

export interface Workload {
  app: string;
  deployment: Deployment;
  /** The Service whose selector matches the Deployment's pods: the live Service. */
  service?: Service;
  /** Everything else in the manifests (ConfigMaps, HPAs, routes...), applied as given. */
  others: KubeObject[];
  /** The first container's image (what outputs report). */
  image: string;
  source: 'manifests' | 'simple';
}

export interface WorkloadInputs {
  namespace: string;
  manifests: string[];
  images: string[];
  app: string;
  image?: string;
  replicas?: number;
  port: number;
  cwd?: string;
  /** allow-paths-outside-workspace: manifests may be read from anywhere. */
  allowOutside?: boolean;
}

function inputError(
  message: string,
  hint = 'Fix the manifests or inputs; nothing was changed.',
): ActionError {
  return new ActionError(message, hint);
}

function checkNamespaces(objects: KubeObject[], namespace: string): void {
  for (const o of objects) {
    if (o.metadata.namespace && o.metadata.namespace !== namespace) {
      throw inputError(
        `${describeObject(o)} is in namespace "${o.metadata.namespace}" but the namespace input is "${namespace}".`,
        'Remove metadata.namespace from the manifests or set the namespace input to match.',
      );
    }
  }
}

/** The objects with the `images` input applied; every image must replace some container's. */
function withImages(objects: KubeObject[], images: string[]): KubeObject[] {
  if (images.length === 0) return objects;
  const sub = substituteImages(objects, images);
  if (sub.unmatched.length === 0) return sub.objects;
  const present = [...new Set(objects.flatMap((o) => containersOf(o).map((c) => c.image ?? '')))].filter(
    Boolean,
  );
  throw inputError(
    `images: ${sub.unmatched.map((i) => `"${i}"`).join(', ')} ${sub.unmatched.length === 1 ? 'matches' : 'match'} no container image repository in the manifests (containers use: ${present.join(', ') || 'none'}).`,
    'An image replaces containers whose image has the same repository (registry/path without tag); fix the images input or the manifests.',
  );
}

/** The one apps/v1 Deployment of the manifests, with at least one container image. */
function theDeployment(objs: KubeObject[]): Deployment {
  const deployments = objs.filter(isDeployment);
  if (deployments.length === 0) {
    throw inputError(
      `The manifests contain no Deployment (found: ${objs.map(describeObject).join(', ') || 'nothing'}).`,
      'Add an apps/v1 Deployment to the manifests.',
    );
  }
  if (deployments.length > 1) {
    throw inputError(
      `The manifests contain ${deployments.length} Deployments (${deployments.map(describeObject).join(', ')}); one app is deployed per step.`,
      'Split the manifests so that each deploy step has one Deployment.',
    );
  }
  const deployment = deployments[0] as Deployment;
  if (deployment.apiVersion !== 'apps/v1')
    throw inputError(
      `${describeObject(deployment)} uses apiVersion ${deployment.apiVersion}; expected apps/v1.`,
    );
  const containers = deployment.spec?.template?.spec?.containers ?? [];
  if (containers.length === 0 || !containers[0]?.image)
    throw inputError(`${describeObject(deployment)} has no containers with an image.`);
  return deployment;
}

/** The one Service whose selector matches the pods, if any. */
function theService(objs: KubeObject[], podLabels: Record<string, string>): Service | undefined {
  const services = objs
    .filter(isService)
    .filter(
      (s) =>
        s.spec?.selector &&
        Object.keys(s.spec.selector).length > 0 &&
        matchesSelector(s.spec.selector, podLabels),
    );
  if (services.length > 1)
    throw inputError(
      `Several Services select the Deployment's pods (${services.map(describeObject).join(', ')}); hac needs one live Service.`,
    );
  return services[0];
}

/** Builds the workload from parsed objects (pure). */
export function workloadFromObjects(
  objects: KubeObject[],
  opts: Omit<WorkloadInputs, 'manifests' | 'cwd' | 'allowOutside'> & { source: Workload['source'] },
): Workload {
  checkNamespaces(objects, opts.namespace);
  const objs = withImages(objects, opts.images);
  const original = theDeployment(objs);
  const deployment = structuredClone(original);
  if (opts.replicas !== undefined) deployment.spec.replicas = opts.replicas;
  const podLabels = deployment.spec.template.metadata?.labels ?? {};
  const app = opts.app || podLabels.app || (deployment.metadata.name as string);
  if (!APP_NAME.test(app))
    throw inputError(`The app name "${app}" is not ${APP_FORM}.`, 'Set the app input.');
  const liveService = theService(objs, podLabels);
  const service = liveService ? structuredClone(liveService) : undefined;
  const others = objs.filter((o) => o !== original && o !== liveService).map((o) => structuredClone(o));
  const image = deployment.spec.template.spec?.containers?.[0]?.image as string;
  return { app, deployment, service, others, image, source: opts.source };
}

/** The workload the shared inputs describe (manifests, or the simple form of app/image/port). */
export function workloadInputs(
  v: CommonValues & { 'allow-paths-outside-workspace': boolean },
): WorkloadInputs {
  return {
    namespace: v.namespace,
    manifests: v.manifests,
    images: v.images,
    app: v.app,
    image: v.image,
    replicas: v.replicas,
    port: v.port,
    allowOutside: v['allow-paths-outside-workspace'],
  };
}

/** Loads manifests (or generates the simple form) and builds the workload. */
export function resolveWorkload(w: WorkloadInputs): Workload {
  if (w.manifests.length > 0) {
    let objects: KubeObject[];
    try {
      objects = loadManifests(w.manifests, { cwd: w.cwd, allowOutside: w.allowOutside });
    } catch (err) {
      if (err instanceof ManifestError) throw inputError(err.message);
      throw err;
    }
    return workloadFromObjects(objects, { ...w, source: 'manifests' });
  }
  if (!w.image) throw inputError('Give manifests, or app and image.');
  return workloadFromObjects(
    simpleManifests({ app: w.app, image: w.image, replicas: w.replicas ?? 2, port: w.port }),
    { ...w, images: [], source: 'simple' },
  );
}
