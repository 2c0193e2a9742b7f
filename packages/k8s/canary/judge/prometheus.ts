/**
 * Range queries (`/api/v1/query_range`) for the judge: one series per role over the step's window.
 * The transport is fetch-like, so the canary engine can pass its own; each request has a deadline,
 * and every error names the endpoint (without credentials) and the query.
 */
import { stripUrlCredentials } from '@hac/toolkit';
import type { JudgeMetric } from './spec.js';
import type { MetricSamples } from './judge.js';

/** The part of `fetch` the judge uses. */
export type FetchLike = (
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface PromRangeClient {
  /** Base URL of the Prometheus server (credentials in it are never shown). */
  url: string;
  fetch?: FetchLike;
  headers?: Record<string, string>;
  /** Deadline of each request (default JUDGE_QUERY_TIMEOUT_MS). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RangeWindow {
  /** Seconds since the epoch. */
  start: number;
  end: number;
  stepSeconds: number;
}

export interface RangeSeries {
  times: number[];
  values: number[];
}

/** The version label values and names a query is rendered with. */
export interface JudgeTarget {
  namespace: string;
  app: string;
  canaryVersion: string;
  baselineVersion: string;
}

export type Role = 'canary' | 'baseline';

export const JUDGE_QUERY_TIMEOUT_MS = 10_000;

export class JudgeQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JudgeQueryError';
  }
}

/** Renders a metric's query for one role. Pure. */
export function renderJudgeQuery(query: string, target: JudgeTarget, role: Role): string {
  const vars: Record<string, string> = {
    role,
    version: role === 'canary' ? target.canaryVersion : target.baselineVersion,
    namespace: target.namespace,
    app: target.app,
  };
  return query.replace(/\{\{\s*([A-Za-z_]+)\s*\}\}/g, (whole, key: string) => vars[key] ?? whole);
}

/** Credentials in the base URL become a Basic authorization header (fetch refuses them in URLs). Pure. */
export function splitCredentials(base: string): { base: string; headers: Record<string, string> } {
  const url = new URL(base);
  if (!url.username && !url.password) return { base, headers: {} };
  const auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  return {
    base: url.toString(),
    headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
  };
}

/** The query_range URL for a query and window. Pure. */
export function rangeUrl(base: string, query: string, w: RangeWindow): string {
  const url = new URL('api/v1/query_range', base.endsWith('/') ? base : `${base}/`);
  url.searchParams.set('query', query);
  url.searchParams.set('start', String(w.start));
  url.searchParams.set('end', String(w.end));
  url.searchParams.set('step', `${w.stepSeconds}s`);
  return url.toString();
}

function num(s: string): number {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

/** Reads a query_range answer: exactly one series (none is an empty series). Pure. */
export function readRangeAnswer(status: number, text: string): RangeSeries {
  let body: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`HTTP ${status}, not a Prometheus answer (${JSON.stringify(text.slice(0, 80))})`);
  }
  if (status < 200 || status >= 300 || body?.status !== 'success')
    throw new Error(`HTTP ${status}: ${body?.error ?? 'not a success'}`);
  if (body.data?.resultType !== 'matrix' || !Array.isArray(body.data.result))
    throw new Error(`a ${body.data?.resultType ?? 'missing'} result, not a matrix`);
  const result = body.data.result as { metric: Record<string, string>; values: [number, string][] }[];
  if (result.length > 1)
    throw new Error(
      `${result.length} series where one is expected; aggregate them (e.g. avg(...) or sum(...))`,
    );
  const values = result[0]?.values ?? [];
  return { times: values.map((v) => v[0]), values: values.map((v) => num(v[1])) };
}

/** Runs one range query. Throws JudgeQueryError naming the endpoint and the query. */
export async function queryRange(
  client: PromRangeClient,
  query: string,
  w: RangeWindow,
): Promise<RangeSeries> {
  const endpoint = `${stripUrlCredentials(client.url).replace(/\/$/, '')}/api/v1/query_range`;
  const timeoutMs = client.timeoutMs ?? JUDGE_QUERY_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = client.signal ? AbortSignal.any([client.signal, deadline]) : deadline;
  const doFetch: FetchLike = client.fetch ?? ((u, init) => fetch(u, init));
  try {
    const { base, headers } = splitCredentials(client.url);
    const url = rangeUrl(base, query, w);
    const res = await doFetch(url, {
      headers: { accept: 'application/json', ...headers, ...client.headers },
      signal,
    });
    return readRangeAnswer(res.status, await res.text());
  } catch (err) {
    const why = deadline.aborted
      ? `no answer within ${timeoutMs} ms`
      : client.signal?.aborted
        ? 'cancelled'
        : (err as Error).message;
    throw new JudgeQueryError(`Prometheus range query to ${endpoint} failed: ${why} (query: ${query})`);
  }
}

/** Reads canary and baseline samples for each metric; a failed query becomes the sample's error. */
export async function fetchStepSamples(
  client: PromRangeClient,
  metrics: readonly JudgeMetric[],
  target: JudgeTarget,
  w: RangeWindow,
): Promise<(MetricSamples & { series: Record<Role, RangeSeries> })[]> {
  const out = [];
  for (const metric of metrics) {
    const empty = { times: [], values: [] };
    try {
      const canary = await queryRange(client, renderJudgeQuery(metric.query, target, 'canary'), w);
      const baseline = await queryRange(client, renderJudgeQuery(metric.query, target, 'baseline'), w);
      out.push({ metric, canary: canary.values, baseline: baseline.values, series: { canary, baseline } });
    } catch (err) {
      if (client.signal?.aborted) throw err;
      const error = (err as Error).message;
      out.push({ metric, canary: [], baseline: [], error, series: { canary: empty, baseline: empty } });
    }
  }
  return out;
}
