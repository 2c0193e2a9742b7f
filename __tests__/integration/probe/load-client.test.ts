// The load phase's raw-socket client against real local servers: node:http and node:https, and a
// bare TCP server for the answers node:http never gives (bodies read to the close, malformed ones).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import net from 'node:net';
import { runLoad } from '../../../packages/probe/load.js';
import type { Check, LoadSpec } from '../../../packages/probe/types.js';
import { startTestServer, unconnectablePort, type TestServer } from '../../support/http-servers.js';

interface Counted {
  url(pathname: string): string;
  /** TCP connections accepted so far. */
  connections(): number;
  /** TCP connections open now. */
  open(): Promise<number>;
  close(): Promise<void>;
}

async function listen(
  server: net.Server,
): Promise<{ port: number; connections: () => number; open: () => Promise<number> }> {
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    open: () => new Promise((resolve) => server.getConnections((_err, n) => resolve(n))),
  };
}

function closer(server: net.Server & { closeAllConnections?: () => void }): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
}

/** A node:http server: /ok, /mix (200, 404, 500 in turn), /chunked, /close, /no-content, /silent. */
async function nodeServer(): Promise<Counted> {
  let n = 0;
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    req.resume();
    if (p === '/ok')
      return res.writeHead(200, { 'content-length': 2 }).end(req.method === 'HEAD' ? undefined : 'ok');
    if (p === '/mix')
      return res.writeHead([200, 404, 500][n++ % 3] as number, { 'content-length': 1 }).end('x');
    if (p === '/chunked') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part, ');
      setImmediate(() => res.end('and the rest'));
      return;
    }
    if (p === '/close') return res.writeHead(200, { connection: 'close', 'content-length': 3 }).end('bye');
    if (p === '/no-content') return res.writeHead(204).end();
    if (p === '/silent') return;
    res.writeHead(404, { 'content-length': 0 }).end();
  });
  server.keepAliveTimeout = 30_000;
  const { port, connections, open } = await listen(server);
  return { url: (p) => `http://127.0.0.1:${port}${p}`, connections, open, close: closer(server) };
}

/** A bare TCP server that answers every request head with `reply` (and ends the connection when asked). */
async function rawServer(reply: { bytes: string; end?: boolean }): Promise<Counted> {
  const server = net.createServer((socket) => {
    let pending = '';
    socket.on('error', () => undefined);
    socket.on('data', (d) => {
      pending += String(d);
      for (let at = pending.indexOf('\r\n\r\n'); at >= 0; at = pending.indexOf('\r\n\r\n')) {
        pending = pending.slice(at + 4);
        if (reply.end) socket.end(reply.bytes);
        else socket.write(reply.bytes);
      }
    });
  });
  const { port, connections, open } = await listen(server);
  return { url: (p) => `http://127.0.0.1:${port}${p}`, connections, open, close: closer(server) };
}

let plain: Counted;
let tls: TestServer;
beforeAll(async () => {
  plain = await nodeServer();
  tls = await startTestServer({ tls: true, expectAuthorization: 'Bearer load-s3cret-token' });
});
afterAll(async () => {
  await plain.close();
  await tls.close();
});

const spec = (requests: number, concurrency: number, more: Partial<LoadSpec> = {}): LoadSpec => ({
  requests,
  concurrency,
  maxErrorRate: 1,
  ...more,
});

