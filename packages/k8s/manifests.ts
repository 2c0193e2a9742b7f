// Reading manifests: files or globs, multi-document YAML (and `kind: List`), with every problem
// reported as an error that names the file and document.
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './objects.js';

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Expands file paths and globs (relative to cwd). Each pattern must match at least one file. */
export function expandManifestPaths(patterns: string[], cwd: string = process.cwd()): string[] {
  const files: string[] = [];
  for (const pattern of patterns) {
    const isGlob = fg.isDynamicPattern(pattern);
    const matches = isGlob
      ? fg.sync(pattern, { cwd, absolute: true, onlyFiles: true, dot: false }).sort()
      : fs.existsSync(path.resolve(cwd, pattern))
        ? fs.statSync(path.resolve(cwd, pattern)).isDirectory()
          ? fg.sync('**/*.{yaml,yml,json}', { cwd: path.resolve(cwd, pattern), absolute: true }).sort()
          : [path.resolve(cwd, pattern)]
        : [];
    if (matches.length === 0)
      throw new ManifestError(`manifests: "${pattern}" matches no file (relative to ${cwd})`);
    for (const f of matches) if (!files.includes(f)) files.push(f);
  }
  return files;
}

/** Parses multi-document YAML into objects; `source` names the file in errors. */
export function parseManifests(text: string, source = 'manifest'): KubeObject[] {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const out: KubeObject[] = [];
  docs.forEach((doc, i) => {
    const where = `${source} (document ${i + 1})`;
    if (doc.errors.length > 0) {
      const e = doc.errors[0] as { message: string; linePos?: { line: number; col: number }[] };
      const line = e.linePos?.[0] ? ` at line ${e.linePos[0].line}` : '';
      throw new ManifestError(`${where}: malformed YAML${line}: ${e.message.split('\n')[0]}`);
    }
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
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

/** Reads every file matched by `patterns` and parses it. */
export function loadManifests(patterns: string[], cwd: string = process.cwd()): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const file of expandManifestPaths(patterns, cwd)) {
    const rel = path.relative(cwd, file) || file;
    objects.push(...parseManifests(fs.readFileSync(file, 'utf8'), rel));
  }
  if (objects.length === 0) throw new ManifestError(`manifests: the files contain no Kubernetes objects`);
  return objects;
}
