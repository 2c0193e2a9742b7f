// The direct path to the apiserver for kubeconfigs that need no plugin: a server URL, a CA, and a
// bearer token or a client certificate (what azure/k8s-set-context, `kwokctl`, `kind` and
// ServiceAccount kubeconfigs contain). It reads the file with `yaml` and talks through node:https,
// so the common case never loads @kubernetes/client-node (about half a second of start-up).
// Anything else (exec and auth-provider plugins, proxies, impersonation, several KUBECONFIG files,
// in-cluster config) returns a reason, and the caller falls back to client-node's KubeConfig.
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { yamlPackage } from '@hac/toolkit';
import {
  buildUrl,
  parseBody,
  readJsonLines,
  type HttpRequest,
  type HttpResponse,
  type Transport,
} from './transport.js';
import {
  DEFAULT_DEADLINES,
  deadlineOf,
  deadlineTimer,
  guarded,
  idleGuarded,
  type Deadlines,
} from './deadlines.js';

export interface DirectAccess {
  server: string;
  context: string;
  namespace?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  tokenFile?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
}

export type DirectResult = { access: DirectAccess } | { fallback: string };

const CLUSTER_FIELDS = new Set([
  'server',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'extensions',
]);
const USER_FIELDS = new Set([
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'token',
  'tokenFile',
  'extensions',
]);

interface Named<T> {
  name?: string;
  cluster?: T;
  user?: T;
  context?: T;
}
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Which kubeconfig file the default chain would read: the option, a single KUBECONFIG path, ~/.kube/config. */
export function kubeconfigFile(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  home = os.homedir(),
): string | { fallback: string } {
  if (explicit) return explicit;
  const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  if (list.length > 1) return { fallback: 'KUBECONFIG lists several files (merged by client-node)' };
  const file = list[0] ?? path.join(home, '.kube', 'config');
  if (!fs.existsSync(file)) return { fallback: `no kubeconfig at ${file} (in-cluster or error)` };
  return file;
}

/**
 * Reads a kubeconfig for the direct path (pure apart from reading the files it names). Returns the
 * access for the context, or why the direct path does not apply.
 */
