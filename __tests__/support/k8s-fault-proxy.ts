// A TLS-terminating, fault-injecting proxy in front of the sandbox apiserver, for the k8s fault
// matrix. It serves HTTPS with a self-signed certificate made for 127.0.0.1 by `openssl`, forwards
// every request (the client's bearer token included) to the apiserver, logs each one with its
// 1-based index, and fails the request at a chosen index in one of these ways:
//   reset-before  the connection is reset before any response byte;
//   reset-mid     the apiserver's status line, headers and part of the body arrive, then a reset
//                 (on a watch: after the first event);
//   500           a Status 500 (InternalError) instead of forwarding;
//   429           a Status 429 with Retry-After: 1, as API Priority and Fairness answers;
//   latency       LATENCY_MS of silence before the request is forwarded (cut short if the client
//                 leaves, which the log records as `abandoned`).
// `kubeconfig(deployer)` writes a kubeconfig pointing at the proxy with the deployer's credentials.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';

export type K8sFault = 'reset-before' | 'reset-mid' | '500' | '429' | 'latency';
export const K8S_FAULTS: K8sFault[] = ['reset-before', 'reset-mid', '500', '429', 'latency'];

export interface ProxiedRequest {
  index: number;
  method: string;
  /** Path and query as sent. */
  url: string;
  watch: boolean;
  fault?: K8sFault;
  /** The apiserver's status (undefined when the request was not forwarded or never answered). */
  status?: number;
  /** The request body (JSON patches and objects; no secrets pass here in the matrix). */
  body: string;
  /** On latency: the client closed the request before LATENCY_MS passed (its deadline fired). */
  abandoned?: boolean;
}

export interface K8sFaultProxy {
  readonly url: string;
  readonly requests: ProxiedRequest[];
  /** Fails the request with this 1-based index (counted from the last reset()). */
  failAt(index: number, fault: K8sFault): void;
  /** Forgets the log and the fault; the next request is index 1. */
  reset(): void;
  /** Writes a kubeconfig for the proxy from `source` (its user and namespace); returns its path. */
  kubeconfig(source: string): string;
  close(): Promise<void>;
}

/**
 * The injected latency: three times the matrix's 1 s request-timeout, so that only the client's
 * response deadline ends the wait (each latency hit must be `abandoned`, sweepTests checks it).
 */
export const LATENCY_MS = 3_000;

/** A self-signed certificate for 127.0.0.1 (key and cert PEM), made with openssl. */
export function selfSignedCert(dir: string): { key: string; cert: string } {
  const key = path.join(dir, 'proxy.key');
  const cert = path.join(dir, 'proxy.crt');
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=hac-fault-proxy',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
    ], // prettier-ignore
    { stdio: 'ignore', timeout: 30_000 },
  );
  return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
}

function statusBody(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
}

function answerFault(res: http.ServerResponse, fault: '500' | '429'): void {
  if (fault === '500') {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(statusBody(500, 'InternalError', 'Internal error occurred: injected by the fault proxy'));
    return;
  }
  res.writeHead(429, {
    'content-type': 'application/json',
    'retry-after': '1',
    'x-kubernetes-pf-flowschema-uid': 'fault-proxy',
    'x-kubernetes-pf-prioritylevel-uid': 'fault-proxy',
  });
  res.end(statusBody(429, 'TooManyRequests', 'Too many requests, please try again later.'));
}

interface Upstream {
  host: string;
  port: number;
  ca: string;
}

function upstreamOf(kubeconfigPath: string): Upstream {
  const doc = parse(fs.readFileSync(kubeconfigPath, 'utf8')) as any;
  const ctx = doc.contexts.find((c: any) => c.name === doc['current-context']) ?? doc.contexts[0];
  const cluster = doc.clusters.find((c: any) => c.name === ctx.context.cluster) ?? doc.clusters[0];
  const server = new URL(cluster.cluster.server);
  const ca = Buffer.from(cluster.cluster['certificate-authority-data'], 'base64').toString('utf8');
  return { host: server.hostname, port: Number(server.port || 443), ca };
}

/** A TCP reset: on the TCP socket under the TLS one (a TLS socket cannot be reset itself). */
function reset(socket: Socket): void {
  const tcp = (socket as Socket & { _parent?: Socket })._parent ?? socket;
  if (tcp.destroyed) return;
  tcp.resetAndDestroy();
  socket.destroy();
}

/** Forwards the request; on reset-mid, passes part of the body (a watch's first event) and resets. */
function forward(
  up: Upstream,
  req: http.IncomingMessage,
  body: Buffer,
  res: http.ServerResponse,
  entry: ProxiedRequest,
): void {
  const headers = { ...req.headers, host: `${up.host}:${up.port}` };
  const upReq = https.request(
    { host: up.host, port: up.port, ca: up.ca, path: req.url, method: req.method, headers },
    (upRes) => {
      entry.status = upRes.statusCode;
      const hop = { ...upRes.headers };
      delete hop['content-length'];
      delete hop.connection;
      delete hop['transfer-encoding'];
      res.writeHead(upRes.statusCode ?? 502, hop);
      if (entry.fault !== 'reset-mid') {
        upRes.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => {
        if (entry.watch) {
          res.write(c.subarray(0, Math.max(1, c.length - 1)), () => reset(req.socket));
          upRes.destroy();
        } else chunks.push(c);
      });
      upRes.on('end', () => {
        const all = Buffer.concat(chunks);
        res.write(all.subarray(0, Math.max(1, Math.floor(all.length / 2))), () => reset(req.socket));
      });
    },
  );
  upReq.on('error', () => reset(req.socket));
  res.on('close', () => upReq.destroy());
  upReq.end(body);
}

export async function startK8sFaultProxy(upstreamKubeconfig: string): Promise<K8sFaultProxy> {
  const up = upstreamOf(upstreamKubeconfig);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-k8s-proxy-'));
  const tls = selfSignedCert(dir);
  const requests: ProxiedRequest[] = [];
  let planned: { index: number; fault: K8sFault } | undefined;
  let seen = 0;
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const index = ++seen;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '/';
      const watch = /[?&]watch=(1|true)/.test(url);
      const fault = planned?.index === index ? planned.fault : undefined;
      const entry: ProxiedRequest = {
        index,
        method: req.method ?? 'GET',
        url,
        watch,
        fault,
        body: String(body),
      };
      requests.push(entry);
      if (fault === 'reset-before') return reset(req.socket);
      if (fault === '500' || fault === '429') return answerFault(res, fault);
      if (fault !== 'latency') return forward(up, req, body, res, entry);
      const started = Date.now();
      const timer = setTimeout(() => forward(up, req, body, res, entry), LATENCY_MS);
      res.on('close', () => {
        clearTimeout(timer);
        if (!entry.status && Date.now() - started < LATENCY_MS) entry.abandoned = true;
      });
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    failAt(index, fault) {
      planned = { index, fault };
    },
    reset() {
      requests.length = 0;
      seen = 0;
      planned = undefined;
    },
    kubeconfig(source) {
      const doc = parse(fs.readFileSync(source, 'utf8')) as any;
      for (const c of doc.clusters)
        c.cluster = { server: url, 'certificate-authority-data': Buffer.from(tls.cert).toString('base64') };
      const file = path.join(dir, `kubeconfig-${path.basename(source)}`);
      fs.writeFileSync(file, stringify(doc), { mode: 0o600 });
      return file;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