describe('load over node:http', () => {
  test('keeps one connection per slot and counts every status', async () => {
    const before = plain.connections();
    const r = await runLoad(spec(300, 4), { url: plain.url('/mix'), expectStatus: '200,404' });
    expect(r).toMatchObject({ requests: 300, errors: 100, statuses: { '200': 100, '404': 100, '500': 100 } });
    expect(plain.connections() - before).toBe(4);
    expect(r.min).toBeGreaterThan(0);
  });

  test.each([
    ['chunked bodies', { url: '/chunked' }, { '200': 60 }],
    ['HEAD with a Content-Length and no body', { url: '/ok', method: 'HEAD' }, { '200': 60 }],
    ['204 No Content', { url: '/no-content' }, { '204': 60 }],
    ['a POST body', { url: '/ok', method: 'POST', body: 'x'.repeat(10_000) }, { '200': 60 }],
  ])('%s', async (_name, check, statuses) => {
    const before = plain.connections();
    const r = await runLoad(spec(60, 3), { ...check, url: plain.url(check.url) } as Check);
    expect(r).toMatchObject({ passed: true, errors: 0, statuses });
    expect(plain.connections() - before).toBe(3);
  });

  test('Connection: close: a new connection for every request, no errors', async () => {
    const before = plain.connections();
    const r = await runLoad(spec(40, 4), { url: plain.url('/close') });
    expect(r).toMatchObject({ passed: true, errors: 0, statuses: { '200': 40 } });
    expect(plain.connections() - before).toBe(40);
  });

  test("a request unanswered within the check's timeout is a transport error", async () => {
    const lines: string[] = [];
    const started = performance.now();
    const r = await runLoad(
      spec(4, 2, { maxErrorRate: 0 }),
      { url: plain.url('/silent'), timeoutMs: 300 },
      {
        log: (l) => lines.push(l),
      },
    );
    const took = performance.now() - started;
    expect(r).toMatchObject({ passed: false, errors: 4, statuses: { error: 4 } });
    expect(r.min).toBeGreaterThanOrEqual(290);
    // Two rounds of two: each request waits its own timeout, no longer.
    expect(took).toBeGreaterThanOrEqual(590);
    expect(took).toBeLessThan(3000);
    expect(lines).toContain('load: first transport error: no response within the 300ms timeout');
  });

  test('a connection that cannot be made fails within the connect deadline', async () => {
    const port = await unconnectablePort();
    try {
      const lines: string[] = [];
      const r = await runLoad(
        spec(2, 1),
        { url: `http://127.0.0.1:${port.port}/`, timeoutMs: 400 },
        {
          log: (l) => lines.push(l),
        },
      );
      expect(r).toMatchObject({ errors: 2, statuses: { error: 2 } });
      expect(r.max).toBeLessThan(2000);
      expect(lines.join('\n')).toMatch(
        /could not connect to http:\/\/127\.0\.0\.1:\d+ within the 400ms connect timeout/,
      );
    } finally {
      await port.close();
    }
  });

  test('an abort ends the run at once and closes its connections', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    setTimeout(() => controller.abort(reason), 100);
    const started = performance.now();
    const run = runLoad(
      spec(1000, 5),
      { url: plain.url('/silent'), timeoutMs: 10_000 },
      { signal: controller.signal },
    );
    await expect(run).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(1000);
    // The server sees the five connections close (it would wait 10 s for the timeouts otherwise).
    for (let i = 0; i < 50 && (await plain.open()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await plain.open()).toBe(0);
  });
});

describe('load over a bare TCP server', () => {
  test.each([
    [
      'a body read to the close',
      { bytes: 'HTTP/1.1 200 OK\r\n\r\nthe whole body', end: true },
      { '200': 12 },
      12,
    ],
    [
      'HTTP/1.0 without keep-alive',
      { bytes: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok' },
      { '200': 12 },
      12,
    ],
    [
      'two answers to one request',
      { bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'.repeat(2) },
      { '200': 12 },
      12,
    ],
  ])('%s: a new connection for each request', async (_name, reply, statuses, connections) => {
    const server = await rawServer(reply);
    try {
      const r = await runLoad(spec(12, 2), { url: server.url('/') });
      expect(r).toMatchObject({ passed: true, errors: 0, statuses });
      expect(server.connections()).toBe(connections);
    } finally {
      await server.close();
    }
  });

  test.each([
    [
      'a Content-Length that is no number',
      'HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n',
      /Content-Length is not a number/,
    ],
    ['no HTTP at all', 'SSH-2.0-OpenSSH_9.6\r\n', /status line/],
    [
      'a body cut short',
      'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort',
      /closed before the response ended/,
    ],
  ])('%s is a transport error', async (_name, bytes, error) => {
    const server = await rawServer({ bytes, end: true });
    try {
      const lines: string[] = [];
      const r = await runLoad(spec(6, 2), { url: server.url('/') }, { log: (l) => lines.push(l) });
      expect(r).toMatchObject({ errors: 6, statuses: { error: 6 } });
      expect(lines.find((l) => l.startsWith('load: first transport error: malformed response: '))).toMatch(
        error,
      );
    } finally {
      await server.close();
    }
  });
});

describe('load over node:https', () => {
  const authed = () => ({ url: tls.url('/auth') });
  const auth = { bearer: 'load-s3cret-token' };

  test.each([
    ['the CA given', () => ({ ca: tls.ca })],
    ['insecure', () => ({ insecure: true })],
  ])('with %s: the auth header sent, never logged', async (_name, tlsSpec) => {
    const lines: string[] = [];
    tls.reset();
    const r = await runLoad(spec(50, 5), authed(), { tls: tlsSpec(), auth, log: (l) => lines.push(l) });
    expect(r).toMatchObject({ passed: true, errors: 0, statuses: { '200': 50 } });
    expect(tls.countOf('/auth')).toBe(50);
    expect(lines.join('\n')).not.toContain('s3cret');
  });

  test('an untrusted certificate is a transport error that says what to do', async () => {
    const lines: string[] = [];
    const r = await runLoad(spec(4, 2), authed(), { auth, log: (l) => lines.push(l) });
    expect(r).toMatchObject({ errors: 4, statuses: { error: 4 } });
    expect(lines.join('\n')).toMatch(
      /first transport error: TLS verification failed: \w+ \(trust the server's CA/,
    );
  });
});
