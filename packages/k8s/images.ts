// Image references and k8s-deploy's substitution convention: `images: registry/app:v2` replaces
// the image of every container whose image repository is `registry/app`.
import type { Container, KubeObject, PodTemplate } from './objects.js';

export interface ImageRef {
  /** Everything before the tag or digest: [registry/]path */
  repository: string;
  tag?: string;
  digest?: string;
}

const REPO = /^[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const REGISTRY_HOST =
  /^(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|localhost|\[[0-9a-fA-F:]+\])(?::\d+)?$|^[a-zA-Z0-9-]+:\d+$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

/** Parses an image reference; throws when it is not one. */
export function parseImageRef(ref: string): ImageRef {
  const text = ref.trim();
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new Error(`"${ref}" has an invalid digest`);
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new Error(`"${ref}" has an invalid tag`);
  }
  const first = rest.split('/')[0] as string;
  const hasHost = rest.includes('/') && REGISTRY_HOST.test(first);
  const path = hasHost ? rest.slice(first.length + 1) : rest;
  if (rest === '' || !REPO.test(path.toLowerCase()) || path !== path.toLowerCase())
    throw new Error(`"${ref}" is not an image reference`);
  return {
    repository: rest,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

export function isImageRef(ref: string): boolean {
  try {
    parseImageRef(ref);
    return true;
  } catch {
    return false;
  }
}

export function formatImageRef(r: ImageRef): string {
  return `${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** The pod template of a workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) or a Pod's spec. */
export function podTemplateOf(obj: KubeObject): PodTemplate | undefined {
  const spec = obj.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  if (obj.kind === 'Pod') return { metadata: obj.metadata, spec: spec as PodTemplate['spec'] };
  if (obj.kind === 'CronJob')
    return (spec.jobTemplate as { spec?: { template?: PodTemplate } })?.spec?.template ?? undefined;
  return (spec.template as PodTemplate | undefined) ?? undefined;
}

export function containersOf(obj: KubeObject): Container[] {
  const spec = podTemplateOf(obj)?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

export interface Substitution {
  /** Objects with images replaced (copies; the input is not changed). */
  objects: KubeObject[];
  /** Images from the input that matched no container. */
  unmatched: string[];
  /** Every replacement: object, container, from, to. */
  replaced: { object: string; container: string; from: string; to: string }[];
}

function repositoryOf(image: string): string | undefined {
  try {
    return parseImageRef(image).repository;
  } catch {
    return undefined;
  }
}

/** Replaces container images whose repository matches one of `images` (k8s-deploy's rule). */
export function substituteImages(objects: KubeObject[], images: string[]): Substitution {
  const wanted = images.map((i) => ({ image: i, repo: parseImageRef(i).repository }));
  const used = new Set<string>();
  const replaced: Substitution['replaced'] = [];
  const out = objects.map((o) => {
    const copy = structuredClone(o);
    for (const c of containersOf(copy)) {
      if (!c.image) continue;
      const repo = repositoryOf(c.image);
      const match = wanted.find((w) => w.repo === repo);
      if (!match) continue;
      used.add(match.image);
      if (c.image !== match.image)
        replaced.push({
          object: `${o.kind}/${o.metadata.name}`,
          container: c.name,
          from: c.image,
          to: match.image,
        });
      c.image = match.image;
    }
    return copy;
  });
  return { objects: out, unmatched: wanted.filter((w) => !used.has(w.image)).map((w) => w.image), replaced };
}
