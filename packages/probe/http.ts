import type http from 'node:http';
import type https from 'node:https';
import { stripUrlCredentials, TimeoutError, withTimeout } from '@hac/toolkit';
import type { Auth, Check, TlsSpec } from './types.js';
import { isSensitiveHeader } from './headers.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** The TCP (and TLS) handshake must end within this, or within the check's timeout if shorter. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const MAX_REDIRECTS = 10;
/** Bodies longer than this are cut; body checks then see the first part only. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;
const USER_AGENT = 'hac-smoke-test';

type Headers = http.IncomingHttpHeaders;

/** What one request returned: a response, or a transport error described in one line. */
export type Outcome =
  | { ok: true; status: number; headers: Headers; body?: string; truncated: boolean; latencyMs: number }
  | { ok: false; error: string; latencyMs: number };

/**
 * Keep-alive connections shared by every request of a gate. node:http keeps the bundle small
 * (undici alone would add ~800 kB) and is as fast as undici for this workload.
 */
export interface Transport {
  agent(url: URL): http.Agent;
  close(): void;
}

/**
 * node:http and node:https, loaded when the first request or agent is made: a step that stops at
 * validation (or a post step with nothing to check) never pays for them, nor for node:tls.
 */
export const nodeHttp = (): { http: typeof http; https: typeof https } => ({
  http: process.getBuiltinModule('node:http'),
  https: process.getBuiltinModule('node:https'),
});

/** TLS options for the https agent. */
export function tlsOptions(tls: TlsSpec | undefined): https.AgentOptions {
  const opts: https.AgentOptions = {};
  if (tls?.ca) opts.ca = tls.ca;
  if (tls?.insecure) opts.rejectUnauthorized = false;
  return opts;
}

export function createTransport(tls?: TlsSpec, maxSockets = 64): Transport {
  const { http, https } = nodeHttp();
  const plain = new http.Agent({ keepAlive: true, maxSockets });
  const secure = new https.Agent({ keepAlive: true, maxSockets, ...tlsOptions(tls) });
  return {
    agent: (url) => (url.protocol === 'https:' ? secure : plain),
    close() {
      plain.destroy();
      secure.destroy();
    },
  };
}

interface Raw {
  status: number;
  headers: Headers;
  res: http.IncomingMessage;
}

/** One request/response exchange (no redirects); the body is left unread. */
export function exchange(
  transport: Transport,
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
  connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
  stage: { connected: boolean } = { connected: false },
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const { http, https } = nodeHttp();
    const mod = secure ? https : http;
    const req = mod.request(url, { method, headers, agent: transport.agent(url), signal }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, res });
    });
    req.on('socket', (socket) => {
      // A reused keep-alive socket is connected already; a new one must connect within the deadline.
      stage.connected = !socket.connecting;
      if (stage.connected) return;
      const timer = setTimeout(
        () => req.destroy(new ConnectTimeout(url, connectTimeoutMs)),
        connectTimeoutMs,
      );
      timer.unref?.();
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        stage.connected = true;
        clearTimeout(timer);
      });
      socket.once('close', () => clearTimeout(timer));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A URL for messages: credentials masked, query kept (it names what was asked). */
export function shownUrl(url: URL | string): string {
  return stripUrlCredentials(String(url));
}

/** The connection was not established within the connect timeout. */
export class ConnectTimeout extends Error {
  constructor(url: URL, ms: number) {
    super(
      `could not connect to ${url.origin} within the ${ms}ms connect timeout ` +
        '(check the host and port, and that no firewall drops the packets)',
    );
    this.name = 'ConnectTimeout';
  }
}

