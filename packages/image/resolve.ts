// Resolving the checked inputs into a BuildRequest: the build context and Dockerfile (inside the
// workspace, existing), the files the named inputs point at, the tags from the git context and the
// metadata rules, and the registry logins. Nothing runs: every problem is one InputError.
import fs from 'node:fs';
import path from 'node:path';
import { InputError, workspacePath, type Problems, type WorkspaceOptions } from '@hac/toolkit';
import { BUILD_ARG_FORM, BUILD_ARG_KEY, ENV_NAME, LABEL_FORM, LABEL_KEY, SECRET_ENV_FORM } from './forms.js';
import { resolveCompat, type CompatRequest } from './compat.js';
import { gitTags, ociLabels, type GitContext, type GitTags, type LatestMode } from './metadata.js';
import { checkLogin, normaliseHost, parseRegistries, type RegistryLogin } from './registries.js';
import { parseRepository } from './reference.js';
import type { BuildRequest } from './request.js';
import {
  cachesOf,
  explicitRefs,
  noProblems,
  pairs,
  repositoriesOf,
  secretEnvsOf,
  secretsOf,
} from './rules.js';
import { Inputs, spec, type ImageValues } from './spec.js';
import { applyTagRules, parseTagRules } from './tag-rules.js';

/** The inputs once read and checked: `tags` holds no rules (those are in `tagRuleText`). */
export type ImageInputs = ImageValues & { readonly tagRuleText: string };

export interface ResolveOptions {
  git: GitContext;
  now: Date;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Registers secret values with the log masker as soon as they are known. */
  mask?: (secret: string | undefined) => void;
}

/** The registry host of a lowercased repository name. */
export function registryOf(repository: string): string {
  return parseRepository(repository).registry;
}

const statOf = (p: string) => fs.statSync(p, { throwIfNoEntry: false });

/** The build context and Dockerfile: inside the workspace (unless allowed), existing. */
function buildFiles(
  v: ImageValues,
  problems: Problems,
  where: WorkspaceOptions & { base: string },
): { context: string; file: string } {
  const inside = (name: string, value: string): string | undefined => {
    try {
      return workspacePath(value, where);
    } catch (err) {
      problems.add(name, value, (err as Error).message);
      return undefined;
    }
  };
  const context = inside(Inputs.context, v.context);
  const contextIsDir = context !== undefined && Boolean(statOf(context)?.isDirectory());
  if (context !== undefined && !contextIsDir)
    problems.add(Inputs.context, v.context, `a directory (${context} is not one)`);
  const file = v.file ? inside(Inputs.file, v.file) : context && path.join(context, 'Dockerfile');
  if (contextIsDir && file !== undefined && !statOf(file)?.isFile())
    problems.add(
      Inputs.file,
      v.file || path.relative(where.base, file),
      `an existing Dockerfile (${file} was not found)`,
    );
  return { context: context ?? '', file: file ?? '' };
}

interface Tagging {
  refs: string[];
  repositories: string[];
  version: string;
  tagSource: string;
}

/** The references to build: those `tags` names, then every image tagged from the git context. */
function resolveTags(
  v: ImageInputs,
  opts: ResolveOptions,
  flavor: CompatRequest['flavor'],
  problems: Problems,
  notes: string[],
): Tagging {
  const images = repositoriesOf(v.images, noProblems, notes);
  const refs = explicitRefs(v.tags, images, noProblems, notes);
  const latest = (flavor?.latest ?? v.latest) as LatestMode;
  const computed: GitTags = v.tagRuleText.trim()
    ? applyTagRules(parseTagRules(v.tagRuleText).rules, opts.git, { latest, now: opts.now, flavor })
    : gitTags(opts.git, { latest, sha: v['sha-tags'] });
  if (v['auto-tags']) for (const t of computed.tags) refs.push(...images.map((i) => `${i}:${t}`));
  if (images.length > 0 && v['auto-tags'] && computed.tags.length === 0 && v.tags.length === 0)
    problems.add(
      Inputs.images,
      v.images.join(', '),
      `tags to apply: the git context (${computed.source}) gives none, so set "tags"`,
    );
  if (v.push && refs.length === 0)
    problems.add(
      Inputs.tags,
      '',
      'at least one tag when push is true (set "tags", or "images" to tag from the git context)',
    );
  const unique = [...new Set(refs)];
  const version = computed.version || unique[0]?.slice(unique[0].lastIndexOf(':') + 1) || '';
  const repositories = [...new Set(unique.map((r) => r.slice(0, r.lastIndexOf(':'))))];
  return { refs: unique, repositories, version, tagSource: computed.source };
}

