// What an AWS endpoint did when a request failed, in words a user can act on: which endpoint and
// region, refused or silent or not the API at all, which deadline passed and what to check.
// A middleware next to the HTTP handler sees every attempt: until an endpoint has answered like
// the API once, its failures end the call at once (first contact fails fast), except a reset
// connection, which the network causes; after that, the SDK's retries apply as usual (an endpoint
// that answered before may be restarting).
import { formatDuration } from '@hac/toolkit';

export type EndpointProblem =
  'refused' | 'dns' | 'connect-timeout' | 'response-timeout' | 'reset' | 'tls' | 'not-the-api' | 'network';

/** A failure at the network edge, before the service answered in its own protocol. */
export class EndpointError extends Error {
  /** Retried by the SDK only after the endpoint answered like the API once (`$retryable` is the SDK's trait). */
  readonly $retryable?: Record<string, never>;
  $metadata: { httpStatusCode?: number; attempts?: number };
  constructor(
    message: string,
    readonly problem: EndpointProblem,
    readonly hint: string,
    opts: { retryable: boolean; status?: number },
  ) {
    super(message);
    this.name = 'EndpointError';
    // The SDK retries 5xx statuses on its own: the status is shown only when a retry is wanted.
    this.$metadata = opts.retryable && opts.status !== undefined ? { httpStatusCode: opts.status } : {};
    if (opts.retryable) this.$retryable = {};
  }
}

export interface EndpointContext {
  service: 'EC2' | 'SSM';
  region: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
}

/** Whether a body is what the service's protocol answers: XML `<...Response>` for EC2, a JSON object for SSM. */
export function looksLikeApi(service: EndpointContext['service'], body: string): boolean {
  const text = body.replace(/^\uFEFF/, '').trim();
  if (service === 'EC2') return /^(<\?xml[^>]*\?>\s*)?<([A-Za-z]+)?Response[\s>]/.test(text);
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

const CHECK_ENDPOINT = (c: EndpointContext) =>
  `Check the "endpoint" input and AWS_ENDPOINT_URL_${c.service} / AWS_ENDPOINT_URL (empty means AWS's own endpoint for the region), the "region" input and AWS_REGION, and the network or proxy between the runner and AWS.`;

/** Classifies a network error of the HTTP handler (pure). */
export function networkProblem(err: unknown): { problem: EndpointProblem; detail: string } {
  const e = (err ?? {}) as { name?: string; code?: string; message?: string };
  const code = e.code ?? '';
  const message = e.message ?? String(err);
  // Node's handler renames ECONNRESET, ECONNREFUSED and EPIPE to TimeoutError: the code decides first.
  if (code === 'ECONNREFUSED') return { problem: 'refused', detail: code };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { problem: 'dns', detail: code };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { problem: 'reset', detail: code };
  if (e.name === 'TimeoutError' && /establish a connection/.test(message))
    return { problem: 'connect-timeout', detail: 'connect timeout' };
  if (e.name === 'TimeoutError' || code === 'ETIMEDOUT')
    return { problem: 'response-timeout', detail: 'request timeout' };
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code)) return { problem: 'tls', detail: code };
  if (/socket hang up/i.test(message)) return { problem: 'reset', detail: 'socket hang up' };
  return { problem: 'network', detail: code || e.name || 'network error' };
}

/** The message and hint for a failure at `url` (pure, so that tests can table it). */
export function describeEndpointProblem(
  c: EndpointContext,
  url: string,
  p: { problem: EndpointProblem; detail: string },
  firstContact: boolean,
): { message: string; hint: string } {
  const where = `The ${c.service} endpoint ${url} (region ${c.region})`;
  const first = firstContact ? ' on the first request, so nothing was retried' : '';
  const check = CHECK_ENDPOINT(c);
  switch (p.problem) {
    case 'refused':
      return { message: `${where} refused the connection (ECONNREFUSED)${first}.`, hint: check };
    case 'dns':
      return { message: `${where} could not be resolved (${p.detail})${first}.`, hint: check };
    case 'connect-timeout':
      return {
        message: `${where} did not accept a connection within ${formatDuration(c.connectTimeoutMs)} (the connect timeout, input "connect-timeout")${first}.`,
        hint: `${check} Raise "connect-timeout" only for a slow proxy.`,
      };
    case 'response-timeout':
      return {
        message: `${where} accepted the connection but sent no answer within ${formatDuration(c.requestTimeoutMs)} (the request timeout, input "request-timeout")${first}.`,
        hint: `${check} A proxy or firewall that holds connections open causes this; raise "request-timeout" only if the endpoint is known to be slow.`,
      };
    case 'tls':
      return {
        message: `${where} failed the TLS handshake (${p.detail})${first}.`,
        hint: `${check} A TLS-intercepting proxy needs its CA in NODE_EXTRA_CA_CERTS.`,
      };
    case 'reset':
      return {
        message: `${where} closed the connection without an answer (${p.detail})${first}.`,
        hint: check,
      };
    case 'not-the-api':
      return {
        message: `${where} answered ${p.detail}, which is not the ${c.service} API${first}.`,
        hint: `${check} Something else (a captive portal, a web server, a proxy error page) answers at that URL.`,
      };
    default:
      return { message: `${where} could not be reached (${p.detail})${first}.`, hint: check };
  }
}