/** Whether a 3xx response should be followed, and how (RFC 9110: 303, and 301/302 after POST, become GET). */
function redirectTarget(raw: Raw, url: URL, method: string): { url: URL; method: string } | undefined {
  if (![301, 302, 303, 307, 308].includes(raw.status)) return undefined;
  const location = raw.headers.location;
  if (!location) return undefined;
  const next = new URL(location, url);
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return undefined;
  const toGet = raw.status === 303 || ((raw.status === 301 || raw.status === 302) && method === 'POST');
  return { url: next, method: toGet && method !== 'HEAD' ? 'GET' : method };
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

/** Sends one request (following redirects when asked) and reads the response; never throws except on cancellation. */
export async function send(
  transport: Transport,
  check: Check,
  auth: Auth | undefined,
  opts: { signal?: AbortSignal; readBody?: boolean; connectTimeoutMs?: number } = {},
): Promise<Outcome> {
  const timeoutMs = check.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const connectMs = Math.min(opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, timeoutMs);
  const signal = withTimeout(opts.signal, timeoutMs, 'request');
  let status: number | undefined;
  const stage = { connected: false };
  const started = performance.now();
  let url = new URL(check.url);
  let method = check.method ?? 'GET';
  let body = check.body;
  let headers = requestHeaders(check, auth);
  const follow = check.followRedirects ?? true;
  try {
    for (let hop = 0; ; hop++) {
      status = undefined;
      stage.connected = false;
      const raw = await exchange(transport, url, method, headers, body, signal, connectMs, stage);
      status = raw.status;
      const next = follow ? redirectTarget(raw, url, method) : undefined;
      if (next) {
        raw.res.resume();
        if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
        // Credentials never follow a redirect to another origin.
        if (next.url.origin !== url.origin) headers = withoutCredentials(headers);
        if (next.method !== method) {
          body = undefined;
          headers = Object.fromEntries(Object.entries(headers).filter(([n]) => !/^content-/.test(n)));
        }
        url = next.url;
        method = next.method;
        continue;
      }
      let text: string | undefined;
      let truncated = false;
      if (needsBody(check, opts.readBody)) ({ text, truncated } = await readBody(raw.res, signal));
      else await drain(raw.res, signal);
      return {
        ok: true,
        status: raw.status,
        headers: raw.headers,
        body: text,
        truncated,
        latencyMs: performance.now() - started,
      };
    }
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const latencyMs = performance.now() - started;
    if (signal.aborted && !stage.connected)
      return { ok: false, error: new ConnectTimeout(url, timeoutMs).message, latencyMs };
    if (signal.aborted) return { ok: false, error: deadlineMessage(url, timeoutMs, status), latencyMs };
    return { ok: false, error: describeError(err), latencyMs };
  }
}

/** Which deadline passed: no response headers at all, or headers and then a body that stalled. */
export function deadlineMessage(url: URL, timeoutMs: number, status: number | undefined): string {
  const where = shownUrl(url);
  if (status === undefined)
    return (
      `no response within the ${timeoutMs}ms timeout from ${where} (the response deadline: ` +
      'the server accepted the connection but sent no status line; check that it is not hung or overloaded, or raise timeout)'
    );
  return (
    `the body did not end within the ${timeoutMs}ms timeout from ${where} (the response deadline: ` +
    `status ${status} came, then the body stalled; check the server or proxy, or raise timeout)`
  );
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([n]) => !isSensitiveHeader(n)));
}

function onAbort(res: http.IncomingMessage, signal: AbortSignal): () => void {
  const abort = () => res.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  if (signal.aborted) abort();
  else signal.addEventListener('abort', abort, { once: true });
  return () => signal.removeEventListener('abort', abort);
}

function drain(res: http.IncomingMessage, signal: AbortSignal): Promise<void> {
  const off = onAbort(res, signal);
  return new Promise<void>((resolve, reject) => {
    res.on('end', resolve);
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('connection closed before the body ended')));
    res.resume();
  }).finally(off);
}

async function readBody(
  res: http.IncomingMessage,
  signal: AbortSignal,
): Promise<{ text: string; truncated: boolean }> {
  const off = onAbort(res, signal);
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (size + chunk.length > MAX_BODY_BYTES) {
        chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size));
        res.destroy();
        return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
      }
      chunks.push(chunk);
      size += chunk.length;
    }
    return { text: Buffer.concat(chunks, size).toString('utf8'), truncated: false };
  } finally {
    off();
  }
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
  if (err instanceof TimeoutError || err instanceof ConnectTimeout) return err.message;
  const e = err as { code?: string; message?: string };
  const code = e?.code;
  const message = e?.message ?? String(err);
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return `connection reset (${message})`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${message})`;
  if (code && TLS_CODES.has(code))
    return `TLS verification failed: ${code} (trust the server's CA with ca/ca-file, or set insecure: true for a test endpoint)`;
  return code ? `${code}: ${message}` : message;
}
