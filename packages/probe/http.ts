import { Agent, interceptors, type Dispatcher } from 'undici';
import { TimeoutError, withTimeout } from '@hac/toolkit';
import type { Auth, Check, TlsSpec } from './types.js';
import { isSensitiveHeader } from './headers.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_REDIRECTS = 10;
/** Bodies longer than this are cut; body checks then see the first part only. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;
const USER_AGENT = 'hac-smoke-test';

/** What one request returned: a response, or a transport error described in one line. */
export type Outcome =
  | {
      ok: true;
      status: number;
      headers: Record<string, string | string[] | undefined>;
      body?: string;
      truncated: boolean;
      latencyMs: number;
    }
  | { ok: false; error: string; latencyMs: number };

/** Keep-alive connections shared by every request of a gate (one agent, optionally following redirects). */
export interface Transport {
  dispatcher(followRedirects: boolean): Dispatcher;
  close(): Promise<void>;
}

/** TLS options for undici's connector. */
export function connectOptions(tls: TlsSpec | undefined): { ca?: string; rejectUnauthorized?: boolean } {
  const opts: { ca?: string; rejectUnauthorized?: boolean } = {};
  if (tls?.ca) opts.ca = tls.ca;
  if (tls?.insecure) opts.rejectUnauthorized = false;
  return opts;
}

export function createTransport(tls?: TlsSpec, sensitiveHeaders: string[] = []): Transport {
  const agent = new Agent({ connect: connectOptions(tls), keepAliveTimeout: 10_000 });
  let following: Dispatcher | undefined;
  return {
    dispatcher(follow) {
      if (!follow) return agent;
      following ??= agent.compose(
        interceptors.redirect({
          maxRedirections: MAX_REDIRECTS,
          throwOnMaxRedirect: true,
          // Credentials never follow a redirect to another origin.
          stripHeadersOnCrossOriginRedirect: [
            'authorization',
            'proxy-authorization',
            'cookie',
            ...sensitiveHeaders,
          ],
        }),
      );
      return following;
    },
    async close() {
      await agent.destroy().catch(() => undefined);
    },
  };
}

/** The Authorization header value for the gate's auth, if any. */
export function authorization(auth: Auth | undefined): string | undefined {
  if (!auth) return undefined;
  if ('bearer' in auth) return `Bearer ${auth.bearer}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** The headers sent for a check: the check's own, plus user-agent and auth (which the check may override). */
export function requestHeaders(check: Check, auth: Auth | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  const authz = authorization(auth);
  if (authz) headers.authorization = authz;
  for (const [name, value] of Object.entries(check.headers ?? {})) headers[name.toLowerCase()] = value;
  return headers;
}

/** Values that must never be written anywhere: auth and the values of credential-like headers. */
export function secretValues(checks: Check[], auth: Auth | undefined): string[] {
  const out: string[] = [];
  if (auth && 'bearer' in auth) out.push(auth.bearer);
  if (auth && 'password' in auth) out.push(auth.password, `${auth.username}:${auth.password}`);
  for (const c of checks)
    for (const [n, v] of Object.entries(c.headers ?? {})) if (isSensitiveHeader(n) && v) out.push(v);
  return out.filter((s) => s.length >= 3);
}

/** Whether a check needs the response body. */
export function needsBody(check: Check, extra = false): boolean {
  return extra || check.contains !== undefined || check.regex !== undefined || (check.json?.length ?? 0) > 0;
}

/** Sends one request and reads the response; never throws except on cancellation (the signal's reason). */
export async function send(
  transport: Transport,
  check: Check,
  auth: Auth | undefined,
  opts: { signal?: AbortSignal; readBody?: boolean } = {},
): Promise<Outcome> {
  const timeoutMs = check.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = withTimeout(opts.signal, timeoutMs, 'request');
  const started = performance.now();
  const url = new URL(check.url);
  try {
    const res = await transport.dispatcher(check.followRedirects ?? true).request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: (check.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: requestHeaders(check, auth),
      body: check.body,
      signal,
    });
    let body: string | undefined;
    let truncated = false;
    if (needsBody(check, opts.readBody)) {
      const read = await readBody(res.body);
      body = read.text;
      truncated = read.truncated;
    } else {
      await res.body.dump();
    }
    return {
      ok: true,
      status: res.statusCode,
      headers: res.headers,
      body,
      truncated,
      latencyMs: performance.now() - started,
    };
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const latencyMs = performance.now() - started;
    if (signal.aborted)
      return { ok: false, error: `no response within the ${timeoutMs}ms timeout`, latencyMs };
    return { ok: false, error: describeError(err), latencyMs };
  }
}

async function readBody(
  stream: AsyncIterable<Buffer> & { destroy(): void },
): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    if (size + chunk.length > MAX_BODY_BYTES) {
      chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size));
      stream.destroy();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: Buffer.concat(chunks, size).toString('utf8'), truncated: false };
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** One line for a transport error: what happened, and for TLS what to do. */
export function describeError(err: unknown): string {
  if (err instanceof TimeoutError) return err.message;
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.code && !e.code.startsWith('UND_ERR') ? e.code : (e?.cause?.code ?? e?.code);
  const message = e?.cause?.message ?? e?.message ?? String(err);
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `connection reset (${message})`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${message})`;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return 'no response within the timeout';
  if (code && TLS_CODES.has(code))
    return `TLS verification failed: ${code} (trust the server's CA with ca/ca-file, or set insecure: true for a test endpoint)`;
  if (/max.*redirect/i.test(message)) return `more than ${MAX_REDIRECTS} redirects`;
  return code ? `${code}: ${message}` : message;
}
