// The load phase's HTTP/1.1 client: one raw keep-alive socket (net, or tls for https) per
// concurrency slot, one request in flight on each, the request's bytes built once for the run.
// node:http's per-request objects (ClientRequest, IncomingMessage, the Agent's bookkeeping) cost
// more than the exchange itself against a fast server; here a request is one socket write.
import type net from 'node:net';
import type TLS from 'node:tls';
import { checkHeader } from './headers.js';
import { ConnectTimeout, describeError } from './http.js';
import { ResponseParser } from './response-parser.js';
import type { TlsSpec } from './types.js';

/** What every request of one run sends, and its deadlines. */
export interface LoadTarget {
  url: URL;
  /** The whole request (head and body), written once per request. */
  bytes: Buffer;
  /** The method is HEAD: no response has a body. */
  head: boolean;
  /** Each request must be answered within this, from its first byte written (or its connection started). */
  timeoutMs: number;
  /** A new connection (TCP, and TLS for https) must be up within this. */
  connectTimeoutMs: number;
  tls?: TlsSpec;
}

/** Where each request's outcome goes, by request index. */
export interface LoadSink {
  response(i: number, status: number, latencyMs: number): void;
  failure(i: number, message: string, latencyMs: number): void;
}

/** Methods that node:http sends without a Content-Length when they have no body. */
const NO_BODY_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

/**
 * The bytes of one request: request line, Host (from the URL unless given), the headers,
 * Connection: keep-alive (unless given), and the body's length (or one chunk, when the headers ask
 * for chunked). Header names and values are checked as node:http would; a bad one is named, its
 * value never shown.
 */
export function requestBytes(
  method: string,
  url: URL,
  headers: Record<string, string>,
  body: string | undefined,
): Buffer {
  const given = new Set(Object.keys(headers).map((n) => n.toLowerCase()));
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`];
  if (!given.has('host')) lines.push(`Host: ${url.host}`);
  for (const [name, value] of Object.entries(headers)) {
    checkHeader(name, value);
    lines.push(`${name}: ${value}`);
  }
  if (!given.has('connection')) lines.push('Connection: keep-alive');
  const chunked = /(^|,)\s*chunked\s*$/i.test(headers['transfer-encoding'] ?? '');
  const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
  if (!chunked && !given.has('content-length') && (payload || !NO_BODY_METHODS.has(method)))
    lines.push(`Content-Length: ${payload?.length ?? 0}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  if (chunked) {
    const chunk = payload?.length
      ? `${payload.length.toString(16)}\r\n${payload.toString('latin1')}\r\n`
      : '';
    return Buffer.concat([head, Buffer.from(`${chunk}0\r\n\r\n`, 'latin1')]);
  }
  return payload ? Buffer.concat([head, payload]) : head;
}

/** Shared by the slots of one run: the target, the sink, the next request, and a TLS session to resume. */
interface Run {
  target: LoadTarget;
  sink: LoadSink;
  total: number;
  next: number;
  signal: AbortSignal | undefined;
  session?: Buffer;
  net: typeof net;
}

