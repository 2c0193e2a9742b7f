// Before building: does every registry this run will push to (or read/write cache at) answer as a
// registry? One GET /v2/ each, with a connect timeout and a response deadline, so an unreachable
// host, a firewall that drops packets or a web server in its place fails in seconds, not after the build.
import type http from 'node:http';
import { ActionError } from '@hac/toolkit';
import type { BuildRequest, Engine } from './request.js';
import { registryOf } from './resolve.js';
import { splitTag } from './reference.js';

export const REGISTRY_CONNECT_TIMEOUT_MS = 5_000;
export const REGISTRY_RESPONSE_TIMEOUT_MS = 10_000;

export interface RegistryTarget {
  registry: string;
  /** What needs it: "push", "cache-from", "cache-to". */
  uses: string[];
}

/** The registries a request will contact: its repositories when pushing, and registry caches. Pure. */
export function preflightTargets(req: Pick<BuildRequest, 'push' | 'repositories' | 'cacheFrom' | 'cacheTo'>) {
  const out = new Map<string, Set<string>>();
  const add = (registry: string, use: string) => out.set(registry, (out.get(registry) ?? new Set()).add(use));
  if (req.push) for (const r of req.repositories) add(registryOf(r), 'push');
  for (const [use, list] of [
    ['cache-from', req.cacheFrom],
    ['cache-to', req.cacheTo],
  ] as const)
    for (const c of list) {
      const registry = c.type === 'registry' && c.attrs.ref ? cacheRegistry(c.attrs.ref) : undefined;
      if (registry) add(registry, use);
    }
  return [...out].map(([registry, uses]): RegistryTarget => ({ registry, uses: [...uses] }));
}

/** The registry of a cache `ref` (repo, repo:tag or repo@digest); undefined when it does not parse (the builder says why). */
function cacheRegistry(ref: string): string | undefined {
  try {
    return registryOf(splitTag(ref.split('@')[0] ?? ref).name);
  } catch {
    return undefined;
  }
}

/** The host serving a registry's API (Docker Hub's is not docker.io). */
export const apiHost = (registry: string) => (registry === 'docker.io' ? 'registry-1.docker.io' : registry);

/** What one GET /v2/ came back with. */
export type Answer =
  | { kind: 'answer'; status: number; headers: http.IncomingHttpHeaders }
  | { kind: 'error'; what: string; code?: string };

export interface ProbeOptions {
  connectTimeoutMs?: number;
  responseTimeoutMs?: number;
  /** Verify the TLS certificate (false for insecure registries). */
  verify?: boolean;
  signal?: AbortSignal;
}

