// Image references: registry/repository:tag. The repository is lowercased (registries require it);
// tags are validated and kept as given (they are case-sensitive).

/** What a Docker/OCI tag may look like. */
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$|^\[[0-9a-f:]+\](?::\d{1,5})?$/;

export const TAG_FORM =
  'a tag of letters, digits, "_", "." and "-" (at most 128, not starting with "." or "-")';
export const REPOSITORY_FORM = 'an image repository such as ghcr.io/owner/app or 127.0.0.1:5000/team/app';
export const REF_FORM = `a full reference such as ghcr.io/owner/app:1.2.3, or a bare tag applied to "images"`;

export class InvalidReference extends Error {}

export interface Repository {
  /** The registry host (with port), e.g. ghcr.io; docker.io when the name has none. */
  registry: string;
  /** The lowercased full name, e.g. ghcr.io/owner/app. */
  name: string;
  /** The path inside the registry, e.g. owner/app (library/ is added for docker.io one-part names). */
  path: string;
  /** True when lowercasing changed the name given. */
  lowercased: boolean;
}

function isHost(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost' || part.startsWith('[');
}

/** Parses and normalises a repository (no tag, no digest). Throws on an invalid name. */
export function parseRepository(text: string): Repository {
  const given = text.trim();
  if (given === '' || given.includes('@') || /\s/.test(given))
    throw new InvalidReference(`"${text}" is not ${REPOSITORY_FORM}`);
  const name = given.toLowerCase();
  const parts = name.split('/');
  const hasHost = parts.length > 1 && isHost(parts[0] as string);
  const registry = hasHost ? (parts[0] as string) : 'docker.io';
  const pathParts = hasHost ? parts.slice(1) : parts;
  if (!HOST.test(registry))
    throw new InvalidReference(`"${text}" has an invalid registry host "${registry}"`);
  if (pathParts.length === 0 || !pathParts.every((p) => PATH_COMPONENT.test(p))) {
    throw new InvalidReference(`"${text}" is not ${REPOSITORY_FORM}`);
  }
  const path =
    registry === 'docker.io' && pathParts.length === 1 ? `library/${pathParts[0]}` : pathParts.join('/');
  return { registry, name, path, lowercased: given !== name };
}

export interface ImageRef {
  repository: Repository;
  tag: string;
  /** name:tag, with the lowercased repository. */
  ref: string;
}

/** Checks a tag; returns a reason when it is not valid. */
export function tagProblem(tag: string): string | undefined {
  if (TAG_PATTERN.test(tag)) return undefined;
  if (tag.length > 128)
    return `tag "${tag.slice(0, 20)}…" is ${tag.length} characters long; at most 128 are allowed`;
  if (/^[.-]/.test(tag)) return `tag "${tag}" starts with "${tag[0]}"`;
  return `tag "${tag}" has characters other than letters, digits, "_", "." and "-"`;
}

/** Splits name:tag (the tag is after the last ":" that follows the last "/"). */
export function splitTag(text: string): { name: string; tag: string | undefined } {
  const slash = text.lastIndexOf('/');
  const colon = text.lastIndexOf(':');
  if (colon > slash) return { name: text.slice(0, colon), tag: text.slice(colon + 1) };
  return { name: text, tag: undefined };
}

/** Parses a full reference `repo:tag`. Throws with a reason when it is invalid. */
export function parseImageRef(text: string): ImageRef {
  const given = text.trim();
  if (given.includes('@'))
    throw new InvalidReference(`"${given}" has a digest; tags name what to push, so give repo:tag`);
  const { name, tag } = splitTag(given);
  if (tag === undefined) throw new InvalidReference(`"${given}" has no tag`);
  const problem = tagProblem(tag);
  if (problem) throw new InvalidReference(problem);
  const repository = parseRepository(name);
  return { repository, tag, ref: `${repository.name}:${tag}` };
}

/** repo@sha256:... — what a deployment should pin. */
export function pinned(repository: string, digest: string): string {
  return `${repository}@${digest}`;
}

/** Whether a registry host is known to be ECR private (<account>.dkr.ecr.<region>.amazonaws.com[.cn]). */
export function ecrRegistry(host: string): { accountId: string; region: string } | undefined {
  const m = /^(\d{12})\.dkr(?:-fips)?\.ecr\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|on\.aws)$/.exec(
    host.toLowerCase(),
  );
  return m ? { accountId: m[1] as string, region: m[2] as string } : undefined;
}
