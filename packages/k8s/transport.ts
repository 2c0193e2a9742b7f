// The one place that talks HTTP to the apiserver. Authentication (client certificates, tokens,
// exec plugins, proxies) comes from @kubernetes/client-node's KubeConfig; requests go through
// undici's fetch with the dispatcher the KubeConfig builds. Everything above this file is
// testable with a fake Transport.
import type { KubeConfig } from '@kubernetes/client-node';

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
}

export interface Transport {
  request(req: HttpRequest): Promise<HttpResponse>;
  /**
   * A streaming GET (a watch): calls `onLine` with each parsed JSON line until the server closes
   * the stream (resolves) or the signal aborts (rejects). A non-200 answer resolves with its
   * status and body and no lines.
   */
  stream(req: HttpRequest, onLine: (obj: unknown) => void): Promise<HttpResponse>;
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

/** Feeds each JSON line of a watch stream to `onLine` (a partial last line too). */
export async function readJsonLines(
  chunks: AsyncIterable<Uint8Array | string>,
  onLine: (obj: unknown) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of chunks) {
    buffered += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) onLine(parseBody(line));
    }
  }
  if (buffered.trim()) onLine(parseBody(buffered.trim()));
}

/** A Transport for the current context of a KubeConfig. */
export async function kubeTransport(kc: KubeConfig, userAgent = 'hac'): Promise<Transport> {
  // Both load lazily, in one chunk: input errors fail fast without loading the client, and the
  // bundler keeps undici's classes consistent between client-node and this fetch.
  const [{ RequestContext, HttpMethod }, { fetch }] = await Promise.all([
    import('@kubernetes/client-node'),
    import('undici'),
  ]);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const server = cluster.server;

  async function prepare(req: HttpRequest) {
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
    return {
      url,
      init: { method: req.method, headers, body, signal: req.signal, dispatcher: ctx.getDispatcher() },
    };
  }

  return {
    server,
    async request(req) {
      const { url, init } = await prepare(req);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const res = await fetch(url, init as any);
      return { status: res.status, body: parseBody(await res.text()) };
    },
    async stream(req, onLine) {
      const { url, init } = await prepare(req);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const res = await fetch(url, init as any);
      if (res.status !== 200 || !res.body) return { status: res.status, body: parseBody(await res.text()) };
      await readJsonLines(res.body as AsyncIterable<Uint8Array>, onLine);
      return { status: 200, body: undefined };
    },
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
    stream(req: HttpRequest, onLine: (obj: unknown) => void) {
      t.count++;
      t.log.push(`WATCH ${req.path}`);
      return inner.stream(req, onLine);
    },
  };
  return t;
}
