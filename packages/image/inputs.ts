// The action's inputs: names in one place, the spec, and the cross-input checks that turn raw text
// into a BuildRequest. Nothing here runs a command: every problem is reported before anything is built.
import fs from 'node:fs';
import path from 'node:path';
import {
  ALLOW_OUTSIDE_WORKSPACE,
  input,
  readInputs,
  workspaceInputs,
  workspacePath,
  type InputSource,
  type Problems,
  type WorkspaceOptions,
} from '@hac/toolkit';
import {
  BUILD_ARG_FORM,
  BUILD_ARG_KEY,
  CACHE_FORM,
  ENV_NAME,
  LABEL_FORM,
  LABEL_KEY,
  PLATFORM_FORM,
  SECRET_ENV_FORM,
  SECRET_FORM,
  SECRET_ID,
  keyValue,
  parseCache,
  validPlatform,
  type CacheSpec,
} from './forms.js';
import { gitTags, ociLabels, type GitContext, type LatestMode } from './metadata.js';
import { applyTagRules, parseTagRules, TAG_RULES_EXPECTED } from './tag-rules.js';
import {
  METADATA_DEFAULT_RULES,
  compatSpec,
  resolveCompat,
  tagsAreRules,
  type CompatRequest,
} from './compat.js';
import {
  REF_FORM,
  REPOSITORY_FORM,
  TAG_FORM,
  parseImageRef,
  parseRepository,
  tagProblem,
} from './reference.js';
import {
  REGISTRIES_FORM,
  checkLogin,
  normaliseHost,
  parseRegistries,
  type RegistryLogin,
} from './registries.js';

export const Inputs = {
  engine: 'engine',
  context: 'context',
  file: 'file',
  images: 'images',
  tags: 'tags',
  autoTags: 'auto-tags',
  tagRules: 'tag-rules',
  shaTags: 'sha-tags',
  latest: 'latest',
  push: 'push',
  load: 'load',
  buildArgs: 'build-args',
  target: 'target',
  platforms: 'platforms',
  cacheFrom: 'cache-from',
  cacheTo: 'cache-to',
  labels: 'labels',
  secrets: 'secrets',
  secretEnvs: 'secret-envs',
  provenance: 'provenance',
  sbom: 'sbom',
  noCache: 'no-cache',
  pull: 'pull',
  builder: 'builder',
  registries: 'registries',
  registry: 'registry',
  username: 'username',
  password: 'password',
  insecureRegistries: 'insecure-registries',
  tlsVerify: 'tls-verify',
  pushRetries: 'push-retries',
  retryDelay: 'retry-delay',
  logout: 'logout',
  allowOutsideWorkspace: ALLOW_OUTSIDE_WORKSPACE,
} as const;

export type EngineChoice = 'docker' | 'buildah' | 'auto';
export type Engine = Exclude<EngineChoice, 'auto'>;

const lines = () => input.list({ newlineOnly: true });

export const spec = {
  [Inputs.engine]: input.oneOf(['auto', 'docker', 'buildah'] as const, 'auto'),
  [Inputs.context]: input.string({ default: '.' }),
  [Inputs.file]: input.string(),
  [Inputs.images]: input.list(),
  [Inputs.tags]: input.list(),
  [Inputs.autoTags]: input.boolean(true),
  [Inputs.tagRules]: input.string({ trim: false, expected: TAG_RULES_EXPECTED }),
  [Inputs.shaTags]: input.boolean(true),
  [Inputs.latest]: input.oneOf(['auto', 'true', 'false'] as const, 'auto'),
  [Inputs.push]: input.boolean(false),
  [Inputs.load]: input.boolean(false),
  [Inputs.buildArgs]: lines(),
  [Inputs.target]: input.string({
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    expected: 'a stage name of letters, digits, ".", "_" and "-"',
  }),
  [Inputs.platforms]: input.list(),
  [Inputs.cacheFrom]: lines(),
  [Inputs.cacheTo]: lines(),
  [Inputs.labels]: lines(),
  [Inputs.secrets]: { ...lines(), secret: true },
  [Inputs.secretEnvs]: lines(),
  [Inputs.provenance]: input.string({
    pattern: /^(true|false|mode=(min|max)(,[a-z-]+=[^,]*)*|builder-id=.+)$/,
    expected: 'true, false or mode=min|max[,...]',
  }),
  [Inputs.sbom]: input.string({
    pattern: /^(true|false|generator=.+)$/,
    expected: 'true, false or generator=<image>',
  }),
  [Inputs.noCache]: input.boolean(false),
  [Inputs.pull]: input.boolean(false),
  [Inputs.builder]: input.string({
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    expected: 'a buildx builder name',
  }),
  [Inputs.registries]: { ...input.structured({ expected: REGISTRIES_FORM }), secret: true },
  [Inputs.registry]: input.string(),
  [Inputs.username]: input.string({
    pattern: /^[^\p{Cc}\s]+$/u,
    expected: 'a user name without spaces or control characters',
  }),
  [Inputs.password]: input.credential({ expected: 'a registry password or token' }),
  [Inputs.insecureRegistries]: input.list(),
  [Inputs.tlsVerify]: input.boolean(true),
  [Inputs.pushRetries]: input.integer({ min: 0, max: 20, default: 4 }),
  [Inputs.retryDelay]: input.duration({ default: '2s', max: '5m' }),
  [Inputs.logout]: input.boolean(true),
  ...workspaceInputs,
  ...compatSpec,
};

