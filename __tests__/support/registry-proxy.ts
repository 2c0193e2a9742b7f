// An HTTP proxy in front of a container registry (the Distribution API over plain HTTP) for tests
// and benchmarks. It records every request and answers chosen ones itself with an error status
// (429 Too Many Requests, 503 Service Unavailable, ...) instead of forwarding them.
import http from 'node:http';

export interface RegistryFault {
  /** Which requests this fault applies to, e.g. POST to /v2/<name>/blobs/uploads/. */
  method?: string;
  path?: RegExp;
  status: number;
  /** How many matching requests get this status before the fault is used up (default 1). */
  times?: number;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  status: number;
  /** True when the proxy answered with a fault instead of forwarding. */
  injected: boolean;
  /** Whether the request carried an Authorization header (its value is never recorded). */
  authorized: boolean;
}

export interface RegistryProxy {
  /** host:port of the proxy, to use as the registry in image references. */
  readonly host: string;
  readonly requests: ProxiedRequest[];
  fail(fault: RegistryFault): void;
  injected(): ProxiedRequest[];
  close(): Promise<void>;
}

const REASONS: Record<number, string> = {
  429: '{"errors":[{"code":"TOOMANYREQUESTS","message":"too many requests"}]}',
  503: '{"errors":[{"code":"UNAVAILABLE","message":"service unavailable"}]}',
};

/** Starts a proxy on 127.0.0.1 (a free port) that forwards to `upstream` (host:port). */
export async function startRegistryProxy(upstream: string): Promise<RegistryProxy> {
  const [upHost, upPort] = upstream.split(':') as [string, string];
  const faults: (RegistryFault & { left: number })[] = [];
  const requests: ProxiedRequest[] = [];
  let self = '';
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const authorized = req.headers.authorization !== undefined;
    const fault = faults.find(
      (f) => f.left > 0 && (!f.method || f.method === method) && (!f.path || f.path.test(url)),
    );
    if (fault) {
      fault.left--;
      requests.push({ method, path: url, status: fault.status, injected: true, authorized });
      req.resume();
      const body = REASONS[fault.status] ?? '{"errors":[{"code":"UNKNOWN","message":"injected failure"}]}';
      res.writeHead(fault.status, {
        'content-type': 'application/json',
        'retry-after': '0',
        'docker-distribution-api-version': 'registry/2.0',
      });
      res.end(body);
      return;
    }
    const headers = { ...req.headers, host: upstream };
    const up = http.request({ host: upHost, port: Number(upPort), method, path: url, headers }, (upRes) => {
      requests.push({ method, path: url, status: upRes.statusCode ?? 0, injected: false, authorized });
      const out = { ...upRes.headers };
      // Upload URLs point at the upstream; send the client back through the proxy.
      if (typeof out.location === 'string') out.location = out.location.replace(`//${upstream}`, `//${self}`);
      res.writeHead(upRes.statusCode ?? 502, out);
      upRes.pipe(res);
    });
    up.on('error', (err) => {
      requests.push({ method, path: url, status: 502, injected: false, authorized });
      res.writeHead(502).end(String(err));
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  self = `127.0.0.1:${port}`;
  return {
    host: self,
    requests,
    fail: (f) => faults.push({ ...f, left: f.times ?? 1 }),
    injected: () => requests.filter((r) => r.injected),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
