/** One HTTP check: a request and what its response must look like. */
export interface Check {
  /** A label for logs and the summary (default: "METHOD url"). */
  name?: string;
  url: string;
  /** HTTP method (default GET). */
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Accepted statuses: codes, ranges and classes, e.g. "2xx", "200,301-308" (default "2xx"). */
  expectStatus?: string;
  /** The body must contain this text. */
  contains?: string;
  /** The body must match this regular expression (JavaScript syntax). */
  regex?: string;
  /** JSON values the body must hold, e.g. { path: "$.version", equals: "2.0" }. */
  json?: JsonExpectation[];
  /** Fail when the full response takes longer than this. */
  maxLatencyMs?: number;
  /** Abort one request after this long (default 10s). */
  timeoutMs?: number;
  /** Follow 3xx redirects (default true, up to 10). */
  followRedirects?: boolean;
}

export interface JsonExpectation {
  /** A JSONPath subset: $.a.b, $.items[0].id, $["key with space"]. */
  path: string;
  equals: unknown;
}

/** The load phase: R requests at concurrency C, with thresholds. */
export interface LoadSpec {
  requests: number;
  concurrency: number;
  /** The request to send (default: the gate's first check). Only status and transport errors count. */
  check?: Check;
  /** Fail when p95 latency exceeds this. */
  maxP95Ms?: number;
  /** Fail when the fraction of errors (transport errors and unexpected statuses) exceeds this (0..1, default 0). */
  maxErrorRate?: number;
}

/** Asserts that the fraction of responses matching a pattern lies within [min, max]. */
export interface DistributionSpec {
  /** Text a response body must contain to count as a match. */
  match?: string;
  /** Or a regular expression the body must match. */
  regex?: string;
  min: number;
  max: number;
  samples: number;
  /** The request to send (default: the gate's first check). */
  check?: Check;
  /** Requests in flight at once (default 1, which keeps round-robin backends exact). */
  concurrency?: number;
  /** Fail when more than this fraction of samples errors (0..1, default 0). */
  maxErrorRate?: number;
}

export type Auth = { bearer: string } | { username: string; password: string };

export interface TlsSpec {
  /** Extra trusted CA certificates (PEM). */
  ca?: string;
  /** Skip certificate verification (explicit opt-in only). */
  insecure?: boolean;
}

export interface GateSpec {
  checks: Check[];
  /** How long each check may take to become healthy; 0 means one round (default 0). */
  waitMs?: number;
  /** Base delay between attempts; failures back off exponentially from it (default 1s). */
  intervalMs?: number;
  /** Consecutive successes a check needs to pass (default 1). */
  consecutive?: number;
  load?: LoadSpec;
  distribution?: DistributionSpec;
  tls?: TlsSpec;
  auth?: Auth;
}

export interface CheckResult {
  name: string;
  url: string;
  method: string;
  passed: boolean;
  /** Last HTTP status seen (undefined when no response came back). */
  status?: number;
  /** Latency of the last attempt, in ms (full response). */
  latencyMs?: number;
  attempts: number;
  /** Consecutive successes at the end. */
  successes: number;
  /** Why the check failed: what was expected and what came back. */
  reason?: string;
}

export interface LoadResult {
  passed: boolean;
  reasons: string[];
  url: string;
  requests: number;
  concurrency: number;
  errors: number;
  errorRate: number;
  rps: number;
  durationMs: number;
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
  /** Responses per status code, plus "error" for transport failures. */
  statuses: Record<string, number>;
}

export interface DistributionResult {
  passed: boolean;
  reason?: string;
  url: string;
  samples: number;
  matched: number;
  errors: number;
  fraction: number;
  min: number;
  max: number;
}

export interface GateReport {
  passed: boolean;
  /** One line saying why the gate failed. */
  reason?: string;
  checks: CheckResult[];
  load?: LoadResult;
  distribution?: DistributionResult;
  durationMs: number;
}
