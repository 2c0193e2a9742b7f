// buildah: pure argument builders. Daemonless builds with chroot isolation (what unprivileged runners allow).
import type { BuildOptions, BuildRequest } from './request.js';
import { secretEnvName } from './docker.js';
import { compatBuildahArgs } from './compat-args.js';

/** What `buildah build` takes: the shared options, and tls-verify. */
export type BuildahBuildOptions = BuildOptions & Pick<BuildRequest, 'tlsVerify'>;

/** The manifest list a multi-platform buildah build collects its images in. */
export const manifestName = (refs: readonly string[]): string =>
  `hac-manifest-${(refs[0] ?? 'image').replace(/[^a-z0-9]+/gi, '-')}`;

/** `buildah build ...` arguments. `isolation` comes from BUILDAH_ISOLATION, else chroot. */
export function buildahBuildArgs(
  o: BuildahBuildOptions,
  files: { iidfile: string },
  isolation = 'chroot',
): string[] {
  const args = ['build', '--isolation', isolation, '--layers', '--file', o.file];
  for (const ref of o.refs) args.push('--tag', ref);
  for (const a of o.buildArgs) args.push('--build-arg', `${a.name}=${a.value}`);
  for (const [k, v] of Object.entries(o.labels)) args.push('--label', `${k}=${v}`);
  if (o.target) args.push('--target', o.target);
  if (o.platforms.length === 1) args.push('--platform', o.platforms[0] as string);
  if (o.platforms.length > 1)
    args.push('--platform', o.platforms.join(','), '--manifest', manifestName(o.refs));
  for (const c of o.cacheFrom) args.push('--cache-from', c.attrs.ref as string);
  for (const c of o.cacheTo) args.push('--cache-to', c.attrs.ref as string);
  o.secrets.forEach((s, i) => args.push('--secret', `id=${s.id},src=${secretEnvName(i)},type=env`));
  for (const s of o.secretEnvs) args.push('--secret', `id=${s.id},src=${s.env},type=env`);
  args.push(...compatBuildahArgs(o));
  if (o.noCache) args.push('--no-cache');
  if (o.pull) args.push('--pull=always');
  if (!o.tlsVerify) args.push('--tls-verify=false');
  args.push('--iidfile', files.iidfile, o.context);
  return args;
}

/**
 * `buildah push` of one reference. buildah's own retries are turned off (--retry 0): hac retries
 * with backoff and decides from the error whether another attempt can help.
 */
export function buildahPushArgs(
  ref: string,
  digestfile: string,
  opts: { tlsVerify: boolean; manifest?: string },
): string[] {
  const tls = opts.tlsVerify ? [] : ['--tls-verify=false'];
  if (opts.manifest)
    return [
      'manifest',
      'push',
      '--all',
      ...tls,
      '--digestfile',
      digestfile,
      opts.manifest,
      `docker://${ref}`,
    ];
  return ['push', ...tls, '--retry', '0', '--digestfile', digestfile, ref, `docker://${ref}`];
}

export const buildahLoginArgs = (registry: string, username: string, tlsVerify: boolean): string[] => [
  'login',
  ...(tlsVerify ? [] : ['--tls-verify=false']),
  '--username',
  username,
  '--password-stdin',
  registry,
];

export const buildahLogoutArgs = (registry: string): string[] => ['logout', registry];

/** `buildah inspect` of an image: JSON whose OCIv1.config.Labels are the image's labels. */
export const buildahInspectArgs = (imageId: string): string[] => ['inspect', '--type', 'image', imageId];

/** The labels of `buildah inspect` output that differ from those wanted (names, sorted). */
export function staleLabels(inspectJson: string, want: Record<string, string>): string[] {
  let have: Record<string, string> = {};
  try {
    const parsed = JSON.parse(inspectJson) as { OCIv1?: { config?: { Labels?: Record<string, string> } } };
    have = parsed.OCIv1?.config?.Labels ?? {};
  } catch {
    return Object.keys(want).sort();
  }
  return Object.keys(want)
    .filter((k) => have[k] !== want[k])
    .sort();
}

/**
 * The commands that put the wanted labels on an image buildah reused from its layer cache (a
 * multi-stage build whose last step is cached keeps the labels of the build that made it):
 * a working container from the image, `config --label`, and a commit tagged with every ref.
 */
export function buildahRelabelArgs(
  imageId: string,
  container: string,
  labels: Record<string, string>,
  refs: readonly string[],
  iidfile: string,
): string[][] {
  const config = ['config'];
  for (const [k, v] of Object.entries(labels)) config.push('--label', `${k}=${v}`);
  const cmds = [
    ['from', '--pull=never', '--name', container, imageId],
    [...config, container],
    ['commit', '--iidfile', iidfile, '--rm', container, refs[0] ?? 'hac-relabelled'],
  ];
  if (refs.length > 1) cmds.push(['tag', refs[0] as string, ...refs.slice(1)]);
  return cmds;
}

/** Whether the build output shows a cached step ("Using cache" is what buildah prints). */
export const usedCache = (output: string): number => (output.match(/Using cache/g) ?? []).length;
