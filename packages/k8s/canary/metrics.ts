/**
 * Prometheus analysis for canary steps: queries over the HTTP API (`/api/v1/query`), each with a
 * threshold. Parsing and evaluation are pure; `queryPrometheus` is the one side effect.
 */
import { retry, yamlPackage, type Sleep } from '@hac/toolkit';
import { createTransport, send } from '@hac/probe';

export type OnMissing = 'fail' | 'pass';

export interface MetricSpec {
  name: string;
  /** PromQL; `{{namespace}}`, `{{app}}`, `{{canary}}`, `{{stable}}` and `{{version}}` are substituted. */
  query: string;
  /** The value must be <= max. */
  max?: number;
  /** The value must be >= min. */
  min?: number;
  /** What an empty result (no series) means (default fail: no data is not evidence of health). */
  onEmpty: OnMissing;
  /** What NaN means, e.g. 0/0 when there was no traffic (default fail). */
  onNaN: OnMissing;
}

export const METRICS_EXPECTED =
  'a YAML list of {name, query, max and/or min, on-empty: fail|pass, on-nan: fail|pass}, e.g. "- {name: errors, query: \'sum(rate(x[1m]))\', max: 0.01}"';

const KEYS = new Set(['name', 'query', 'max', 'min', 'on-empty', 'on-nan']);

