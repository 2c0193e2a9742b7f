// Inputs named as docker/build-push-action and docker/metadata-action name them: network,
// build-contexts, secret-files, ssh, outputs, annotations and flavor. Parsed here into plain data,
// every problem naming the input, its value and the expected form; nothing runs.
import fs from 'node:fs';
import path from 'node:path';
import { input, type Problems, type Rule } from '@hac/toolkit';
import { SECRET_ID, keyValue } from './forms.js';
import type { LatestMode } from './metadata.js';

export const CompatInputs = {
  network: 'network',
  buildContexts: 'build-contexts',
  secretFiles: 'secret-files',
  ssh: 'ssh',
  outputs: 'outputs',
  annotations: 'annotations',
  flavor: 'flavor',
} as const;

const lines = () => input.list({ newlineOnly: true });

export const NETWORK_FORM = 'default, none or host';
export const BUILD_CONTEXT_FORM =
  'name=<dir> | name=docker-image://<ref> | name=target:<stage> | name=oci-layout://<dir> | name=https://... lines';
export const SECRET_FILE_FORM = 'id=<path to a file> lines';
export const SSH_FORM = 'default, default=<agent socket or key>, or <id>=<socket or key path> lines';
export const OUTPUT_FORM =
  'csv lines such as type=local,dest=<dir>, type=tar,dest=<file>, type=docker, type=registry, type=image,name=<ref>,push=true or type=oci,dest=<file>';
export const OUTPUT_TYPES = ['local', 'tar', 'oci', 'docker', 'image', 'registry', 'cacheonly'] as const;
export const ANNOTATION_FORM =
  '[manifest:|index:|manifest-descriptor:|index-descriptor:][<platform>]key=value lines';
export const FLAVOR_FORM =
  'latest=auto|true|false, prefix=<text>[,onlatest=true], suffix=<text>[,onlatest=true] lines';

export const compatSpec = {
  [CompatInputs.network]: input.oneOf(['default', 'none', 'host'] as const, 'default'),
  [CompatInputs.buildContexts]: lines(),
  [CompatInputs.secretFiles]: lines(),
  [CompatInputs.ssh]: lines(),
  [CompatInputs.outputs]: lines(),
  [CompatInputs.annotations]: lines(),
  [CompatInputs.flavor]: lines(),
};

export interface Flavor {
  latest?: LatestMode;
  prefix: string;
  prefixOnLatest: boolean;
  suffix: string;
  suffixOnLatest: boolean;
}

export interface CompatRequest {
  network?: 'none' | 'host';
  buildContexts: { name: string; value: string }[];
  secretFiles: { id: string; src: string }[];
  ssh: string[];
  outputs: { type: string; raw: string }[];
  annotations: string[];
  flavor?: Flavor;
}

export type CompatValues = { [K in keyof typeof compatSpec]: ReturnType<(typeof compatSpec)[K]['parse']> };

const exists = (p: string, kind: 'file' | 'dir' | 'any'): boolean => {
  try {
    const st = fs.statSync(p);
    return kind === 'any' || (kind === 'file' ? st.isFile() : st.isDirectory());
  } catch {
    return false;
  }
};

const REMOTE_CONTEXT = /^(docker-image:\/\/|target:|oci-layout:\/\/|https?:\/\/|git@|ssh:\/\/)/;

function buildContexts(list: string[], cwd: string, problems: Problems): CompatRequest['buildContexts'] {
  return list.flatMap((line) => {
    const kv = keyValue(line, /^[A-Za-z0-9][A-Za-z0-9._/:-]*$/);
    if (!kv || !kv.value.trim()) {
      problems.add(CompatInputs.buildContexts, line, BUILD_CONTEXT_FORM);
      return [];
    }
    const value = kv.value.trim();
    if (REMOTE_CONTEXT.test(value)) return [{ name: kv.key, value }];
    const dir = path.resolve(cwd, value);
    if (!exists(dir, 'dir')) {
      problems.add(CompatInputs.buildContexts, line, `${BUILD_CONTEXT_FORM} (${dir} is not a directory)`);
      return [];
    }
    return [{ name: kv.key, value: dir }];
  });
}

function secretFiles(list: string[], cwd: string, problems: Problems): CompatRequest['secretFiles'] {
  return list.flatMap((line) => {
    const kv = keyValue(line, SECRET_ID);
    const src = kv ? path.resolve(cwd, kv.value.trim()) : '';
    if (!kv || !kv.value.trim() || !exists(src, 'file')) {
      problems.add(
        CompatInputs.secretFiles,
        line,
        kv && kv.value.trim() ? `${SECRET_FILE_FORM} (${src} is not a file)` : SECRET_FILE_FORM,
      );
      return [];
    }
    return [{ id: kv.key, src }];
  });
}

