import { ActionError } from '@hac/toolkit';
import { DEADLINE_CODES } from './deadlines.js';

/** The `Status` body the apiserver returns with an error. */
export interface StatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { message?: string; field?: string }[] };
}

/** A request the apiserver answered with an error status. */
export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly method: string;
  readonly path: string;
  readonly body: StatusBody | undefined;
  constructor(status: number, method: string, path: string, body: StatusBody | undefined) {
    const text = body?.message ?? (typeof body === 'string' ? body : `HTTP ${status}`);
    super(`${method} ${path}: ${status} ${body?.reason ?? ''} ${text}`.replace(/\s+/g, ' ').trim());
    this.name = 'ApiError';
    this.status = status;
    this.reason = body?.reason ?? '';
    this.method = method;
    this.path = path;
    this.body = body;
  }
  /** The apiserver's own message, without the request line. */
  get detail(): string {
    return this.body?.message ?? `HTTP ${this.status}`;
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof ApiError && err.status === 409;
export const isForbidden = (err: unknown): boolean => err instanceof ApiError && err.status === 403;
export const isGone = (err: unknown): boolean => err instanceof ApiError && err.status === 410;

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  ...DEADLINE_CODES,
]);

function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const errors = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(errors)) for (const inner of errors) codes.push(...errorCodes(inner));
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

/**
 * Whether a failed request is worth retrying: connection refused/reset (an apiserver restarting),
 * 429, 5xx and etcd leader changes. 4xx answers (other than 429) are final.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof ApiError) {
    if (err.status === 429 || err.status >= 500) return true;
    return /etcdserver: (leader changed|request timed out)|the server is currently unable/i.test(err.detail);
  }
  // Duck-typed, not `instanceof Error`: node:http's errors may come from another realm (a VM context).
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; message?: unknown; cause?: unknown };
  if (e.name === 'AbortError' && !e.cause) return false;
  if (errorCodes(err).some((c) => TRANSIENT_CODES.has(c))) return true;
  return /fetch failed|socket hang up|other side closed|ECONNREFUSED|ECONNRESET/i.test(
    String(e.message ?? ''),
  );
}

/** What a request was doing, for permission errors. */
export interface Access {
  verb: string;
  resource: string;
  group?: string;
  namespace?: string;
  name?: string;
}

export function describeAccess(a: Access): string {
  const res = a.group ? `${a.resource}.${a.group}` : a.resource;
  return `"${a.verb}" on ${res}${a.name ? ` "${a.name}"` : ''}${a.namespace ? ` in namespace "${a.namespace}"` : ''}`;
}

/** A request the deployer's Role does not allow (a 403), naming the permission missing. */
export class PermissionDeniedError extends ActionError {
  constructor(
    readonly access: Access,
    detail?: string,
  ) {
    const rule = `- apiGroups: ["${access.group ?? ''}"]\n  resources: ["${access.resource}"]\n  verbs: ["${access.verb}"]`;
    super(
      `Permission denied: the deployer may not ${describeAccess(access)}.${detail ? ` The apiserver said: ${detail}` : ''} Nothing was changed.`,
      `Grant the missing permission to the deployer's Role (see the action README for the minimal Role), for example:\n${rule}`,
    );
    this.name = 'PermissionDeniedError';
  }
}

/** A 403 turned into an error naming the missing permission and the Role rule that grants it. */
export function permissionError(access: Access, detail?: string): ActionError {
  return new PermissionDeniedError(access, detail);
}

const FORBIDDEN = /cannot (\w+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]+)")?/;

/** Reads the missing permission from a 403's message (falls back to what the request was). */
export function accessFromForbidden(err: ApiError, fallback: Access): Access {
  const m = FORBIDDEN.exec(err.detail);
  if (!m) return fallback;
  return {
    verb: m[1] as string,
    resource: m[2] as string,
    group: m[3] || undefined,
    namespace: m[4],
    name: fallback.name,
  };
}
