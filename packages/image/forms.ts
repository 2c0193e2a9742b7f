// Parsers for the small textual forms build-push-action users already write:
// NAME=value build args, id=value secrets, key=value labels, csv cache specs and os/arch platforms.

export const BUILD_ARG_FORM = 'NAME=value lines (NAME of letters, digits and "_", not starting with a digit)';
export const LABEL_FORM = 'key=value lines (key of letters, digits, ".", "-", "_" and "/")';
export const SECRET_FORM = 'id=value lines (id of letters, digits, ".", "-" and "_")';
export const SECRET_ENV_FORM = 'id=ENV_NAME lines naming an environment variable set for this step';
export const PLATFORM_FORM = 'os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8';
export const CACHE_FORM =
  'csv such as type=registry,ref=<image>,mode=max or type=gha; types: registry, gha, local, inline, s3, azblob';

export interface KeyValue {
  key: string;
  value: string;
}

/** Splits `key=value` at the first "="; returns undefined when there is no "=" or the key fails `keyPattern`. */
export function keyValue(line: string, keyPattern: RegExp): KeyValue | undefined {
  const eq = line.indexOf('=');
  if (eq <= 0) return undefined;
  const key = line.slice(0, eq).trim();
  if (!keyPattern.test(key)) return undefined;
  return { key, value: line.slice(eq + 1) };
}

export const BUILD_ARG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
export const SECRET_ID = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const OSES = new Set([
  'linux',
  'windows',
  'darwin',
  'freebsd',
  'netbsd',
  'openbsd',
  'solaris',
  'illumos',
  'aix',
  'plan9',
  'wasip1',
  'js',
]);
const ARCHES = new Set([
  'amd64',
  'arm64',
  'arm',
  '386',
  'ppc64le',
  'ppc64',
  's390x',
  'riscv64',
  'mips64le',
  'mips64',
  'mipsle',
  'mips',
  'loong64',
  'wasm',
]);

export function validPlatform(p: string): boolean {
  const parts = p.split('/');
  if (parts.length < 2 || parts.length > 3) return false;
  const [os, arch, variant] = parts as [string, string, string | undefined];
  return OSES.has(os) && ARCHES.has(arch) && (variant === undefined || /^v?[0-9a-z]+$/.test(variant));
}

export const CACHE_TYPES = ['registry', 'local', 'inline', 'gha', 's3', 'azblob'] as const;
export type CacheType = (typeof CACHE_TYPES)[number];

export interface CacheSpec {
  type: CacheType;
  /** Every attribute, in the order given (type first), e.g. { type: 'registry', ref: '...', mode: 'max' }. */
  attrs: Record<string, string>;
  /** The text as buildx takes it. */
  raw: string;
}

/**
 * Parses one cache-from/cache-to entry. A bare reference (no "=") means type=registry,ref=<it>
 * for cache-from, as buildx reads it; cache-to must say its type.
 */
export function parseCache(entry: string, direction: 'from' | 'to'): CacheSpec | string {
  const text = entry.trim();
  if (!text.includes('=')) {
    if (direction === 'to') return `cache-to needs an explicit type, e.g. type=registry,ref=${text},mode=max`;
    return { type: 'registry', attrs: { type: 'registry', ref: text }, raw: text };
  }
  const attrs: Record<string, string> = {};
  for (const part of text.split(',')) {
    const kv = keyValue(part.trim(), /^[a-z_][a-z0-9_-]*$/i);
    if (!kv) return `"${part}" is not key=value`;
    attrs[kv.key] = kv.value;
  }
  const type = attrs.type;
  if (!type) return `cache-${direction} entry "${text}" has no type=`;
  if (!(CACHE_TYPES as readonly string[]).includes(type)) return `unknown cache type "${type}"`;
  if (type === 'registry' && !attrs.ref) return 'type=registry needs ref=<image>';
  if (type === 'local' && direction === 'to' && !attrs.dest) return 'type=local needs dest=<dir>';
  if (type === 'local' && direction === 'from' && !attrs.src) return 'type=local needs src=<dir>';
  return { type: type as CacheType, attrs, raw: text };
}