export interface BuildRequest extends CompatRequest {
  engine: EngineChoice;
  context: string;
  file: string;
  /** Full references to tag and push, repository lowercased, in order (first = primary). */
  refs: string[];
  /** Distinct repositories of `refs`, in order. */
  repositories: string[];
  version: string;
  tagSource: string;
  labels: Record<string, string>;
  push: boolean;
  load: boolean;
  buildArgs: { name: string; value: string }[];
  target?: string;
  platforms: string[];
  cacheFrom: CacheSpec[];
  cacheTo: CacheSpec[];
  /** Secret values: passed to the builder through its environment, never argv. */
  secrets: { id: string; value: string }[];
  secretEnvs: { id: string; env: string }[];
  provenance?: string;
  sbom?: string;
  noCache: boolean;
  pull: boolean;
  builder?: string;
  logins: RegistryLogin[];
  insecureRegistries: string[];
  tlsVerify: boolean;
  pushRetries: number;
  retryDelayMs: number;
  logout: boolean;
  /** Things worth telling the user (e.g. a repository that was lowercased). */
  notes: string[];
}

export interface ResolveOptions {
  git: GitContext;
  now: Date;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Registers secret values with the log masker as soon as they are known. */
  mask?: (secret: string | undefined) => void;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

type V = ReturnType<typeof readInputs<typeof spec>>;

/** The build context and Dockerfile: inside the workspace (unless allowed), existing. */
function buildFiles(
  v: V,
  problems: Problems,
  failed: ReadonlySet<string>,
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
  const context = failed.has(Inputs.context) ? undefined : inside(Inputs.context, v.context);
  if (context !== undefined && !isDir(context))
    problems.add(Inputs.context, v.context, `a directory (${context} is not one)`);
  const file = v.file ? inside(Inputs.file, v.file) : context && path.join(context, 'Dockerfile');
  if (context !== undefined && file !== undefined && isDir(context) && !isFile(file))
    problems.add(
      Inputs.file,
      v.file || path.relative(where.base, file),
      `an existing Dockerfile (${file} was not found)`,
    );
  return { context: context ?? '', file: file ?? '' };
}

function pairs(
  values: string[],
  name: string,
  keyPattern: RegExp,
  form: string,
  problems: Problems,
): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const line of values) {
    const kv = keyValue(line, keyPattern);
    if (kv) out.push(kv);
    else problems.add(name, line, form);
  }
  return out;
}

/**
 * Reads every input and resolves it against the git context and the file system.
 * Throws one InputError listing every problem; otherwise returns what to build.
 */
