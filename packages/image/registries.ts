// Which registries to log in to, from the `registries` YAML list or the single registry/username/password inputs.
import { ecrRegistry } from './reference.js';

export interface RegistryLogin {
  registry: string;
  username?: string;
  password?: string;
  /** Set when the host is ECR private and no username was given: the token comes from GetAuthorizationToken. */
  ecr?: { accountId: string; region: string };
}

export const REGISTRIES_FORM = 'a YAML list of {registry, username, password} (ECR hosts need only registry)';
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$/i;

/** A registry host without scheme or path: https://ghcr.io/ → ghcr.io. */
export function normaliseHost(text: string): string {
  return text
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
}

/** Checks one login; returns the problem or the normalised login. */
export function checkLogin(
  entry: { registry?: unknown; username?: unknown; password?: unknown },
  where: string,
): RegistryLogin | string {
  const { registry, username, password } = entry;
  for (const [k, v] of Object.entries({ registry, username, password })) {
    if (v !== undefined && v !== null && typeof v !== 'string' && typeof v !== 'number')
      return `${where}: ${k} must be a string`;
  }
  for (const [k, v] of Object.entries({ username, password }))
    if (typeof v === 'string' && /\p{Cc}/u.test(v.trim()))
      return `${where}: ${k} has a line break or other control character (the value is not shown); expected one line`;
  const host = normaliseHost(String(registry ?? ''));
  if (!host) return `${where}: registry is missing`;
  if (host.includes('@'))
    return `${where}: the registry host must not carry credentials (give them as username and password)`;
  if (!HOST.test(host)) return `${where}: "${host}" is not a registry host`;
  const user = username === undefined || username === null ? '' : String(username);
  const pass = password === undefined || password === null ? '' : String(password);
  const ecr = ecrRegistry(host);
  if (pass && !user) return `${where}: a password was given without a username for ${host}`;
  if (user && !pass) return `${where}: username "${user}" was given without a password for ${host}`;
  if (!user && !pass) {
    if (ecr) return { registry: host, ecr };
    return `${where}: ${host} needs a username and password (only ECR hosts can log in without them)`;
  }
  return { registry: host, username: user, password: pass };
}

/** Parses the value of the `registries` input (already YAML-parsed). */
export function parseRegistries(value: unknown): { logins: RegistryLogin[]; problems: string[] } {
  if (value === undefined) return { logins: [], problems: [] };
  if (!Array.isArray(value)) return { logins: [], problems: ['registries must be a list'] };
  const logins: RegistryLogin[] = [];
  const problems: string[] = [];
  value.forEach((item, i) => {
    const where = `entry ${i + 1}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      problems.push(`${where} is not a mapping with registry, username and password`);
      return;
    }
    const unknown = Object.keys(item).filter((k) => !['registry', 'username', 'password'].includes(k));
    if (unknown.length > 0) {
      problems.push(`${where} has unknown keys: ${unknown.join(', ')}`);
      return;
    }
    const r = checkLogin(item as Record<string, unknown>, where);
    if (typeof r === 'string') problems.push(r);
    else logins.push(r);
  });
  const hosts = logins.map((l) => l.registry);
  const dup = hosts.find((h, i) => hosts.indexOf(h) !== i);
  if (dup) problems.push(`${dup} is listed twice`);
  return { logins, problems };
}
