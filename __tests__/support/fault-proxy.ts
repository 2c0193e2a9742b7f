// An HTTP proxy in front of moto for tests and benchmarks: the EC2 Query API (form bodies, XML
// errors) and JSON-protocol services such as SSM (X-Amz-Target, JSON bodies and errors).
// It logs every request (its Action, from the form body or the target header, and its region,
// from the SigV4 scope) and fails chosen calls: throttling (EC2: HTTP 503 RequestLimitExceeded;
// JSON: HTTP 400 ThrottlingException), a 500, a dropped connection (before or after moto handled
// the request), or a canned answer for states moto never reaches (a failed SSM command); and what
// a wrong or broken endpoint does: never answer (silent), HTML, invalid XML, a plain-text 500, or
// an EC2 error of the test's choosing.
// Point the SDK at `proxy.url` with the `endpoint` input or AWS_ENDPOINT_URL.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

export type FaultKind =
  | 'throttle'
  | '500'
  | 'drop'
  | 'drop-after'
  | 'respond'
  | 'silent'
  | 'html'
  | 'bad-xml'
  | 'text-500'
  | 'error';

export interface FaultRule {
  /** The EC2 Action to fail, e.g. RunInstances. */
  action: string;
  kind: FaultKind;
  /** The 1-based occurrence of this action (counted from when the rule was added) that fails first. Default 1. */
  occurrence?: number;
  /** How many calls fail from there on; Infinity fails every later call. Default 1. */
  times?: number;
  /** Only requests signed for this region. */
  region?: string;
  /** kind 'respond': the HTTP 200 body to answer with (JSON for JSON-protocol services). */
  body?: unknown;
  /** kinds 'html' (default 200) and 'error' (default 400): the HTTP status. */
  status?: number;
  /** kind 'error': the EC2 error code, e.g. InvalidInstanceType.NotFound. */
  code?: string;
}

export interface LoggedRequest {
  action: string;
  region: string | undefined;
  at: number;
  /** The fault injected into this request, if any. */
  fault?: FaultKind;
  /** Form parameters (values of secrets are not expected here: EC2 calls carry none). */
  params: Record<string, string>;
  /** The parsed body of a JSON-protocol request (SSM). */
  json?: Record<string, unknown>;
}

export interface FaultProxy {
  readonly url: string;
  readonly requests: LoggedRequest[];
  /** Every Action seen, in order. */
  actions(): string[];
  count(action: string): number;
  fail(rule: FaultRule): void;
  /** Forgets the log (rules stay). */
  clearLog(): void;
  /** Drops every rule. */
  clearFaults(): void;
  close(): Promise<void>;
}

/** EC2 Query API calls that change something (everything not Describe*, Get*, List*, DryRun-only). */
export function isWriteAction(action: string): boolean {
  return !/^(Describe|Get|List|Search)/.test(action);
}

export function ec2ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`;
}

function regionOf(auth: string | undefined): string | undefined {
  return auth ? /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(auth)?.[1] : undefined;
}

export function jsonError(code: string, message: string): string {
  return JSON.stringify({ __type: code, message });
}

interface ActiveRule extends Required<Omit<FaultRule, 'region' | 'body' | 'status' | 'code'>> {
  region?: string;
  body?: unknown;
  status?: number;
  code?: string;
  seen: number;
  fired: number;
}

/** `headers` are added to every forwarded request (moto's x-moto-account-id: the suite's own account). */
export async function startFaultProxy(
  target: string,
  opts: { port?: number; headers?: Record<string, string> } = {},
): Promise<FaultProxy> {
  const upstream = new URL(target);
  const requests: LoggedRequest[] = [];
  let rules: ActiveRule[] = [];

  const pick = (action: string, region: string | undefined): ActiveRule | undefined => {
    let chosen: ActiveRule | undefined;
    for (const r of rules) {
      if (r.action !== action || (r.region && r.region !== region)) continue;
      r.seen += 1;
      if (!chosen && r.seen >= r.occurrence && r.fired < r.times) chosen = r;
    }
    if (chosen) chosen.fired += 1;
    return chosen;
  };

  const forward = (
    req: http.IncomingMessage,
    body: Buffer,
    res: http.ServerResponse | undefined,
    onDone?: () => void,
  ) => {
    const headers = { ...req.headers, ...opts.headers, host: upstream.host };
    const up = http.request(
      { hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
      (upRes) => {
        if (!res) {
          upRes.resume();
          upRes.on('end', () => onDone?.());
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', (err) => {
      if (res && !res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/xml' });
        res.end(ec2ErrorXml('InternalError', `proxy: upstream error ${err.message}`));
      }
      onDone?.();
    });
    up.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = req.headers['x-amz-target'];
      const isJson = typeof target === 'string';
      let json: Record<string, unknown> | undefined;
      if (isJson) {
        try {
          json = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
        } catch {
          json = {};
        }
      }
      const params = isJson ? {} : Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      const action = isJson
        ? (target.split('.').pop() ?? target)
        : (params.Action ??
          new URL(req.url ?? '/', 'http://x').searchParams.get('Action') ??
          `${req.method} ${req.url}`);
      const region = regionOf(req.headers.authorization);
      const rule = pick(action, region);
      requests.push({
        action,
        region,
        at: Date.now(),
        params,
        ...(json ? { json } : {}),
        ...(rule ? { fault: rule.kind } : {}),
      });
      const errorReply = (status: number, code: string, message: string) => {
        res.writeHead(status, { 'content-type': isJson ? 'application/x-amz-json-1.1' : 'text/xml' });
        res.end(isJson ? jsonError(code, message) : ec2ErrorXml(code, message));
      };
      switch (rule?.kind) {
        case 'throttle':
          if (isJson) errorReply(400, 'ThrottlingException', 'Rate exceeded');
          else errorReply(503, 'RequestLimitExceeded', 'Request limit exceeded.');
          return;
        case '500':
          errorReply(
            500,
            isJson ? 'InternalServerError' : 'InternalError',
            'An internal error has occurred.',
          );
          return;
        case 'respond':
          res.writeHead(200, { 'content-type': isJson ? 'application/x-amz-json-1.1' : 'text/xml' });
          res.end(typeof rule.body === 'string' ? rule.body : JSON.stringify(rule.body ?? {}));
          return;
        case 'drop':
          req.socket.destroy();
          return;
        case 'silent':
          // Accept and never answer: the socket stays open until the client gives up.
          return;
        case 'html':
          res.writeHead(rule.status ?? 200, { 'content-type': 'text/html' });
          res.end('<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>');
          return;
        case 'bad-xml':
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end('<?xml version="1.0"?><DescribeResponse><item>');
          return;
        case 'text-500':
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('upstream failure');
          return;
        case 'error':
          errorReply(
            rule.status ?? 400,
            rule.code ?? 'InvalidParameterValue',
            `injected ${rule.code ?? 'error'}`,
          );
          return;
        case 'drop-after':
          forward(req, body, undefined, () => req.socket.destroy());
          return;
        default:
          forward(req, body, res);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    actions: () => requests.map((r) => r.action),
    count: (action) => requests.filter((r) => r.action === action).length,
    fail(rule) {
      rules.push({ occurrence: 1, times: 1, ...rule, seen: 0, fired: 0 });
    },
    clearLog() {
      requests.length = 0;
    },
    clearFaults() {
      rules = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
