import http from 'node:http';
import https from 'node:https';
import { abortReason } from '@hac/toolkit';
import type { Auth, Check, LoadResult, LoadSpec, TlsSpec } from './types.js';
import { DEFAULT_TIMEOUT_MS, requestHeaders, tlsOptions } from './http.js';
import { parseStatusSpec } from './status.js';
import { percentile, round1 } from './stats.js';

export interface LoadDeps {
  tls?: TlsSpec;
  auth?: Auth;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Latency statistics and verdict from raw per-request samples. */
export function loadResult(
  spec: LoadSpec,
  url: string,
  latencies: Float64Array,
  errors: number,
  statuses: Record<string, number>,
  durationMs: number,
): LoadResult {
  const sorted = latencies.slice().sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const n = sorted.length;
  const errorRate = n ? errors / n : 0;
  const result: LoadResult = {
    passed: true,
    reasons: [],
    url,
    requests: n,
    concurrency: spec.concurrency,
    errors,
    errorRate: Math.round(errorRate * 10_000) / 10_000,
    rps: durationMs > 0 ? Math.round((n / durationMs) * 1000 * 10) / 10 : 0,
    durationMs: Math.round(durationMs),
    p50: round1(percentile(sorted, 50)),
    p95: round1(percentile(sorted, 95)),
    p99: round1(percentile(sorted, 99)),
    min: round1(n ? (sorted[0] as number) : 0),
    max: round1(n ? (sorted[n - 1] as number) : 0),
    mean: round1(n ? sum / n : 0),
    statuses,
  };
  const maxErr = spec.maxErrorRate ?? 0;
  if (errorRate > maxErr)
    result.reasons.push(
      `error rate ${pct(errorRate)} is above the ${pct(maxErr)} limit (${errors} of ${n} requests)`,
    );
  if (spec.maxP95Ms !== undefined && result.p95 > spec.maxP95Ms)
    result.reasons.push(`p95 latency ${result.p95}ms is above the ${spec.maxP95Ms}ms limit`);
  result.passed = result.reasons.length === 0;
  return result;
}

export function pct(f: number): string {
  return `${Math.round(f * 10_000) / 100}%`;
}

/** What one load run sends: one options object for every request (no per-request allocation beyond node's own). */
interface Target {
  agent: http.Agent;
  request: typeof http.request;
  options: http.RequestOptions;
  expect: { test(status: number): boolean };
  timeout: number;
  body: string | undefined;
}

function loadTarget(spec: LoadSpec, check: Check, deps: LoadDeps): Target {
  const url = new URL(check.url);
  const secure = url.protocol === 'https:';
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: spec.concurrency, ...tlsOptions(deps.tls) })
    : new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const timeout = check.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const options: http.RequestOptions = {
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port,
    path: `${url.pathname}${url.search}`,
    method: check.method ?? 'GET',
    headers: requestHeaders(check, deps.auth),
    agent,
    timeout,
  };
  const request = (secure ? https.request : http.request) as typeof http.request;
  const expect = parseStatusSpec(check.expectStatus ?? '2xx');
  return { agent, request, options, expect, timeout, body: check.body };
}

/** Raw per-request samples of one run. */
class Samples {
  readonly latencies: Float64Array;
  readonly byStatus = new Map<number, number>();
  errors = 0;
  transportErrors = 0;
  firstError: string | undefined;
  constructor(total: number) {
    this.latencies = new Float64Array(total);
  }

  /** Responses per status code in order, plus "error" for transport failures. */
  statuses(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [code, n] of [...this.byStatus].sort((a, b) => a[0] - b[0])) out[String(code)] = n;
    if (this.transportErrors) out.error = this.transportErrors;
    return out;
  }
}

/** Sends request `i` and records its latency and status (or transport error); never rejects. */
function sendOne(t: Target, s: Samples, i: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const t0 = performance.now();
    const req = t.request(t.options, (res) => {
      const code = res.statusCode ?? 0;
      res.on('end', () => {
        s.latencies[i] = performance.now() - t0;
        s.byStatus.set(code, (s.byStatus.get(code) ?? 0) + 1);
        if (!t.expect.test(code)) s.errors++;
        resolve();
      });
      res.on('error', fail);
      res.resume();
    });
    function fail(err: Error) {
      if (s.latencies[i]) return;
      s.latencies[i] = performance.now() - t0;
      s.errors++;
      s.transportErrors++;
      s.firstError ??= err.message;
      resolve();
    }
    req.on('timeout', () => req.destroy(new Error(`no response within the ${t.timeout}ms timeout`)));
    req.on('error', fail);
    req.end(t.body);
  });
}

/**
 * Sends `requests` requests over `concurrency` keep-alive connections, as fast as the server answers.
 * Counts transport errors and statuses outside the check's expect-status as errors; bodies are discarded.
 * Redirects are not followed: a 3xx counts by the check's expect-status.
 */
export async function runLoad(spec: LoadSpec, check: Check, deps: LoadDeps = {}): Promise<LoadResult> {
  const total = spec.requests;
  const target = loadTarget(spec, check, deps);
  const samples = new Samples(total);
  let next = 0;
  const worker = async () => {
    while (next < total && !deps.signal?.aborted) await sendOne(target, samples, next++);
  };
  const onAbort = () => target.agent.destroy();
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  deps.log?.(`load: ${total} requests at concurrency ${spec.concurrency} to ${check.url}`);
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
  } finally {
    deps.signal?.removeEventListener('abort', onAbort);
    target.agent.destroy();
  }
  if (deps.signal?.aborted) throw abortReason(deps.signal);
  const durationMs = performance.now() - started;
  if (samples.firstError) deps.log?.(`load: first transport error: ${samples.firstError}`);
  const { latencies, errors } = samples;
  const result = loadResult(spec, check.url, latencies, errors, samples.statuses(), durationMs);
  deps.log?.(
    `load: ${result.rps} req/s, p50 ${result.p50}ms, p95 ${result.p95}ms, p99 ${result.p99}ms, errors ${pct(result.errorRate)}`,
  );
  return result;
}