/** The `registries` logins, and the single registry/username/password one (default: the first image's registry). */
function resolveLogins(
  v: ImageValues,
  firstRepository: string | undefined,
  problems: Problems,
): RegistryLogin[] {
  const logins = parseRegistries(v.registries).logins;
  if (!v.username && !v.password && !v.registry) return logins;
  const host = v.registry || (firstRepository ? registryOf(firstRepository) : '');
  const one = checkLogin(
    { registry: host, username: v.username || undefined, password: v.password || undefined },
    'registry/username/password',
  );
  if (typeof one === 'string')
    problems.add(
      v.password && !v.username ? Inputs.password : Inputs.username,
      v.username,
      one.replace(/^registry\/username\/password: /, ''),
    );
  else if (logins.some((l) => l.registry === one.registry))
    problems.add(Inputs.registry, one.registry, 'a registry not also listed in "registries"');
  else logins.unshift(one);
  return logins;
}

/** secret-envs name variables that must be set for this step. */
function secretEnvsSet(v: ImageValues, env: NodeJS.ProcessEnv, problems: Problems) {
  const secretEnvs = secretEnvsOf(v['secret-envs'], noProblems);
  for (const s of secretEnvs)
    if (!ENV_NAME.test(s.env) || env[s.env] === undefined)
      problems.add(Inputs.secretEnvs, `${s.id}=${s.env}`, `${SECRET_ENV_FORM} (${s.env} is not set)`);
  return secretEnvs;
}

/** A problem list that shows secret inputs as *** (as readInputs does). */
function collector(): Problems & { problems: { input: string; value: string; expected: string }[] } {
  const problems: { input: string; value: string; expected: string }[] = [];
  const secret = (input: string) => (spec as Record<string, { secret?: boolean }>)[input]?.secret;
  return {
    problems,
    add: (input, value, expected) => problems.push({ input, value: secret(input) ? '***' : value, expected }),
  };
}

/** Resolves the checked inputs against the workspace, the environment and the git context. */
export function resolveRequest(v: ImageInputs, opts: ResolveOptions): BuildRequest {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const sink = collector();
  const notes: string[] = [];
  const where = { root: opts.cwd, base: cwd, env, allowOutside: v[Inputs.allowOutsideWorkspace] };
  const { context, file } = buildFiles(v, sink, where);
  const secretEnvs = secretEnvsSet(v, env, sink);
  const compat = resolveCompat(v, cwd, sink);
  const tagging = resolveTags(v, opts, compat.flavor, sink, notes);
  const logins = resolveLogins(v, tagging.repositories[0], sink);
  if (sink.problems.length > 0) throw new InputError(sink.problems);
  const labels = Object.fromEntries(
    pairs(v.labels, Inputs.labels, LABEL_KEY, LABEL_FORM, noProblems).map(({ key, value }) => [key, value]),
  );
  return {
    engine: v.engine,
    context,
    file,
    ...tagging,
    labels: ociLabels(opts.git, tagging.version, opts.now, labels),
    push: v.push,
    load: v.load,
    buildArgs: pairs(v['build-args'], Inputs.buildArgs, BUILD_ARG_KEY, BUILD_ARG_FORM, noProblems).map(
      ({ key, value }) => ({ name: key, value }),
    ),
    target: v.target || undefined,
    platforms: v.platforms,
    cacheFrom: cachesOf(Inputs.cacheFrom, v['cache-from'], 'from', noProblems),
    cacheTo: cachesOf(Inputs.cacheTo, v['cache-to'], 'to', noProblems),
    secrets: secretsOf(v.secrets, noProblems),
    secretEnvs,
    provenance: v.provenance || undefined,
    sbom: v.sbom || undefined,
    noCache: v['no-cache'],
    pull: v.pull,
    builder: v.builder || undefined,
    logins,
    insecureRegistries: v['insecure-registries'].map(normaliseHost),
    tlsVerify: v['tls-verify'],
    pushRetries: v['push-retries'],
    retryDelayMs: v['retry-delay'],
    logout: v.logout,
    ...compat,
    notes,
  };
}