export function resolveInputs(source: InputSource, opts: ResolveOptions): BuildRequest {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const mask = opts.mask ?? (() => undefined);
  let request: BuildRequest | undefined;
  readInputs(spec, source, (v: V, problems, { failed, raw }) => {
    mask(v.password);
    const notes: string[] = [];
    // Build inputs.
    const where = { root: opts.cwd, base: cwd, env, allowOutside: v[Inputs.allowOutsideWorkspace] };
    const { context, file } = buildFiles(v, problems, failed, where);
    const buildArgs = pairs(v['build-args'], Inputs.buildArgs, BUILD_ARG_KEY, BUILD_ARG_FORM, problems).map(
      ({ key, value }) => ({ name: key, value }),
    );
    const userLabels = Object.fromEntries(
      pairs(v.labels, Inputs.labels, LABEL_KEY, LABEL_FORM, problems).map(({ key, value }) => [key, value]),
    );
    const secrets: { id: string; value: string }[] = [];
    for (const line of v.secrets) {
      const kv = keyValue(line, SECRET_ID);
      if (kv && kv.value.includes('\0')) {
        // The value reaches the builder as an environment variable, which cannot carry NUL.
        mask(kv.value);
        problems.add(Inputs.secrets, `${kv.key}=***`, `${SECRET_FORM}, the value without NUL characters`);
      } else if (kv && kv.value !== '') {
        mask(kv.value);
        secrets.push({ id: kv.key, value: kv.value });
      } else problems.add(Inputs.secrets, kv ? `${kv.key}=` : line.replace(/=.*/, '=***'), SECRET_FORM);
    }
    const secretEnvs = pairs(v['secret-envs'], Inputs.secretEnvs, SECRET_ID, SECRET_ENV_FORM, problems).map(
      ({ key, value }) => ({ id: key, env: value.trim() }),
    );
    for (const s of secretEnvs) {
      if (!ENV_NAME.test(s.env) || env[s.env] === undefined)
        problems.add(Inputs.secretEnvs, `${s.id}=${s.env}`, `${SECRET_ENV_FORM} (${s.env} is not set)`);
    }
    for (const p of v.platforms) if (!validPlatform(p)) problems.add(Inputs.platforms, p, PLATFORM_FORM);
    const caches = (name: string, list: string[], dir: 'from' | 'to') =>
      list.flatMap((entry) => {
        const c = parseCache(entry, dir);
        if (typeof c === 'string') {
          problems.add(name, entry, `${c} (${CACHE_FORM})`);
          return [];
        }
        return [c];
      });
    const cacheFrom = caches(Inputs.cacheFrom, v['cache-from'], 'from');
    const cacheTo = caches(Inputs.cacheTo, v['cache-to'], 'to');

    // Logins.
    const logins: RegistryLogin[] = [];
    if (!failed.has(Inputs.registries)) {
      const parsed = parseRegistries(v.registries);
      for (const p of parsed.problems) problems.add(Inputs.registries, '', `${REGISTRIES_FORM} (${p})`);
      for (const l of parsed.logins) mask(l.password);
      logins.push(...parsed.logins);
    }

    // Tags.
    const refs: string[] = [];
    // A downstream problem (no tags) is reported only when its own inputs are right.
    let imagesFailed = false;
    const images = v.images.flatMap((img) => {
      try {
        const repo = parseRepository(img);
        if (repo.lowercased)
          notes.push(
            `Image repository "${img}" was lowercased to "${repo.name}" (registries require lowercase repositories; tags keep their case).`,
          );
        return [repo.name];
      } catch {
        imagesFailed = true;
        problems.add(Inputs.images, img, REPOSITORY_FORM);
        return [];
      }
    });
    // metadata-action's `tags:` block pasted as is: the same rules, read as tag-rules.
    const rulesInTags = tagsAreRules(raw(Inputs.tags));
    if (rulesInTags && raw(Inputs.tagRules).trim())
      problems.add(
        Inputs.tags,
        raw(Inputs.tags).trim(),
        `references or bare tags: metadata-action rules (type=...) belong in "${Inputs.tagRules}", which is already set`,
      );
    if (rulesInTags) v.tags = [];
    const compat = resolveCompat(v, cwd, problems);
    let tagsFailed = failed.has(Inputs.tags);
    const badTag = (t: string, expected: string) => {
      tagsFailed = true;
      problems.add(Inputs.tags, t, expected);
    };
    for (const t of v.tags) {
      if (!t.includes('/') && !t.includes(':') && !t.includes('@')) {
        const problem = tagProblem(t);
        if (problem) problems.add(Inputs.tags, t, `${TAG_FORM} (${problem})`);
        else if (v.images.length === 0)
          problems.add(Inputs.tags, t, `${REF_FORM}; a bare tag needs "images" to apply to`);
        else refs.push(...images.map((i) => `${i}:${t}`));
        continue;
      }
      try {
        const ref = parseImageRef(t);
        if (ref.repository.lowercased) notes.push(`Repository in tag "${t}" was lowercased to "${ref.ref}".`);
        refs.push(ref.ref);
      } catch (err) {
        badTag(t, `a reference like ghcr.io/owner/app:1.2.3: ${(err as Error).message}`);
      }
    }
    const ruleText = rulesInTags
      ? raw(Inputs.tags)
      : v['tag-rules'] || (compat.flavor && !raw(Inputs.tagRules).trim() ? METADATA_DEFAULT_RULES : '');
    const ruleSet = parseTagRules(ruleText);
    for (const p of ruleSet.problems)
      problems.add(rulesInTags ? Inputs.tags : Inputs.tagRules, p.line, p.expected);
    if (rulesInTags && v.images.length === 0)
      problems.add(
        Inputs.images,
        '',
        'the repositories the tag rules in "tags" apply to (as metadata-action\'s images)',
      );
    if (ruleText.trim() && !v['auto-tags'])
      problems.add(
        Inputs.autoTags,
        'false',
        'true with "tag-rules" (the rules are how the git context tags the images)',
      );
    const latest = (compat.flavor?.latest ?? v.latest) as LatestMode;
    if (compat.flavor?.latest && v.latest !== 'auto' && v.latest !== compat.flavor.latest)
      problems.add(Inputs.latest, v.latest, `the same as flavor's latest=${compat.flavor.latest}, or unset`);
    const computed = ruleText.trim()
      ? applyTagRules(ruleSet.rules, opts.git, { latest, now: opts.now, flavor: compat.flavor })
      : gitTags(opts.git, { latest, sha: v['sha-tags'] });
    if (v['auto-tags']) for (const t of computed.tags) refs.push(...images.map((i) => `${i}:${t}`));
    const rulesFailed = ruleSet.problems.length > 0;
    if (
      images.length > 0 &&
      v['auto-tags'] &&
      computed.tags.length === 0 &&
      v.tags.length === 0 &&
      !rulesFailed
    ) {
      problems.add(
        Inputs.images,
        v.images.join(', '),
        `tags to apply: the git context (${computed.source}) gives none, so set "tags"`,
      );
    }
    const tagInputsFailed = tagsFailed || imagesFailed || rulesFailed || failed.has(Inputs.images);
    if (v.push && refs.length === 0 && !tagInputsFailed) {
      problems.add(
        Inputs.tags,
        '',
        'at least one tag when push is true (set "tags", or "images" to tag from the git context)',
      );
    }
    const uniqueRefs = [...new Set(refs)];
    const repositories = [...new Set(uniqueRefs.map((r) => r.slice(0, r.lastIndexOf(':'))))];

    // The single login inputs; a registry defaults to that of the first image.
    const loginFailed = failed.has(Inputs.username) || failed.has(Inputs.password);
    if ((v.username || v.password || v.registry) && !loginFailed) {
      const host = v.registry || (repositories[0] ? registryOf(repositories[0]) : '');
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
    }
    const insecure = v['insecure-registries'].map(normaliseHost);
    for (const [i, h] of insecure.entries())
      if (!/^[a-z0-9.-]+(:\d+)?$/.test(h))
        problems.add(
          Inputs.insecureRegistries,
          v['insecure-registries'][i] as string,
          'registry hosts such as 127.0.0.1:5000',
        );

    const version = computed.version || uniqueRefs[0]?.slice(uniqueRefs[0].lastIndexOf(':') + 1) || '';
    request = {
      engine: v.engine,
      context,
      file,
      refs: uniqueRefs,
      repositories,
      version,
      tagSource: computed.source,
      labels: ociLabels(opts.git, version, opts.now, userLabels),
      push: v.push,
      load: v.load,
      buildArgs,
      target: v.target || undefined,
      platforms: v.platforms,
      cacheFrom,
      cacheTo,
      secrets,
      secretEnvs,
      provenance: v.provenance || undefined,
      sbom: v.sbom || undefined,
      noCache: v['no-cache'],
      pull: v.pull,
      builder: v.builder || undefined,
      logins,
      insecureRegistries: insecure,
      tlsVerify: v['tls-verify'],
      pushRetries: v['push-retries'],
      retryDelayMs: v['retry-delay'],
      logout: v.logout,
      ...compat,
      notes,
    };
  });
  return request as BuildRequest;
}

/** The registry host of a lowercased repository name. */
export function registryOf(repository: string): string {
  return parseRepository(repository).registry;
}

/** Engine-specific limits, checked once the engine is known and still before anything is built. */
export function engineProblems(
  req: BuildRequest,
  engine: Engine,
): { input: string; value: string; expected: string }[] {
  const out: { input: string; value: string; expected: string }[] = [];
  if (engine === 'buildah') {
    for (const [name, list] of [
      [Inputs.cacheFrom, req.cacheFrom],
      [Inputs.cacheTo, req.cacheTo],
    ] as const) {
      for (const c of list) {
        if (c.type !== 'registry')
          out.push({
            input: name,
            value: c.raw,
            expected: `type=registry,ref=<repository> with engine buildah (type=${c.type} needs engine docker)`,
          });
      }
    }
    if (req.builder)
      out.push({
        input: Inputs.builder,
        value: req.builder,
        expected: 'no builder with engine buildah (it names a buildx builder)',
      });
  }
  return out;
}