function sshEntries(list: string[], cwd: string, problems: Problems): string[] {
  return list.flatMap((line) => {
    const m = /^([A-Za-z0-9_][A-Za-z0-9._-]*)(?:=(.+))?$/.exec(line.trim());
    if (!m) {
      problems.add(CompatInputs.ssh, line, SSH_FORM);
      return [];
    }
    const [, id, paths] = m as unknown as [string, string, string | undefined];
    if (paths === undefined) return [id];
    const resolved = paths.split(',').map((p) => path.resolve(cwd, p.trim()));
    const missing = resolved.find((p) => !exists(p, 'any'));
    if (missing) {
      problems.add(CompatInputs.ssh, line, `${SSH_FORM} (${missing} does not exist)`);
      return [];
    }
    return [`${id}=${resolved.join(',')}`];
  });
}

function outputs(list: readonly string[], problems: Problems): CompatRequest['outputs'] {
  return list.flatMap((line) => {
    const raw = line.trim();
    const attrs = Object.fromEntries(
      raw.split(',').map((p) => [p.split('=')[0]?.trim(), p.slice(p.indexOf('=') + 1)]),
    );
    // buildx also takes a bare path for type=local,dest=<path>, and "-" for a tar on stdout (not for an action).
    const type = raw.includes('=') ? attrs.type : 'local';
    if (!type || !(OUTPUT_TYPES as readonly string[]).includes(type) || raw === '-') {
      problems.add(CompatInputs.outputs, line, OUTPUT_FORM);
      return [];
    }
    if (['local', 'tar', 'oci'].includes(type) && raw.includes('=') && !attrs.dest) {
      problems.add(CompatInputs.outputs, line, `${OUTPUT_FORM} (type=${type} needs dest=)`);
      return [];
    }
    return [{ type, raw: raw.includes('=') ? raw : `type=local,dest=${raw}` }];
  });
}

const ANNOTATION =
  /^(?:(manifest|index|manifest-descriptor|index-descriptor)(?:\[[a-z0-9/,]+\])?:)?[A-Za-z0-9][A-Za-z0-9._/-]*=/;

export function flavorOf(list: readonly string[], problems: Problems): Flavor | undefined {
  if (list.length === 0) return undefined;
  const f: Flavor = { prefix: '', prefixOnLatest: false, suffix: '', suffixOnLatest: false };
  for (const line of list) {
    const attrs: Record<string, string> = {};
    for (const part of line.split(',')) {
      const kv = keyValue(part.trim(), /^[a-z]+$/);
      if (kv) attrs[kv.key] = kv.value.trim();
    }
    const key = Object.keys(attrs)[0];
    const onlatest = attrs.onlatest;
    const okOnLatest = onlatest === undefined || onlatest === 'true' || onlatest === 'false';
    if (
      key === 'latest' &&
      ['auto', 'true', 'false'].includes(attrs.latest ?? '') &&
      Object.keys(attrs).length === 1
    )
      f.latest = attrs.latest as LatestMode;
    else if (
      (key === 'prefix' || key === 'suffix') &&
      okOnLatest &&
      Object.keys(attrs).length <= 2 &&
      (Object.keys(attrs).length === 1 || onlatest !== undefined)
    ) {
      f[key] = attrs[key] ?? '';
      f[key === 'prefix' ? 'prefixOnLatest' : 'suffixOnLatest'] = onlatest === 'true';
    } else problems.add(CompatInputs.flavor, line, FLAVOR_FORM);
  }
  return f;
}

export const annotationsForm: Rule<CompatValues> = (v, problems) => {
  for (const a of v.annotations)
    if (!ANNOTATION.test(a.trim())) problems.add(CompatInputs.annotations, a, ANNOTATION_FORM);
};
export const outputsForm: Rule<CompatValues> = (v, problems) => void outputs(v.outputs, problems);
export const flavorForm: Rule<CompatValues> = (v, problems) => void flavorOf(v.flavor, problems);

/**
 * Resolves the build-push-action / metadata-action named inputs (annotationsForm, outputsForm and
 * flavorForm checked their forms before): the paths of build-contexts,
 * secret-files and ssh against `cwd` (each must exist); the rest as compatRules checked it.
 */
export function resolveCompat(v: CompatValues, cwd: string, problems: Problems): CompatRequest {
  return {
    ...(v.network !== 'default' ? { network: v.network } : {}),
    buildContexts: buildContexts(v['build-contexts'], cwd, problems),
    secretFiles: secretFiles(v['secret-files'], cwd, problems),
    ssh: sshEntries(v.ssh, cwd, problems),
    outputs: outputs(v.outputs, problems),
    annotations: v.annotations.map((a) => a.trim()),
    ...(v.flavor.length > 0 ? { flavor: flavorOf(v.flavor, problems) } : {}),
  };
}

/** metadata-action's default tag rules, used when `flavor` is given without rules. */
export const METADATA_DEFAULT_RULES =
  'type=schedule\ntype=ref,event=branch\ntype=ref,event=tag\ntype=ref,event=pr';

/**
 * Whether a `tags` input holds metadata-action rules (a line starting with `type=`), as pasted
 * from metadata-action's `tags:` block. Such lines are newline-separated and contain commas.
 */
export const tagsAreRules = (raw: string): boolean => raw.split(/\r?\n/).some((l) => /^\s*type=/.test(l));