/** One concurrency slot: a connection (made when needed, remade after a close or an error) and its request. */
class Slot {
  private socket: net.Socket | undefined;
  private parser: ResponseParser | undefined;
  private connected = false;
  /** The request in flight, or -1. */
  private index = -1;
  private t0 = 0;
  private reusable = true;
  private finished = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly run: Run,
    private readonly done: () => void,
  ) {
    // One timer per slot, re-armed (refresh) as each request starts: it fires only when the
    // request in flight has had the whole timeout.
    this.timer = setTimeout(() => this.onTimeout(), run.target.timeoutMs);
    this.timer.unref();
  }

  /** Sends the next request of the run, or ends the slot when none is left. */
  next(): void {
    const run = this.run;
    if (this.finished) return;
    if (run.next >= run.total || run.signal?.aborted) return this.stop();
    this.index = run.next++;
    this.reusable = true;
    this.t0 = performance.now();
    this.timer.refresh();
    const socket = this.socket ?? this.connect();
    socket?.write(run.target.bytes);
  }

  stop(): void {
    if (this.finished) return;
    this.finished = true;
    this.index = -1;
    clearTimeout(this.timer);
    this.drop();
    this.done();
  }

  private connect(): net.Socket | undefined {
    const { target } = this.run;
    const parser = new ResponseParser((status, keepAlive) => this.onResponse(status, keepAlive), target.head);
    let socket: net.Socket;
    try {
      socket = this.open();
    } catch (err) {
      // Options node refuses at once (a bad CA, say) fail this request, outside this call stack.
      process.nextTick(() => this.fail(err));
      return undefined;
    }
    this.socket = socket;
    this.parser = parser;
    this.connected = false;
    const secure = target.url.protocol === 'https:';
    const deadline = setTimeout(() => {
      if (socket === this.socket) this.fail(new ConnectTimeout(target.url, target.connectTimeoutMs));
    }, target.connectTimeoutMs);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(deadline);
      if (socket === this.socket) this.connected = true;
    });
    socket.on('data', (buf: Buffer) => this.onData(socket, buf));
    socket.on('end', () => this.onEnd(socket));
    socket.on('error', (err) => {
      if (socket === this.socket) this.fail(err);
    });
    socket.on('close', () => {
      clearTimeout(deadline);
      if (socket === this.socket) this.fail(new Error('the connection closed before the response'));
    });
    return socket;
  }

  private open(): net.Socket {
    const { target } = this.run;
    const url = target.url;
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const secure = url.protocol === 'https:';
    const port = Number(url.port) || (secure ? 443 : 80);
    if (!secure) return this.run.net.connect({ host, port, noDelay: true });
    // node:tls is loaded by the first https connection only.
    const tls: typeof TLS = process.getBuiltinModule('node:tls');
    const socket = tls.connect({
      host,
      port,
      servername: this.run.net.isIP(host) ? undefined : host,
      ca: target.tls?.ca,
      rejectUnauthorized: !target.tls?.insecure,
      session: this.run.session,
    });
    socket.setNoDelay(true);
    socket.on('session', (session: Buffer) => (this.run.session = session));
    return socket;
  }

  private onData(socket: net.Socket, buf: Buffer): void {
    if (socket !== this.socket) return;
    try {
      this.parser?.feed(buf);
    } catch (err) {
      return this.fail(err);
    }
    if (this.index >= 0) return; // the response goes on in the next bytes
    // A connection closing after the response, or bytes past it (nothing else was asked), is not reused.
    if (!this.reusable || !this.parser?.idle) this.drop();
    this.next();
  }

  private onResponse(status: number, keepAlive: boolean): void {
    if (this.index < 0) {
      this.reusable = false; // a response to no request
      return;
    }
    this.run.sink.response(this.index, status, performance.now() - this.t0);
    this.index = -1;
    this.reusable = keepAlive;
  }

  /** The server ended the connection: a body read to the close is complete; a request in flight has failed. */
  private onEnd(socket: net.Socket): void {
    if (socket !== this.socket) return;
    const inFlight = this.index >= 0;
    try {
      this.parser?.end();
    } catch (err) {
      return this.fail(err);
    }
    if (this.index >= 0) return this.fail(new Error('the server closed the connection before responding'));
    this.drop();
    if (inFlight) this.next();
  }

  private onTimeout(): void {
    if (this.index < 0) return;
    const { target } = this.run;
    const connecting = this.socket !== undefined && !this.connected;
    this.fail(
      connecting
        ? new ConnectTimeout(target.url, target.timeoutMs)
        : new Error(`no response within the ${target.timeoutMs}ms timeout`),
    );
  }

  /** A transport failure: the connection is dropped, the request in flight counted, the next one sent. */
  private fail(err: unknown): void {
    const i = this.index;
    this.drop();
    if (i < 0 || this.finished) return;
    this.index = -1;
    this.run.sink.failure(i, describeError(err), performance.now() - this.t0);
    this.next();
  }

  private drop(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.parser = undefined;
    socket?.destroy();
  }
}

/**
 * Sends requests 0..total-1 over `concurrency` connections, each request as soon as its slot's
 * previous one is answered. Resolves when every request is answered or failed, or at once on abort
 * (the connections are closed; the caller sees the signal).
 */
export function sendAll(
  target: LoadTarget,
  total: number,
  concurrency: number,
  sink: LoadSink,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const run: Run = {
      target,
      sink,
      total,
      next: 0,
      signal,
      net: process.getBuiltinModule('node:net'),
    };
    let open = concurrency;
    const slots: Slot[] = [];
    const onAbort = () => slots.forEach((s) => s.stop());
    const done = () => {
      if (--open > 0) return;
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    if (open < 1) return resolve();
    for (let i = 0; i < concurrency; i++) slots.push(new Slot(run, done));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    slots.forEach((s) => s.next());
  });
}
