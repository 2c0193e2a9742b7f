// The cross-input rules of docker-build-push: each a small named check on the parsed values that
// adds a problem naming the input, its value and the expected form. Pure: no file, git context or
// environment is read here (resolving them comes after, in resolve.ts).
import type { Problems, Rule, RuleContext } from '@hac/toolkit';
import {
  BUILD_ARG_FORM,
  BUILD_ARG_KEY,
  CACHE_FORM,
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
import {
  METADATA_DEFAULT_RULES,
  annotationsForm,
  flavorForm,
  flavorOf,
  outputsForm,
  tagsAreRules,
} from './compat.js';
import {
  REF_FORM,
  REPOSITORY_FORM,
  TAG_FORM,
  parseImageRef,
  parseRepository,
  tagProblem,
} from './reference.js';
import { REGISTRIES_FORM, normaliseHost, parseRegistries } from './registries.js';
import { Inputs, type ImageValues } from './spec.js';
import { parseTagRules } from './tag-rules.js';

type ImageRule = Rule<ImageValues>;

/** No problem is wanted: for re-reading values the rules already passed. */
export const noProblems: Problems = { add: () => undefined };

/** key=value lines; a line of another form is a problem of `name`. */
export function pairs(
  values: readonly string[],
  name: string,
  keyPattern: RegExp,
  form: string,
  problems: Problems,
): { key: string; value: string }[] {
  return values.flatMap((line) => {
    const kv = keyValue(line, keyPattern);
    if (!kv) problems.add(name, line, form);
    return kv ? [kv] : [];
  });
}

export const buildArgsForm: ImageRule = (v, problems) =>
  void pairs(v['build-args'], Inputs.buildArgs, BUILD_ARG_KEY, BUILD_ARG_FORM, problems);

export const labelsForm: ImageRule = (v, problems) =>
  void pairs(v.labels, Inputs.labels, LABEL_KEY, LABEL_FORM, problems);

/** id=value secrets; the value is never shown, and cannot hold NUL (an environment variable carries it). */
export function secretsOf(lines: readonly string[], problems: Problems): { id: string; value: string }[] {
  return lines.flatMap((line) => {
    const kv = keyValue(line, SECRET_ID);
    if (kv && kv.value.includes('\0'))
      problems.add(Inputs.secrets, `${kv.key}=***`, `${SECRET_FORM}, the value without NUL characters`);
    else if (kv && kv.value !== '') return [{ id: kv.key, value: kv.value }];
    else problems.add(Inputs.secrets, kv ? `${kv.key}=` : line.replace(/=.*/, '=***'), SECRET_FORM);
    return [];
  });
}

export const secretsForm: ImageRule = (v, problems) => void secretsOf(v.secrets, problems);

export const secretEnvsOf = (lines: readonly string[], problems: Problems): { id: string; env: string }[] =>
  pairs(lines, Inputs.secretEnvs, SECRET_ID, SECRET_ENV_FORM, problems).map(({ key, value }) => ({
    id: key,
    env: value.trim(),
  }));

export const secretEnvsForm: ImageRule = (v, problems) => void secretEnvsOf(v['secret-envs'], problems);

export const platformsForm: ImageRule = (v, problems) => {
  for (const p of v.platforms) if (!validPlatform(p)) problems.add(Inputs.platforms, p, PLATFORM_FORM);
};

export function cachesOf(
  name: string,
  list: readonly string[],
  dir: 'from' | 'to',
  problems: Problems,
): CacheSpec[] {
  return list.flatMap((entry) => {
    const c = parseCache(entry, dir);
    if (typeof c !== 'string') return [c];
    problems.add(name, entry, `${c} (${CACHE_FORM})`);
    return [];
  });
}

export const cacheForm: ImageRule = (v, problems) => {
  cachesOf(Inputs.cacheFrom, v['cache-from'], 'from', problems);
  cachesOf(Inputs.cacheTo, v['cache-to'], 'to', problems);
};

export const registriesForm: ImageRule = (v, problems, { failed }) => {
  if (failed.has(Inputs.registries)) return;
  for (const p of parseRegistries(v.registries).problems)
    problems.add(Inputs.registries, '', `${REGISTRIES_FORM} (${p})`);
};

/** The lowercased repositories of `images`, with a note for each that was lowercased. */
export function repositoriesOf(
  images: readonly string[],
  problems: Problems,
  notes: string[] = [],
): string[] {
  return images.flatMap((img) => {
    try {
      const repo = parseRepository(img);
      if (repo.lowercased)
        notes.push(
          `Image repository "${img}" was lowercased to "${repo.name}" (registries require lowercase repositories; tags keep their case).`,
        );
      return [repo.name];
    } catch {
      problems.add(Inputs.images, img, REPOSITORY_FORM);
      return [];
    }
  });
}

export const imagesForm: ImageRule = (v, problems) => void repositoriesOf(v.images, problems);

/** The references `tags` names: full references, or bare tags applied to every repository. */
export function explicitRefs(
  tags: readonly string[],
  repositories: readonly string[],
  problems: Problems,
  notes: string[] = [],
): string[] {
  return tags.flatMap((t) => {
    if (!t.includes('/') && !t.includes(':') && !t.includes('@')) {
      const problem = tagProblem(t);
      if (problem) problems.add(Inputs.tags, t, `${TAG_FORM} (${problem})`);
      else if (repositories.length === 0)
        problems.add(Inputs.tags, t, `${REF_FORM}; a bare tag needs "images" to apply to`);
      return problem ? [] : repositories.map((i) => `${i}:${t}`);
    }
    try {
      const ref = parseImageRef(t);
      if (ref.repository.lowercased) notes.push(`Repository in tag "${t}" was lowercased to "${ref.ref}".`);
      return [ref.ref];
    } catch (err) {
      problems.add(Inputs.tags, t, `a reference like ghcr.io/owner/app:1.2.3: ${(err as Error).message}`);
      return [];
    }
  });
}

/** metadata-action's `tags:` block pasted as is: rules (type=...) read from `tags`. */
export const rulesInTags = (raw: RuleContext['raw']): boolean => tagsAreRules(raw(Inputs.tags));

/** The tag rules to apply: from `tags` when it holds rules, else `tag-rules`, else flavor's defaults. */
export function tagRuleText(v: ImageValues, raw: RuleContext['raw']): string {
  if (rulesInTags(raw)) return raw(Inputs.tags);
  return (
    v['tag-rules'] || (v.flavor.length > 0 && !raw(Inputs.tagRules).trim() ? METADATA_DEFAULT_RULES : '')
  );
}

export const tagsOrTagRules: ImageRule = (_v, problems, { raw }) => {
  if (rulesInTags(raw) && raw(Inputs.tagRules).trim())
    problems.add(
      Inputs.tags,
      raw(Inputs.tags).trim(),
      `references or bare tags: metadata-action rules (type=...) belong in "${Inputs.tagRules}", which is already set`,
    );
};

export const tagsForm: ImageRule = (v, problems, { raw }) => {
  if (!rulesInTags(raw)) explicitRefs(v.tags, v.images, problems);
};

export const tagRulesForm: ImageRule = (v, problems, { raw }) => {
  for (const p of parseTagRules(tagRuleText(v, raw)).problems)
    problems.add(rulesInTags(raw) ? Inputs.tags : Inputs.tagRules, p.line, p.expected);
};

export const rulesInTagsNeedImages: ImageRule = (v, problems, { raw }) => {
  if (rulesInTags(raw) && v.images.length === 0)
    problems.add(
      Inputs.images,
      '',
      'the repositories the tag rules in "tags" apply to (as metadata-action\'s images)',
    );
};

export const tagRulesNeedAutoTags: ImageRule = (v, problems, { raw }) => {
  if (tagRuleText(v, raw).trim() && !v['auto-tags'])
    problems.add(
      Inputs.autoTags,
      'false',
      'true with "tag-rules" (the rules are how the git context tags the images)',
    );
};

export const latestMatchesFlavor: ImageRule = (v, problems) => {
  const latest = flavorOf(v.flavor, noProblems)?.latest;
  if (latest && v.latest !== 'auto' && v.latest !== latest)
    problems.add(Inputs.latest, v.latest, `the same as flavor's latest=${latest}, or unset`);
};

export const insecureRegistriesForm: ImageRule = (v, problems) => {
  for (const h of v['insecure-registries'])
    if (!/^[a-z0-9.-]+(:\d+)?$/.test(normaliseHost(h)))
      problems.add(Inputs.insecureRegistries, h, 'registry hosts such as 127.0.0.1:5000');
};

/** Every rule by name, in the order their problems are listed. */
export const rulesByName = {
  buildArgsForm,
  labelsForm,
  secretsForm,
  secretEnvsForm,
  platformsForm,
  cacheForm,
  registriesForm,
  imagesForm,
  tagsOrTagRules,
  annotationsForm,
  outputsForm,
  flavorForm,
  tagsForm,
  tagRulesForm,
  rulesInTagsNeedImages,
  tagRulesNeedAutoTags,
  latestMatchesFlavor,
  insecureRegistriesForm,
} as const satisfies Record<string, ImageRule>;

export const imageRules: readonly ImageRule[] = Object.values(rulesByName);
