// The one place that talks HTTP to the apiserver. Authentication (client certificates, tokens,
// exec plugins, proxies) comes from @kubernetes/client-node's KubeConfig; requests go through
// undici's fetch with the dispatcher the KubeConfig builds. Both transports (this one and
// direct.ts) put deadlines on every request (deadlines.ts). Everything above this file is
// testable with a fake Transport.
import type { KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_DEADLINES, guarded, idleGuarded, type Deadlines } from './deadlines.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Query = Record<string, string | number | boolean | undefined>;

export interface HttpRequest {
  method: Method;
  /** Path below the cluster URL, e.g. /apis/apps/v1/namespaces/x/deployments/y */
  path: string;
  query?: Query;
  body?: unknown;
  /** Content type of the body (default application/json). */
  contentType?: string;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** The parsed JSON body (or the raw text when it is not JSON). */
  body: unknown;
  /** The Content-Type header, when the transport knows it (an HTML page is not the Kubernetes API). */
  contentType?: string;
}

/** A watch line's handler: true ends the stream (the caller has seen what it waited for). */
export type OnLine = (obj: unknown) => boolean | void;

export interface Transport {
  request(req: HttpRequest): Promise<HttpResponse>;
  /**
   * A streaming GET (a watch): calls `onLine` with each parsed JSON line until the server closes
   * the stream or `onLine` returns true (both resolve; the connection is closed without an
   * error), or the signal aborts (rejects). A non-200 answer resolves with its status and body
   * and no lines.
   */
  stream(req: HttpRequest, onLine: OnLine): Promise<HttpResponse>;
  /** The cluster URL, for logs. */
  readonly server: string;
}

export function buildUrl(server: string, path: string, query: Query = {}): string {
  const url = new URL(server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  return url.toString();
}

/** A response body: parsed JSON, the raw text when it is not JSON, undefined when empty. */
export function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Feeds each JSON line of a watch stream to `onLine` (a partial last line too), until the chunks
 * end or `onLine` returns true. Leaving the loop early closes the body without an error: an abort
 * would make Node format the AbortError's stack, and so load and parse the bundle's source maps.
 */
export async function readJsonLines(
  chunks: AsyncIterable<Uint8Array | string>,
  onLine: OnLine,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of chunks) {
    buffered += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line && onLine(parseBody(line)) === true) return;
    }
  }
  if (buffered.trim()) onLine(parseBody(buffered.trim()));
}

type DispatcherOptions = { type: string; connect?: Record<string, unknown> };
interface Dispatching {
  createDispatcherOptions(cluster: unknown, agentOptions: unknown): DispatcherOptions;
  createDispatcher?: (cluster: unknown, agentOptions: unknown) => unknown;
}

/**
 * Gives the dispatchers client-node builds a connect deadline (undici's connect.timeout). Proxy
 * and SOCKS dispatchers keep client-node's own; the response deadline still bounds them.
 */
function withConnectDeadline(kc: KubeConfig, Agent: typeof import('undici').Agent, connectMs: number): void {
  const k = kc as unknown as Dispatching;
  const original = k.createDispatcher?.bind(kc);
  if (typeof k.createDispatcherOptions !== 'function' || !original) return;
  let plain: unknown;
  k.createDispatcher = (cluster, agentOptions) => {
    const o = k.createDispatcherOptions(cluster, agentOptions);
    if (o.type === 'agent') return new Agent({ connect: { ...o.connect, timeout: connectMs } });
    if (o.type === 'none') return (plain ??= new Agent({ connect: { timeout: connectMs } }));
    return original(cluster, agentOptions);
  };
}

/** A Transport for the current context of a KubeConfig, with deadlines. */
export async function kubeTransport(
  kc: KubeConfig,
  userAgent = 'hac',
  deadlines: Deadlines = DEFAULT_DEADLINES,
): Promise<Transport> {
  // Both load lazily, in one chunk: input errors fail fast without loading the client, and the
  // bundler keeps undici's classes consistent between client-node and this fetch.
  const [{ RequestContext, HttpMethod }, { fetch, Agent }] = await Promise.all([
    import('@kubernetes/client-node'),
    import('undici'),
  ]);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const server = cluster.server;
  withConnectDeadline(kc, Agent, deadlines.connectMs);

  async function send(req: HttpRequest, signal: AbortSignal) {
    const url = buildUrl(server, req.path, req.query);
    const ctx = new RequestContext(url, HttpMethod.GET);
    await kc.applySecurityAuthentication(ctx);
    const headers: Record<string, string> = {
      ...ctx.getHeaders(),
      Accept: 'application/json',
      'User-Agent': userAgent,
    };
    let body: string | undefined;
    if (req.body !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    }
    const init = { method: req.method, headers, body, signal, dispatcher: ctx.getDispatcher() };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return fetch(url, init as any);
  }
  const answer = async (res: Awaited<ReturnType<typeof fetch>>): Promise<HttpResponse> => ({
    status: res.status,
    body: parseBody(await res.text()),
    contentType: res.headers.get('content-type') ?? '',
  });

  return {
    server,
    request: (req) =>
      guarded(req.signal, deadlines.responseMs, server, async (ac) => answer(await send(req, ac.signal))),
    stream: (req, onLine) =>
      guarded(req.signal, deadlines.responseMs, server, async (ac, response) => {
        const res = await send(req, ac.signal);
        if (res.status !== 200 || !res.body) return answer(res);
        response.clear();
        await idleGuarded(ac, deadlines.watchIdleMs, server, res.body as AsyncIterable<Uint8Array>, (c) =>
          readJsonLines(c, onLine),
        );
        return { status: 200, body: undefined, contentType: res.headers.get('content-type') ?? '' };
      }),
  };
}

/** Wraps a transport to count requests (for tests and benchmarks). */
export function countingTransport(inner: Transport): Transport & { count: number; log: string[] } {
  const t = {
    count: 0,
    log: [] as string[],
    server: inner.server,
    request(req: HttpRequest) {
      t.count++;
      t.log.push(`${req.method} ${req.path}`);
      return inner.request(req);
    },
    stream(req: HttpRequest, onLine: OnLine) {
      t.count++;
      t.log.push(`WATCH ${req.path}`);
      return inner.stream(req, onLine);
    },
  };
  return t;
}
