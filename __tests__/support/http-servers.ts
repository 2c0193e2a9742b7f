// Local HTTP and HTTPS servers for probe and smoke-test tests, on 127.0.0.1 with a free port.
// Routes (all count requests):
//   /ok                 200 "ok"
//   /status/<code>      that status
//   /slow?ms=N          200 after N ms
//   /flap               503 for the first `flapFailures` requests, then 200 "recovered"
//   /down               503 "down" forever
//   /redirect           302 -> /ok;   /redirect-loop -> itself
//   /large              a 5 MB body ending with "END-OF-LARGE-BODY"
//   /json               {"version":"2.0","ready":true,"items":[{"id":1,"name":"a b"}]}
//   /version            round-robin: "version 2.0" on every `ratio.every`-th request from the `ratio.offset`, else "version 1.0"
//   /echo-headers       the request headers as JSON (a server that would leak credentials)
//   /auth               200 only with the expected Authorization header, else 401
//   /silent             accepts the request, never answers;  /stall-body  200 + part of the body, then stalls
//   /html               200 text/html (a web page where an API was expected)
//   anything else       404
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { execFileSync, spawn } from 'node:child_process';

export interface TestServerOptions {
  tls?: boolean;
  flapFailures?: number;
  /** /version answers v2 for 1 of `every` requests (default 4 -> 25%). */
  ratio?: { every: number };
  /** The Authorization header /auth accepts. */
  expectAuthorization?: string;
}

export interface TestServer {
  url(pathname?: string): string;
  origin: string;
  /** Requests received, in total and by path. */
  count(): number;
  countOf(pathname: string): number;
  /** Every request's headers, for leak checks. */
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }>;
  /** The PEM certificate of an HTTPS server (self-signed, for 127.0.0.1 and localhost). */
  ca?: string;
  reset(): void;
  close(): Promise<void>;
}

export const LARGE_BODY_BYTES = 5 * 1024 * 1024;
export const LARGE_BODY_END = 'END-OF-LARGE-BODY';
export const JSON_DOC = { version: '2.0', ready: true, items: [{ id: 1, name: 'a b' }] };

let cert: { key: string; cert: string } | undefined;

/** A self-signed certificate made once per test process with openssl. */
export function selfSignedCert(): { key: string; cert: string } {
  if (cert) return cert;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    cert = {
      key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
      cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    };
    return cert;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const counts = new Map<string, number>();
  const requests: TestServer['requests'] = [];
  let total = 0;
  let versionN = 0;
  const every = opts.ratio?.every ?? 4;
  const large = Buffer.alloc(LARGE_BODY_BYTES, 'x');
  large.write(LARGE_BODY_END, LARGE_BODY_BYTES - LARGE_BODY_END.length);

  const handler: http.RequestListener = (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    total++;
    counts.set(u.pathname, (counts.get(u.pathname) ?? 0) + 1);
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    const send = (
      status: number,
      body: string | Buffer,
      type = 'text/plain',
      extra: http.OutgoingHttpHeaders = {},
    ) => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
      res.end(body);
    };
    const p = u.pathname;
    if (p === '/ok') return send(200, 'ok');
    if (p.startsWith('/status/')) return send(Number(p.slice(8)) || 500, `status ${p.slice(8)}`);
    if (p === '/slow') {
      const t = setTimeout(() => send(200, 'slow ok'), Number(u.searchParams.get('ms') ?? 1000));
      res.on('close', () => clearTimeout(t));
      return;
    }
    // Accepts the request and never answers (no status line).
    if (p === '/silent') return;
    // Sends the status line and part of the body, then stalls.
    if (p === '/stall-body') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 1000 });
      res.write('partial');
      return;
    }
    if (p === '/html') return send(200, '<!doctype html><html><body>Welcome</body></html>', 'text/html');
    if (p === '/flap') {
      const n = counts.get('/flap') ?? 0;
      return n <= (opts.flapFailures ?? 3) ? send(503, 'warming up') : send(200, 'recovered');
    }
    if (p === '/down') return send(503, 'down');
    if (p === '/redirect') return send(302, '', 'text/plain', { location: '/ok' });
    if (p === '/redirect-loop') return send(302, '', 'text/plain', { location: '/redirect-loop' });
    if (p === '/large') return send(200, large);
    if (p === '/json') return send(200, JSON.stringify(JSON_DOC), 'application/json');
    if (p === '/version') {
      const v2 = versionN++ % every === every - 1;
      return send(200, v2 ? 'version 2.0' : 'version 1.0');
    }
    if (p === '/echo-headers') return send(200, JSON.stringify(req.headers), 'application/json');
    if (p === '/auth')
      return req.headers.authorization === opts.expectAuthorization
        ? send(200, 'welcome')
        : send(401, 'unauthorized');
    return send(404, 'not found');
  };

  let server: http.Server;
  let ca: string | undefined;
  if (opts.tls) {
    const c = selfSignedCert();
    ca = c.cert;
    server = https.createServer({ key: c.key, cert: c.cert }, handler);
  } else {
    server = http.createServer(handler);
  }
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const origin = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    origin,
    url: (pathname = '/ok') => `${origin}${pathname}`,
    count: () => total,
    countOf: (pathname) => counts.get(pathname) ?? 0,
    requests,
    ca,
    reset() {
      total = 0;
      versionN = 0;
      counts.clear();
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 with nothing listening (connection refused). */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/**
 * A port on 127.0.0.1 whose connections never complete: a listener with a full accept queue
 * (backlog 0, one connection parked in it), so the kernel drops every further SYN. Real TCP, no mock.
 */
export async function unconnectablePort(): Promise<{ port: number; close: () => Promise<void> }> {
  const script =
    'import socket,sys\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\n' +
    'print(s.getsockname()[1],flush=True)\nsys.stdin.read()\n';
  const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
  });
  const parked = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => parked.once('connect', resolve).once('error', reject));
  return {
    port,
    close: async () => {
      parked.destroy();
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