/** Parses the `metrics` input. Throws an Error naming the first problem. */
export function parseMetrics(raw: string): MetricSpec[] {
  if (raw.trim() === '') return [];
  let doc: unknown;
  try {
    doc = yamlPackage().parse(raw, { prettyErrors: false });
  } catch (err) {
    throw new Error(`not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!Array.isArray(doc)) throw new Error('expected a YAML list');
  const names = new Set<string>();
  return doc.map((item, i) => {
    const where = `item ${i + 1}`;
    if (!item || typeof item !== 'object' || Array.isArray(item))
      throw new Error(`${where} is not a mapping`);
    const m = item as Record<string, unknown>;
    for (const k of Object.keys(m)) if (!KEYS.has(k)) throw new Error(`${where}: unknown key "${k}"`);
    if (typeof m.name !== 'string' || !/^[A-Za-z0-9_.-]{1,63}$/.test(m.name))
      throw new Error(`${where}: "name" must be a short identifier`);
    if (names.has(m.name)) throw new Error(`${where}: duplicate name "${m.name}"`);
    names.add(m.name);
    if (typeof m.query !== 'string' || m.query.trim() === '')
      throw new Error(`${where}: "query" must be a non-empty PromQL string`);
    const bound = (k: 'max' | 'min') => {
      if (m[k] === undefined) return undefined;
      if (typeof m[k] !== 'number' || !Number.isFinite(m[k]))
        throw new Error(`${where}: "${k}" must be a finite number`);
      return m[k] as number;
    };
    const max = bound('max');
    const min = bound('min');
    if (max === undefined && min === undefined) throw new Error(`${where}: give "max" and/or "min"`);
    if (max !== undefined && min !== undefined && min > max)
      throw new Error(`${where}: "min" is greater than "max"`);
    const missing = (k: 'on-empty' | 'on-nan'): OnMissing => {
      const v = m[k] ?? 'fail';
      if (v !== 'fail' && v !== 'pass') throw new Error(`${where}: "${k}" must be fail or pass`);
      return v;
    };
    const spec: MetricSpec = {
      name: m.name,
      query: m.query.trim(),
      onEmpty: missing('on-empty'),
      onNaN: missing('on-nan'),
    };
    if (max !== undefined) spec.max = max;
    if (min !== undefined) spec.min = min;
    return spec;
  });
}

/** Substitutes `{{key}}` placeholders (spaces allowed inside the braces); unknown keys are an error. */
export function renderQuery(query: string, vars: Record<string, string>): string {
  return query.replace(/\{\{\s*([a-z]+)\s*\}\}/g, (whole, key: string) => {
    if (!(key in vars))
      throw new Error(`unknown placeholder ${whole} (known: ${Object.keys(vars).join(', ')})`);
    return vars[key] as string;
  });
}

/** The `data` of a Prometheus instant-query response. */
export interface PromData {
  resultType: 'vector' | 'scalar' | 'matrix' | 'string';
  result: unknown;
}

export interface MetricResult {
  name: string;
  query: string;
  passed: boolean;
  /** The value compared (the worst series for a vector), when there was one. */
  value?: number;
  reason?: string;
}

function num(v: unknown): number {
  // Prometheus sends sample values as strings: "0.5", "NaN", "+Inf", "-Inf".
  const s = String(v);
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return s === 'NaN' ? NaN : Number(s);
}

function bounds(spec: MetricSpec): string {
  return [spec.min !== undefined ? `>= ${spec.min}` : '', spec.max !== undefined ? `<= ${spec.max}` : '']
    .filter(Boolean)
    .join(' and ');
}

/** Evaluates one query result against its threshold. Every series of a vector must pass. */
export function evaluateMetric(spec: MetricSpec, query: string, data: PromData): MetricResult {
  const base = { name: spec.name, query };
  let values: number[];
  if (data.resultType === 'scalar') values = [num((data.result as [number, string])[1])];
  else if (data.resultType === 'vector')
    values = (data.result as { value: [number, string] }[]).map((r) => num(r.value[1]));
  else
    return {
      ...base,
      passed: false,
      reason: `query returned a ${data.resultType}; use an instant vector or scalar`,
    };
  if (values.length === 0) {
    return spec.onEmpty === 'pass'
      ? { ...base, passed: true, reason: 'no data (on-empty: pass)' }
      : { ...base, passed: false, reason: 'the query returned no data (set on-empty: pass to allow)' };
  }
  const real = values.filter((v) => !Number.isNaN(v));
  if (real.length < values.length && spec.onNaN === 'fail') {
    return {
      ...base,
      passed: false,
      value: NaN,
      reason: 'the query returned NaN (set on-nan: pass to allow, e.g. no traffic)',
    };
  }
  if (real.length === 0) return { ...base, passed: true, value: NaN, reason: 'NaN (on-nan: pass)' };
  // The worst value: the highest against max, the lowest against min.
  for (const v of real) {
    if ((spec.max !== undefined && v > spec.max) || (spec.min !== undefined && v < spec.min)) {
      return { ...base, passed: false, value: v, reason: `value ${v} is not ${bounds(spec)}` };
    }
  }
  const worst = spec.max !== undefined ? Math.max(...real) : Math.min(...real);
  return { ...base, passed: true, value: worst };
}

export class PrometheusError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'PrometheusError';
  }
}

export interface PromClientOptions {
  url: string;
  headers?: Record<string, string>;
  /** Response deadline of each request (default PROMETHEUS_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Connect timeout of each request (default PROMETHEUS_CONNECT_TIMEOUT_MS, capped by timeoutMs). */
  connectTimeoutMs?: number;
  attempts?: number;
  signal?: AbortSignal;
  sleep?: Sleep;
}

export const PROMETHEUS_CONNECT_TIMEOUT_MS = 5_000;
export const PROMETHEUS_TIMEOUT_MS = 10_000;
const CHECK_URL =
  'check prometheus-url (the base URL of the Prometheus server), that it runs, and that this runner can reach it';

/** The data of an answer, or why it is not one (a web page, a proxy error, a Prometheus error). */
export function readAnswer(
  query: string,
  origin: string,
  status: number,
  type: string,
  text: string,
): PromData {
  let body: { status?: string; data?: PromData; error?: string; errorType?: string } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    /* not JSON: reported below */
  }
  if (status >= 200 && status < 300 && body?.status === 'success' && body.data) return body.data;
  const busy = status === 429 || status >= 500;
  if (body?.error)
    throw new PrometheusError(
      `Prometheus rejected "${query}": ${body.errorType ?? 'error'}: ${body.error}`,
      busy,
    );
  if (!body || typeof body !== 'object' || /html/i.test(type))
    throw new PrometheusError(
      `${origin} did not answer as the Prometheus API: HTTP ${status} ${type || 'with no content type'} ` +
        `${JSON.stringify(text.replace(/\s+/g, ' ').slice(0, 80))}; ${CHECK_URL}`,
      busy,
    );
  throw new PrometheusError(`Prometheus rejected "${query}": HTTP ${status} ${text.slice(0, 200)}`, busy);
}

/**
 * Runs one instant query, retrying network errors, 429 and 5xx. A 400 (bad PromQL) or an answer
 * that is not the Prometheus API fails at once. Each request has a connect timeout and a response deadline.
 */
export async function queryPrometheus(query: string, opts: PromClientOptions): Promise<PromData> {
  const url = new URL('api/v1/query', opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  const transport = createTransport();
  const check = {
    url: url.href,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(opts.headers ?? {}) },
    body: new URLSearchParams({ query }).toString(),
    timeoutMs: opts.timeoutMs ?? PROMETHEUS_TIMEOUT_MS,
  };
  const connectTimeoutMs = opts.connectTimeoutMs ?? PROMETHEUS_CONNECT_TIMEOUT_MS;
  try {
    return await retry(
      async () => {
        const out = await send(transport, check, undefined, {
          signal: opts.signal,
          readBody: true,
          connectTimeoutMs,
        });
        if (!out.ok)
          throw new PrometheusError(
            `Prometheus at ${url.origin} is unreachable: ${out.error}; ${CHECK_URL}`,
            true,
          );
        const type = String(out.headers['content-type'] ?? '');
        return readAnswer(query, url.origin, out.status, type, out.body ?? '');
      },
      {
        attempts: opts.attempts ?? 4,
        baseMs: 250,
        maxDelayMs: 2000,
        retryable: (e) => e instanceof PrometheusError && e.retryable,
        signal: opts.signal,
        sleep: opts.sleep,
      },
    );
  } finally {
    transport.close();
  }
}

/** Runs every metric of a step. */
export async function runMetrics(
  specs: MetricSpec[],
  vars: Record<string, string>,
  opts: PromClientOptions,
): Promise<MetricResult[]> {
  const out: MetricResult[] = [];
  for (const spec of specs) {
    const query = renderQuery(spec.query, vars);
    try {
      out.push(evaluateMetric(spec, query, await queryPrometheus(query, opts)));
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      out.push({ name: spec.name, query, passed: false, reason: (err as Error).message });
    }
  }
  return out;
}