/** One GET <scheme>://<host>/v2/ with both deadlines; never throws except on cancellation. */
export function getV2(url: string, opts: ProbeOptions = {}): Promise<Answer> {
  const connectMs = opts.connectTimeoutMs ?? REGISTRY_CONNECT_TIMEOUT_MS;
  const responseMs = opts.responseTimeoutMs ?? REGISTRY_RESPONSE_TIMEOUT_MS;
  const secure = url.startsWith('https:');
  return new Promise((resolve, reject) => {
    // Loaded on the first probe, not at the step's start.
    const mod = process.getBuiltinModule(secure ? 'node:https' : 'node:http');
    let done = false;
    const finish = (a: Answer) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      opts.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(a);
    };
    const req = mod.request(
      url,
      { method: 'GET', agent: false, rejectUnauthorized: opts.verify ?? true },
      (res) => {
        finish({ kind: 'answer', status: res.statusCode ?? 0, headers: res.headers });
      },
    );
    const onAbort = () => {
      done = true;
      clearTimeout(deadline);
      req.destroy();
      reject(opts.signal?.reason);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const deadline = setTimeout(
      () => finish({ kind: 'error', what: `no answer within the ${responseMs}ms response deadline` }),
      responseMs,
    );
    req.on('socket', (socket) => {
      const t = setTimeout(
        () => finish({ kind: 'error', what: `no connection within the ${connectMs}ms connect timeout` }),
        connectMs,
      );
      // TCP only: a TLS handshake that stalls counts against the response deadline.
      socket.once('connect', () => clearTimeout(t));
      socket.once('close', () => clearTimeout(t));
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish({ kind: 'error', what: err.code ? `${err.code}: ${err.message}` : err.message, code: err.code }),
    );
    req.end();
  });
}

/** Whether an answer to GET /v2/ comes from a registry: 200 or 401, not a web page, with a registry header. */
export function isRegistryAnswer(a: Answer): boolean | 'busy' {
  if (a.kind !== 'answer') return false;
  if (a.status === 429 || a.status >= 500) return 'busy';
  const type = String(a.headers['content-type'] ?? '');
  if (/html/i.test(type) || (a.status !== 200 && a.status !== 401)) return false;
  return (
    a.headers['docker-distribution-api-version'] !== undefined ||
    a.headers['www-authenticate'] !== undefined ||
    /json/i.test(type)
  );
}

/** A TLS error that means "this port speaks plain HTTP" rather than "the certificate is wrong". */
const plainHttpSign = (a: Answer) =>
  a.kind === 'error' && /EPROTO|WRONG_VERSION_NUMBER|ECONNRESET|packet length too long/i.test(a.what);

export const describeAnswer = (a: Answer) =>
  a.kind === 'error'
    ? a.what
    : `HTTP ${a.status} ${String(a.headers['content-type'] ?? 'with no content type')} (not a registry's answer)`;

export interface CheckOptions extends ProbeOptions {
  engine: Engine;
  /** Whether the engine verifies TLS for this registry (buildah: tls-verify and insecure-registries). */
  tlsVerify: boolean;
}

/** Checks one registry; returns the problem in one line, or undefined when a registry answered. */
export async function checkRegistry(target: RegistryTarget, opts: CheckOptions): Promise<string | undefined> {
  const host = apiHost(target.registry);
  const strict = opts.engine === 'buildah' && opts.tlsVerify;
  const httpsUrl = `https://${host}/v2/`;
  const httpUrl = `http://${host}/v2/`;
  const tried: string[] = [];
  const attempt = async (url: string, verify: boolean) => {
    const a = await getV2(url, { ...opts, verify });
    tried.push(`GET ${url}: ${describeAnswer(a)}`);
    return a;
  };
  if (!opts.tlsVerify) {
    // A registry configured as insecure: plain HTTP first, then HTTPS without verification.
    if (isRegistryAnswer(await attempt(httpUrl, false))) return undefined;
    if (isRegistryAnswer(await attempt(httpsUrl, false))) return undefined;
  } else {
    const a = await attempt(httpsUrl, strict);
    if (isRegistryAnswer(a)) return undefined;
    if (strict && a.kind === 'error' && /CERT|certificate|self.signed/i.test(a.what))
      return `${target.registry}: its TLS certificate is not trusted (${a.what}); add its CA to /etc/containers/certs.d/${target.registry}/ca.crt, or list it in insecure-registries for a test registry`;
    if (plainHttpSign(a) || a.kind === 'answer') {
      if (isRegistryAnswer(await attempt(httpUrl, false))) {
        if (!strict) return undefined;
        return `${target.registry}: answers as a registry on plain HTTP only, and buildah verifies TLS; list it in insecure-registries (or set tls-verify: false)`;
      }
    }
  }
  return `${target.registry} (for ${target.uses.join(', ')}) did not answer as a container registry: ${tried.join('; ')}`;
}

export const PREFLIGHT_HINT =
  'Check the registry host and port in images, cache-from and cache-to, and that this runner can reach it ' +
  '(firewall, proxy, VPN). A registry on plain HTTP needs insecure-registries (engine buildah) or an ' +
  "insecure entry in the builder's buildkitd.toml (engine docker). A private registry also needs a login " +
  '(username/password or registries).';

/**
 * Checks every registry the request will contact, in parallel, before anything is built or pushed.
 * Throws one ActionError naming each registry that did not answer, what was tried and what to do.
 */
export async function preflightRegistries(
  req: Pick<BuildRequest, 'push' | 'repositories' | 'cacheFrom' | 'cacheTo'>,
  opts: ProbeOptions & { engine: Engine; tlsFor: (registry: string) => boolean },
): Promise<void> {
  const targets = preflightTargets(req);
  const problems = await Promise.all(
    targets.map((t) => checkRegistry(t, { ...opts, tlsVerify: opts.tlsFor(t.registry) })),
  );
  const failed = problems.filter((p): p is string => p !== undefined);
  if (failed.length === 0) return;
  throw new ActionError(
    `Registry preflight failed; nothing was built or pushed.\n${failed.map((p) => `  - ${p}`).join('\n')}`,
    PREFLIGHT_HINT,
  );
}
