// docker buildx: pure argument builders and result readers. The exec wrapper runs what these return.
import type { BuildOptions, BuildRequest } from './request.js';
import { compatBuildxArgs } from './compat-args.js';

export interface BuildFiles {
  iidfile: string;
  metadataFile: string;
}

/** The environment variable that carries the value of secret number `i` (never argv). */
export const secretEnvName = (i: number): string => `HAC_BUILD_SECRET_${i}`;

/** Environment entries that carry the `secrets` input values to the builder process. */
export function secretEnv(req: Pick<BuildRequest, 'secrets'>): Record<string, string> {
  return Object.fromEntries(req.secrets.map((s, i) => [secretEnvName(i), s.value]));
}

/** What `docker buildx build` takes: the shared options, and those only buildx has. */
export type DockerBuildOptions = BuildOptions &
  Pick<BuildRequest, 'provenance' | 'sbom' | 'push' | 'load' | 'builder'>;

/** `docker buildx build ...` arguments (without the leading `docker`). */
export function buildxArgs(o: DockerBuildOptions, files: BuildFiles): string[] {
  const args = ['buildx', 'build'];
  if (o.builder) args.push('--builder', o.builder);
  args.push('--file', o.file);
  for (const ref of o.refs) args.push('--tag', ref);
  for (const a of o.buildArgs) args.push('--build-arg', `${a.name}=${a.value}`);
  for (const [k, v] of Object.entries(o.labels)) args.push('--label', `${k}=${v}`);
  if (o.target) args.push('--target', o.target);
  if (o.platforms.length > 0) args.push('--platform', o.platforms.join(','));
  for (const c of o.cacheFrom) args.push('--cache-from', c.raw);
  for (const c of o.cacheTo) args.push('--cache-to', c.raw);
  o.secrets.forEach((s, i) => args.push('--secret', `id=${s.id},env=${secretEnvName(i)}`));
  for (const s of o.secretEnvs) args.push('--secret', `id=${s.id},env=${s.env}`);
  args.push(...compatBuildxArgs(o));
  if (o.provenance !== undefined) args.push(`--provenance=${o.provenance}`);
  if (o.sbom !== undefined) args.push(`--sbom=${o.sbom}`);
  if (o.noCache) args.push('--no-cache');
  if (o.pull) args.push('--pull');
  if (o.push) args.push('--push');
  if (o.load) args.push('--load');
  // buildx refuses an image ID file with the local and tar exporters (no image is made).
  if (!o.outputs.some((out) => out.type === 'local' || out.type === 'tar'))
    args.push('--iidfile', files.iidfile);
  args.push('--metadata-file', files.metadataFile, o.context);
  return args;
}

export const dockerLoginArgs = (registry: string, username: string): string[] => [
  'login',
  '--username',
  username,
  '--password-stdin',
  registry,
];
export const dockerLogoutArgs = (registry: string): string[] => ['logout', registry];
export const dockerProbes: string[][] = [
  ['info', '--format', '{{.ServerVersion}}'],
  ['buildx', 'version'],
];

export interface DockerResult {
  digest?: string;
  imageId?: string;
}

/** Reads the manifest digest (metadata file) and image id (iidfile), as build-push-action does. */
export function readDockerResult(metadataJson: string | undefined, iid: string | undefined): DockerResult {
  let digest: string | undefined;
  let configDigest: string | undefined;
  if (metadataJson) {
    try {
      const m = JSON.parse(metadataJson) as Record<string, unknown>;
      if (typeof m['containerimage.digest'] === 'string') digest = m['containerimage.digest'];
      const cfg = m['containerimage.config.digest'];
      if (typeof cfg === 'string') configDigest = cfg;
    } catch {
      /* fall back to the iidfile */
    }
  }
  const imageId = iid?.trim() || configDigest;
  return { digest: digest ?? imageId, imageId };
}