export function readDirectAccess(text: string, file: string, context?: string): DirectResult {
  let doc: unknown;
  try {
    doc = yamlPackage().parse(text);
  } catch {
    return { fallback: 'not YAML' };
  }
  if (!isObj(doc)) return { fallback: 'not a kubeconfig map' };
  const ctxName = context || (typeof doc['current-context'] === 'string' ? doc['current-context'] : '');
  if (!ctxName) return { fallback: 'no current context' };
  const find = (list: unknown, name: unknown, key: 'cluster' | 'user' | 'context'): Obj | undefined => {
    if (!Array.isArray(list)) return undefined;
    const hit = (list as Named<unknown>[]).find((e) => isObj(e) && e.name === name);
    const v = hit?.[key];
    return isObj(v) ? v : hit && v === undefined && key === 'user' ? {} : undefined;
  };
  const ctx = find(doc.contexts, ctxName, 'context');
  if (!ctx) return { fallback: `no context "${ctxName}"` };
  const cluster = find(doc.clusters, ctx.cluster, 'cluster');
  if (!cluster) return { fallback: `no cluster "${String(ctx.cluster)}"` };
  const user = ctx.user === undefined ? {} : find(doc.users, ctx.user, 'user');
  if (!user) return { fallback: `no user "${String(ctx.user)}"` };
  const odd =
    Object.keys(cluster).find((k) => !CLUSTER_FIELDS.has(k)) ??
    Object.keys(user).find((k) => !USER_FIELDS.has(k));
  if (odd) return { fallback: `uses "${odd}"` };
  if (typeof cluster.server !== 'string' || !/^https?:\/\//.test(cluster.server))
    return { fallback: 'no http(s) server' };
  const dir = path.dirname(path.resolve(file));
  const bytes = (data: unknown, ref: unknown): Buffer | undefined => {
    if (typeof data === 'string' && data) return Buffer.from(data, 'base64');
    if (typeof ref === 'string' && ref) return fs.readFileSync(path.resolve(dir, ref));
    return undefined;
  };
  try {
    const access: DirectAccess = {
      server: cluster.server,
      context: ctxName,
      insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    };
    if (typeof ctx.namespace === 'string' && ctx.namespace) access.namespace = ctx.namespace;
    const ca = bytes(cluster['certificate-authority-data'], cluster['certificate-authority']);
    const cert = bytes(user['client-certificate-data'], user['client-certificate']);
    const key = bytes(user['client-key-data'], user['client-key']);
    if (ca) access.ca = ca;
    if (cert) access.cert = cert;
    if (key) access.key = key;
    if (typeof user.token === 'string' && user.token) access.token = user.token;
    if (typeof user.tokenFile === 'string' && user.tokenFile)
      access.tokenFile = path.resolve(dir, user.tokenFile);
    if (typeof cluster['tls-server-name'] === 'string') access.tlsServerName = cluster['tls-server-name'];
    return { access };
  } catch (err) {
    return { fallback: `cannot read a file it names (${(err as Error).message})` };
  }
}

/** One apiserver's connection settings: its access, keep-alive agent and deadlines. */
interface Connection {
  access: DirectAccess;
  secure: boolean;
  agent: http.Agent;
  userAgent: string;
  deadlines: Deadlines;
}

// node:http and node:https are loaded when the first connection is made, not at a step's start.
function agentFor(access: DirectAccess, secure: boolean): http.Agent {
  if (!secure) return new (process.getBuiltinModule('node:http').Agent)({ keepAlive: true });
  return new (process.getBuiltinModule('node:https').Agent)({
    keepAlive: true,
    ...(access.ca ? { ca: access.ca } : {}),
    ...(access.cert ? { cert: access.cert } : {}),
    ...(access.key ? { key: access.key } : {}),
    ...(access.tlsServerName ? { servername: access.tlsServerName } : {}),
    rejectUnauthorized: !access.insecureSkipTlsVerify,
  });
}

function tokenOf(access: DirectAccess): string | undefined {
  // A token file is re-read on every request: projected ServiceAccount tokens rotate.
  if (access.tokenFile) return fs.readFileSync(access.tokenFile, 'utf8').trim();
  return access.token;
}

function headersOf(conn: Connection, req: HttpRequest): { headers: Record<string, string>; body?: string } {
  const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': conn.userAgent };
  const bearer = tokenOf(conn.access);
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (req.body === undefined) return { headers };
  headers['Content-Type'] = req.contentType ?? 'application/json';
  const body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  headers['Content-Length'] = String(Buffer.byteLength(body));
  return { headers, body };
}

/** Sends a request; the connect deadline runs until the socket is connected (and TLS is up). */
function send(conn: Connection, req: HttpRequest, ac: AbortController): Promise<http.IncomingMessage> {
  const { headers, body } = headersOf(conn, req);
  const url = buildUrl(conn.access.server, req.path, req.query);
  return new Promise((resolve, reject) => {
    const r = process.getBuiltinModule(conn.secure ? 'node:https' : 'node:http').request(url, {
      method: req.method,
      headers,
      agent: conn.agent,
      signal: ac.signal,
    });
    r.on('socket', (socket) => {
      if (!socket.connecting) return;
      const t = deadlineTimer(ac, 'connect', conn.deadlines.connectMs, conn.access.server);
      socket.once(conn.secure ? 'secureConnect' : 'connect', () => t.clear());
      socket.once('close', () => t.clear());
    });
    r.on('response', resolve);
    r.on('error', (err) => reject(deadlineOf(ac) ?? err));
    r.end(body);
  });
}

/** A Transport over node:http(s) with the access's TLS material and bearer token, and deadlines. */
export function directTransport(
  access: DirectAccess,
  userAgent = 'hac',
  deadlines: Deadlines = DEFAULT_DEADLINES,
): Transport {
  const secure = access.server.startsWith('https:');
  const conn: Connection = { access, secure, agent: agentFor(access, secure), userAgent, deadlines };
  const server = access.server;
  return {
    server,
    request: (req) =>
      guarded(req.signal, deadlines.responseMs, server, async (ac) => {
        const res = await send(conn, req, ac);
        return answer(res, await text(res));
      }),
    stream: (req, onLine) =>
      guarded(req.signal, deadlines.responseMs, server, async (ac, response) => {
        const res = await send(conn, req, ac);
        if (res.statusCode !== 200) return answer(res, await text(res));
        response.clear();
        await idleGuarded(ac, deadlines.watchIdleMs, server, res, (chunks) =>
          readJsonLines(chunks as AsyncIterable<Uint8Array>, onLine),
        );
        return { status: 200, body: undefined, contentType: contentTypeOf(res) };
      }),
  };
}

function contentTypeOf(res: http.IncomingMessage): string {
  return String(res.headers['content-type'] ?? '');
}

function answer(res: http.IncomingMessage, body: string): HttpResponse {
  return { status: res.statusCode ?? 0, body: parseBody(body), contentType: contentTypeOf(res) };
}

async function text(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
