// The endpoint a client talks to, and what its failures mean. Until the endpoint has answered once
// as a Kubernetes API ("first contact"), a failure to connect, a TLS failure or an answer that is
// not the Kubernetes API (an HTML page) fails at once: retrying will not change a wrong URL, a
// closed port or a wrong CA. Once it has answered, the same failures are an apiserver restarting,
// and the client retries them within its budget.
import { ActionError } from '@hac/toolkit';
import { DEADLINE_TEXT, formatMs } from './deadlines.js';
import type { HttpResponse } from './transport.js';

export interface Endpoint {
  server: string;
  context?: string;
  /** Whether the endpoint has answered as a Kubernetes API in this run. */
  contacted: boolean;
}

export type NetFailure =
  | 'refused'
  | 'dns'
  | 'unreachable'
  | 'tls'
  | 'connect-timeout'
  | 'response-timeout'
  | 'watch-idle'
  | 'reset'
  | 'bad-port';

/** Failures that mean "this endpoint cannot be reached as configured". */
const CANNOT_CONNECT = new Set<NetFailure>([
  'refused',
  'dns',
  'unreachable',
  'tls',
  'connect-timeout',
  'bad-port',
]);

const BY_CODE: [RegExp, NetFailure][] = [
  [/^ECONNREFUSED$/, 'refused'],
  [/^(ENOTFOUND|EAI_AGAIN|EAI_NONAME)$/, 'dns'],
  [/^(EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL)$/, 'unreachable'],
  [/CERT|SSL|TLS|^EPROTO$|^UNABLE_TO_|SELF_SIGNED|^HOSTNAME_MISMATCH$/, 'tls'],
  [/^(HAC_CONNECT_TIMEOUT|UND_ERR_CONNECT_TIMEOUT|ETIMEDOUT)$/, 'connect-timeout'],
  [/^(HAC_RESPONSE_TIMEOUT|UND_ERR_HEADERS_TIMEOUT)$/, 'response-timeout'],
  [/^(HAC_WATCH_IDLE_TIMEOUT|UND_ERR_BODY_TIMEOUT)$/, 'watch-idle'],
  [/^(ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED)$/, 'reset'],
];

/** The codes of an error and its causes (undici wraps them: fetch failed → cause). */
function codes(err: unknown): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') out.push(code);
    const inner = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(inner)) for (const i of inner) out.push(...codes(i));
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

/** What kind of network failure an error is, if it is one. */
export function networkFailure(err: unknown): NetFailure | undefined {
  const found = codes(err);
  for (const [re, kind] of BY_CODE) if (found.some((c) => re.test(c))) return kind;
  const message = rootMessage(err);
  // undici's fetch refuses the Fetch standard's "bad ports" (1, 7, 9, ...) before connecting.
  if (message === 'bad port') return 'bad-port';
  if (/socket hang up|other side closed/i.test(message)) return 'reset';
  return undefined;
}

/** The message of the innermost cause (undici's "fetch failed" says nothing). */
function rootMessage(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 5; depth++) {
    const cause = (e as { cause?: unknown })?.cause;
    if (!cause || typeof cause !== 'object') break;
    e = cause;
  }
  return String((e as { message?: unknown })?.message ?? '');
}

/** Whether a failure on first contact ends the run at once. */
export const cannotConnect = (f: NetFailure | undefined): boolean => !!f && CANNOT_CONNECT.has(f);

/** Describes an answer that is not the Kubernetes API, or undefined when it may be. */
export function foreignAnswer(res: HttpResponse): string | undefined {
  const ct = (res.contentType ?? '').toLowerCase();
  const text = typeof res.body === 'string' ? res.body.trimStart() : '';
  if (ct.includes('html') || /^<(!doctype|html|head|body)/i.test(text))
    return `an HTML page (HTTP ${res.status}${ct ? `, ${ct.split(';')[0]}` : ''})`;
  if (ct && !/json|yaml|protobuf|text\/plain/.test(ct)) return `content of type ${ct} (HTTP ${res.status})`;
  return undefined;
}

const WHERE = (ep: Endpoint) =>
  `the Kubernetes API${ep.context ? ` of context "${ep.context}"` : ''} at ${ep.server}`;

const REACH_HINT = (ep: Endpoint) =>
  `Check the server URL of the kubeconfig${ep.context ? ` (context ${ep.context})` : ''} and that the cluster runs and is reachable from this runner (kubectl${ep.context ? ` --context ${ep.context}` : ''} cluster-info). For a private cluster, use a runner inside its network.`;

function describe(f: NetFailure, err: unknown): string {
  const d = (err as { kind?: string; ms?: number }) ?? {};
  const limit = (kind: keyof typeof DEADLINE_TEXT) =>
    typeof d.ms === 'number' && d.kind === kind ? ` (${DEADLINE_TEXT[kind]}, ${formatMs(d.ms)})` : '';
  switch (f) {
    case 'refused':
      return 'the connection was refused (nothing listens at that address and port)';
    case 'dns':
      return 'its host name does not resolve';
    case 'unreachable':
      return 'there is no route to its host';
    case 'tls':
      return `the TLS handshake failed (${rootMessage(err) || 'certificate not accepted'})`;
    case 'connect-timeout':
      return `no connection could be opened in time${limit('connect')}`;
    case 'response-timeout':
      return `it accepted the connection but did not answer in time${limit('response')}`;
    case 'watch-idle':
      return `a watch sent nothing for too long${limit('watch-idle')}`;
    case 'reset':
      return 'the connection was reset';
    case 'bad-port':
      return 'its port is one that fetch never connects to (a "bad port" of the Fetch standard)';
  }
}

function hint(f: NetFailure, ep: Endpoint): string {
  if (f === 'tls')
    return `Check the kubeconfig's certificate-authority for ${ep.server}, and that the URL is the apiserver's own and not a proxy or load balancer with another certificate.`;
  if (f === 'response-timeout' || f === 'watch-idle' || f === 'reset')
    return `Check the apiserver's health and load (kubectl get --raw /readyz) and any proxy between this runner and ${ep.server}; raise request-timeout if the cluster is only slow.`;
  return REACH_HINT(ep);
}

/** A network failure turned into an error naming the endpoint, the cause and what to check. */
export function unreachableError(
  ep: Endpoint,
  err: unknown,
  f: NetFailure,
  run: { what: string; attempts: number; elapsedMs: number },
): ActionError {
  const first = !ep.contacted;
  const tried =
    run.attempts > 1
      ? ` Gave up after ${run.attempts} attempts in ${formatMs(Math.round(run.elapsedMs / 1000) * 1000)}.`
      : '';
  const prefix = first ? 'Cannot reach' : 'Lost';
  return new ActionError(
    `${prefix} ${WHERE(ep)}: ${describe(f, err)} (${run.what}).${tried}${first ? ' Nothing was changed.' : ''}`,
    hint(f, ep),
    { cause: err },
  );
}

/** An answer that is not from a Kubernetes apiserver. */
export class ForeignAnswerError extends ActionError {
  constructor(
    ep: Endpoint,
    readonly status: number,
    description: string,
    what: string,
  ) {
    super(
      `${ep.server}${ep.context ? ` (context "${ep.context}")` : ''} answered ${what} with ${description}, not the Kubernetes API.${ep.contacted ? '' : ' Nothing was changed.'}`,
      `The server URL points at something other than a Kubernetes apiserver (a web server, a login page or auth proxy, a load balancer's error page). Fix the server of the kubeconfig${ep.context ? ` (context ${ep.context})` : ''}.`,
    );
    this.name = 'ForeignAnswerError';
  }
}
