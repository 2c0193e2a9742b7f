import { abortReason } from '@hac/toolkit';
import type { Auth, Check, LoadResult, LoadSpec, TlsSpec } from './types.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, requestHeaders, shownUrl } from './http.js';
import { type LoadSink, type LoadTarget, requestBytes, sendAll } from './load-client.js';
import { parseStatusSpec, type StatusMatcher } from './status.js';
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

/** What one load run sends: the request's bytes, built once, and its deadlines. */
function loadTarget(check: Check, deps: LoadDeps): LoadTarget & { expect: StatusMatcher } {
  const url = new URL(check.url);
  const method = check.method ?? 'GET';
  const timeoutMs = check.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    url,
    bytes: requestBytes(method, url, requestHeaders(check, deps.auth), check.body),
    head: method === 'HEAD',
    timeoutMs,
    connectTimeoutMs: Math.min(DEFAULT_CONNECT_TIMEOUT_MS, timeoutMs),
    tls: deps.tls,
    expect: parseStatusSpec(check.expectStatus ?? '2xx'),
  };
}

/** Raw per-request samples of one run. */
class Samples implements LoadSink {
  readonly latencies: Float64Array;
  readonly byStatus = new Map<number, number>();
  errors = 0;
  transportErrors = 0;
  firstError: string | undefined;
  constructor(
    total: number,
    private readonly expect: StatusMatcher,
  ) {
    this.latencies = new Float64Array(total);
  }

  response(i: number, status: number, latencyMs: number): void {
    this.latencies[i] = latencyMs;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    if (!this.expect.test(status)) this.errors++;
  }

  failure(i: number, message: string, latencyMs: number): void {
    this.latencies[i] = latencyMs;
    this.errors++;
    this.transportErrors++;
    this.firstError ??= message;
  }

  /** Responses per status code in order, plus "error" for transport failures. */
  statuses(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [code, n] of [...this.byStatus].sort((a, b) => a[0] - b[0])) out[String(code)] = n;
    if (this.transportErrors) out.error = this.transportErrors;
    return out;
  }
}

/**
 * Sends `requests` requests over `concurrency` keep-alive connections, as fast as the server answers.
 * Counts transport errors and statuses outside the check's expect-status as errors; bodies are discarded.
 * Redirects are not followed: a 3xx counts by the check's expect-status.
 */
export async function runLoad(spec: LoadSpec, check: Check, deps: LoadDeps = {}): Promise<LoadResult> {
  const total = spec.requests;
  const target = loadTarget(check, deps);
  const samples = new Samples(total, target.expect);
  deps.log?.(`load: ${total} requests at concurrency ${spec.concurrency} to ${shownUrl(check.url)}`);
  const started = performance.now();
  await sendAll(target, total, spec.concurrency, samples, deps.signal);
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
