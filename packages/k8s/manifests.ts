// Reading manifests: files or globs, multi-document YAML (and `kind: List`), with every problem
// reported as an error that names the file and document.
import fs from 'node:fs';
import path from 'node:path';
import {
  assertInWorkspace,
  onFirstUse,
  parseYamlDocumentsBounded,
  readWorkspaceFile,
  workspacePath,
  workspaceRoot,
  YAML_MAX_ALIASES,
  yamlErrorMessage,
  type WorkspaceOptions,
} from '@hac/toolkit';
import type { KubeObject } from './objects.js';

/** fast-glob, loaded when the first pattern or directory is expanded (toolkit's lazy.ts). */
const glob = onFirstUse<typeof import('fast-glob')>(
  'fast-glob',
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundler's lazy require (lazy.ts)
  () => require('fast-glob'),
);

/** The largest manifest file read and parsed, in bytes. */
export const MANIFEST_FILE_LIMIT = 4 * 1024 * 1024;

/** Where manifests are read: the workspace (its root is the working directory by default). */
export interface ManifestOptions {
  cwd?: string;
  allowOutside?: boolean;
  env?: NodeJS.ProcessEnv;
}

function where(opts: string | ManifestOptions | undefined): WorkspaceOptions & { base: string } {
  const o = typeof opts === 'string' ? { cwd: opts } : (opts ?? {});
  const root = workspaceRoot({ root: o.cwd, env: o.env });
  return { root, base: o.cwd ?? process.cwd(), allowOutside: o.allowOutside, env: o.env };
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** The files one pattern names: glob matches, a directory's YAML/JSON files, or the file itself. */
function matchesOf(pattern: string, w: WorkspaceOptions & { base: string }): string[] {
  if (glob().isDynamicPattern(pattern))
    return glob().sync(pattern, { cwd: w.base, absolute: true, onlyFiles: true, dot: false }).sort();
  let file: string;
  try {
    file = workspacePath(pattern, w);
  } catch (err) {
    throw new ManifestError(`manifests: expected ${(err as Error).message}`);
  }
  if (!fs.existsSync(file)) return [];
  if (!fs.statSync(file).isDirectory()) return [file];
  return glob().sync('**/*.{yaml,yml,json}', { cwd: file, absolute: true }).sort();
}

/**
 * Expands file paths and globs (relative to cwd). Each pattern must match at least one file, and
 * every match must be inside the workspace (symlinks followed) unless `allowOutside` is set.
 */
export function expandManifestPaths(patterns: string[], opts?: string | ManifestOptions): string[] {
  const w = where(opts);
  const files: string[] = [];
  for (const pattern of patterns) {
    const matches = matchesOf(pattern, w);
    if (matches.length === 0)
      throw new ManifestError(`manifests: "${pattern}" matches no file (relative to ${w.base})`);
    for (const f of matches) {
      try {
        assertInWorkspace(f, w);
      } catch {
        throw new ManifestError(
          `manifests: "${pattern}" matches ${f}, outside the workspace ${w.root}; expected files inside it (set allow-paths-outside-workspace: true to allow that)`,
        );
      }
      if (!files.includes(f)) files.push(f);
    }
  }
  return files;
}

/** Parses multi-document YAML into objects; `source` names the file in errors. */
export function parseManifests(
  text: string,
  source = 'manifest',
  maxBytes = MANIFEST_FILE_LIMIT,
): KubeObject[] {
  let docs: ReturnType<typeof parseYamlDocumentsBounded>;
  try {
    docs = parseYamlDocumentsBounded(text, maxBytes);
  } catch (err) {
    throw new ManifestError(`${source}: ${(err as Error).message}`);
  }
  const out: KubeObject[] = [];
  docs.forEach((doc, i) => {
    const where = `${source} (document ${i + 1})`;
    if (doc.errors.length > 0) {
      const e = doc.errors[0] as { message: string; linePos?: { line: number; col: number }[] };
      const line = e.linePos?.[0] ? ` at line ${e.linePos[0].line}` : '';
      throw new ManifestError(`${where}: malformed YAML${line}: ${yamlErrorMessage(e)}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: YAML_MAX_ALIASES }) as unknown;
    } catch (err) {
      throw new ManifestError(`${where}: ${yamlErrorMessage(err)}`);
    }
    if (value === null || value === undefined) return;
    for (const obj of expandList(value, where)) out.push(checkObject(obj, where));
  });
  return out;
}

function expandList(value: unknown, where: string): unknown[] {
  if (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'List') {
    const items = (value as { items?: unknown }).items;
    if (!Array.isArray(items)) throw new ManifestError(`${where}: a List must have an items array`);
    return items;
  }
  return [value];
}

function checkObject(value: unknown, where: string): KubeObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestError(
      `${where}: expected a Kubernetes object (a map with apiVersion, kind and metadata.name), got ${Array.isArray(value) ? 'a list' : typeof value}`,
    );
  }
  const o = value as Record<string, unknown>;
  const missing = ['apiVersion', 'kind'].filter((k) => typeof o[k] !== 'string' || o[k] === '');
  const meta = o.metadata as Record<string, unknown> | undefined;
  if (!meta || typeof meta.name !== 'string' || meta.name === '') missing.push('metadata.name');
  if (missing.length) throw new ManifestError(`${where}: missing ${missing.join(', ')}`);
  const name = (meta as { name: string }).name;
  if (!NAME.test(name) || name.length > 253)
    throw new ManifestError(
      `${where}: metadata.name "${name}" is not a valid Kubernetes name (lower-case letters, digits, '-' and '.')`,
    );
  return value as KubeObject;
}

/** Reads every file matched by `patterns` (at most MANIFEST_FILE_LIMIT bytes each) and parses it. */
export function loadManifests(patterns: string[], opts?: string | ManifestOptions): KubeObject[] {
  const w = where(opts);
  const objects: KubeObject[] = [];
  for (const file of expandManifestPaths(patterns, opts)) {
    const rel = path.relative(w.base, file) || file;
    let text: string;
    try {
      text = readWorkspaceFile(file, { ...w, maxBytes: MANIFEST_FILE_LIMIT }).text;
    } catch (err) {
      throw new ManifestError(`manifests: expected ${(err as Error).message}`);
    }
    objects.push(...parseManifests(text, rel));
  }
  if (objects.length === 0) throw new ManifestError(`manifests: the files contain no Kubernetes objects`);
  return objects;
}