/** "HTTP 200, text/html: <html>..." for an answer that is not the API (no secrets: a response body, cut short). */
function answerSummary(status: number, contentType: string | undefined, body: string): string {
  const start = body
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim()
    .slice(0, 60);
  return `HTTP ${status}${contentType ? ` (${contentType.split(';')[0]})` : ''} ${start ? `beginning ${JSON.stringify(start)}` : 'with an empty body'}`;
}

interface RawResponse {
  statusCode: number;
  headers: Record<string, string | undefined>;
  body: unknown;
}
interface RawRequest {
  protocol?: string;
  hostname?: string;
  port?: number;
  path?: string;
}

async function readBody(body: unknown): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof body === 'string') return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const urlOf = (r: RawRequest | undefined) =>
  r ? `${r.protocol ?? 'https:'}//${r.hostname ?? ''}${r.port ? `:${r.port}` : ''}` : 'unknown';

/** Endpoints (by service, region and URL) that have answered like the API in this process. */
const answered = new Set<string>();

/** Forgets which endpoints answered (tests). */
export function forgetEndpoints(): void {
  answered.clear();
}

type Handler = (args: { request: unknown }) => Promise<{ response: unknown }>;
interface StackClient {
  middlewareStack: {
    add(
      mw: (next: Handler) => Handler,
      opts: { step: 'deserialize'; priority: 'low' | 'high'; name: string },
    ): void;
  };
}

/** Whether `err` is the SDK failing to parse a body (it carries the response but no service fault). */
const isParseError = (err: unknown): boolean => {
  const e = err as { $fault?: string; $response?: unknown; message?: string } | undefined;
  return !!e && e.$fault === undefined && /XML parse error|Deserialization error|JSON/i.test(e.message ?? '');
};

type Failure = (
  key: string,
  url: string,
  p: { problem: EndpointProblem; detail: string },
  status?: number,
) => EndpointError;

/** The error for a failure at `url`; fails fast (not retried) until that endpoint has answered once. */
function failureOf(c: EndpointContext): Failure {
  return (key, url, p, status) => {
    // A reset after the connection was accepted is the network's doing: retried even on first contact.
    const first = !answered.has(key) && p.problem !== 'reset';
    const d = describeEndpointProblem(c, url, p, first);
    const retryable = !first && (p.problem !== 'not-the-api' || (status ?? 0) >= 500);
    return new EndpointError(d.message, p.problem, d.hint, {
      retryable,
      ...(status !== undefined ? { status } : {}),
    });
  };
}

const keyOf = (c: EndpointContext, args: { request: unknown }) => {
  const url = urlOf(args.request as RawRequest | undefined);
  return { url, key: `${c.service}|${c.region}|${url}` };
};

/** Around the SDK's parser: a body that does not parse is not the API; a parsed answer marks the endpoint. */
function parseCheck(c: EndpointContext, failure: Failure) {
  return (next: Handler): Handler =>
    async (args) => {
      const { url, key } = keyOf(c, args);
      try {
        const result = await next(args);
        answered.add(key);
        return result;
      } catch (err) {
        if (err instanceof EndpointError || !isParseError(err)) {
          if ((err as { $fault?: string })?.$fault) answered.add(key);
          throw err;
        }
        const response = (err as { $response?: RawResponse & { hacSummary?: string } }).$response;
        const detail = `${response?.hacSummary ?? 'a body'} that does not parse`;
        throw failure(key, url, { problem: 'not-the-api', detail }, response?.statusCode);
      }
    };
}

/** Next to the HTTP handler: network errors, and bodies that are not the service's protocol. */
function bodyCheck(c: EndpointContext, failure: Failure) {
  return (next: Handler): Handler =>
    async (args) => {
      const { url, key } = keyOf(c, args);
      let result: { response: unknown };
      let body: Buffer;
      try {
        result = await next(args);
        body = await readBody((result.response as RawResponse).body);
      } catch (err) {
        if ((err as Error)?.name === 'AbortError') throw err;
        throw failure(key, url, networkProblem(err));
      }
      const response = result.response as RawResponse & { hacSummary?: string };
      response.body = new Uint8Array(body);
      const text = body.toString('utf8');
      const contentType = response.headers['content-type'] ?? response.headers['Content-Type'];
      response.hacSummary = answerSummary(response.statusCode, contentType, text);
      if (!looksLikeApi(c.service, text))
        throw failure(key, url, { problem: 'not-the-api', detail: response.hacSummary }, response.statusCode);
      return result;
    };
}

/**
 * Adds the endpoint check to an SDK client (EC2 or SSM): next to the HTTP handler, network errors
 * and bodies that are not the protocol; around the SDK's parser, bodies that do not parse. An
 * endpoint counts as having answered once a response parsed (a service error included).
 */
export function watchEndpoint<C>(client: C, c: EndpointContext): C {
  const stack = (client as unknown as StackClient).middlewareStack;
  const failure = failureOf(c);
  stack.add(parseCheck(c, failure), { step: 'deserialize', priority: 'high', name: 'hacEndpointParse' });
  stack.add(bodyCheck(c, failure), { step: 'deserialize', priority: 'low', name: 'hacEndpointCheck' });
  return client;
}
