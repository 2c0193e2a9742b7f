/**
 * The judge's inputs: the `metrics` list (YAML, read with the toolkit's bounded reader) and the
 * step's score thresholds. Each problem is one InputError naming the input, the value and the
 * expected form. Pure.
 */
import { InputError, parseYamlBounded, YamlLimitError } from '@hac/toolkit';

export type BadDirection = 'increase' | 'decrease' | 'either';
/** What a failed query means for the metric: a failing metric, or no data (the step's no-data rule). */
export type OnQueryError = 'fail' | 'no-data';
/** What "no data" (too few samples) does to the step. */
export type NoDataOutcome = 'fail' | 'pass' | 'ignore';

export interface JudgeMetric {
  name: string;
  /** PromQL with {{role}}, {{version}}, {{namespace}} and {{app}}; must give one series. */
  query: string;
  bad: BadDirection;
  /** The allowed ratio of medians in the bad direction (canary/baseline for increase), >= 1. */
  tolerance: number;
  weight: number;
  critical: boolean;
  /** The fewest samples each side needs; fewer is "no data". */
  minSamples: number;
  onError: OnQueryError;
}

export interface JudgeOptions {
  /** Significance level of the Mann–Whitney test. */
  alpha: number;
  /** Score (0–100) at or above which the step passes. */
  pass: number;
  /** Score at or above which (and below pass) the step is marginal. */
  marginal: number;
  noData: NoDataOutcome;
}

export const METRICS_INPUT = 'metrics';
export const JUDGE_INPUTS = {
  alpha: 'alpha',
  pass: 'pass-score',
  marginal: 'marginal-score',
  noData: 'on-no-data',
} as const;
export const DEFAULT_JUDGE_OPTIONS: JudgeOptions = { alpha: 0.05, pass: 95, marginal: 75, noData: 'fail' };
export const DEFAULT_MIN_SAMPLES = 10;

export const JUDGE_METRICS_EXPECTED =
  'a YAML list of {name, query (PromQL with {{role}} {{version}} {{namespace}} {{app}}), bad: increase|decrease|either, ' +
  'tolerance: ratio >= 1, weight: number > 0, critical: true|false, min-samples: integer >= 3, on-error: fail|no-data}';

const KEYS = new Set(['name', 'query', 'bad', 'tolerance', 'weight', 'critical', 'min-samples', 'on-error']);
const PLACEHOLDERS = new Set(['role', 'version', 'namespace', 'app']);

function problem(value: string, expected: string): InputError {
  return new InputError([{ input: METRICS_INPUT, value, expected }]);
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], fallback: T, what: string): T {
  if (v === undefined) return fallback;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw problem(String(v), `${what}: one of ${allowed.join(', ')}`);
}

function numberIn(v: unknown, fallback: number, ok: (n: number) => boolean, what: string): number {
  if (v === undefined) return fallback;
  if (typeof v === 'number' && Number.isFinite(v) && ok(v)) return v;
  throw problem(String(v), what);
}

function checkQuery(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.trim() === '')
    throw problem(String(v ?? ''), `${where}: "query", a non-empty PromQL string`);
  for (const [, key] of v.matchAll(/\{\{\s*([A-Za-z_]+)\s*\}\}/g))
    if (!PLACEHOLDERS.has(key!))
      throw problem(v, `${where}: placeholders among {{${[...PLACEHOLDERS].join('}}, {{')}}}`);
  if (!/\{\{\s*role\s*\}\}|\{\{\s*version\s*\}\}/.test(v))
    throw problem(
      v,
      `${where}: a query that selects on {{role}} or {{version}}, so canary and baseline differ`,
    );
  return v.trim();
}

function parseItem(item: unknown, where: string): JudgeMetric {
  if (!item || typeof item !== 'object' || Array.isArray(item))
    throw problem(JSON.stringify(item) ?? String(item), `${where}: a mapping; ${JUDGE_METRICS_EXPECTED}`);
  const m = item as Record<string, unknown>;
  for (const k of Object.keys(m))
    if (!KEYS.has(k)) throw problem(k, `${where}: keys among ${[...KEYS].join(', ')}`);
  if (typeof m.name !== 'string' || !/^[A-Za-z0-9_.-]{1,63}$/.test(m.name))
    throw problem(String(m.name ?? ''), `${where}: "name", 1-63 letters, digits, "_", "." or "-"`);
  const at = `metric "${m.name}"`;
  const critical = m.critical ?? false;
  if (typeof critical !== 'boolean') throw problem(String(critical), `${at}: "critical", true or false`);
  return {
    name: m.name,
    query: checkQuery(m.query, at),
    bad: oneOf(m.bad, ['increase', 'decrease', 'either'] as const, 'increase', `${at}: "bad"`),
    tolerance: numberIn(
      m.tolerance,
      1,
      (n) => n >= 1,
      `${at}: "tolerance", a ratio of medians >= 1 (e.g. 1.1)`,
    ),
    weight: numberIn(m.weight, 1, (n) => n > 0, `${at}: "weight", a number > 0`),
    critical,
    minSamples: numberIn(
      m['min-samples'],
      DEFAULT_MIN_SAMPLES,
      (n) => Number.isInteger(n) && n >= 3 && n <= 100_000,
      `${at}: "min-samples", an integer from 3 to 100000`,
    ),
    onError: oneOf(m['on-error'], ['fail', 'no-data'] as const, 'fail', `${at}: "on-error"`),
  };
}

/** Parses the `metrics` input into the judge's metric list. Throws one InputError per problem. */
export function parseJudgeMetrics(raw: string): JudgeMetric[] {
  let doc: unknown;
  try {
    doc = parseYamlBounded(raw);
  } catch (err) {
    const why = err instanceof YamlLimitError ? err.message : String(err);
    throw problem(raw, `${JUDGE_METRICS_EXPECTED} (${why})`);
  }
  if (!Array.isArray(doc) || doc.length === 0)
    throw problem(raw, `a non-empty list: ${JUDGE_METRICS_EXPECTED}`);
  const seen = new Set<string>();
  return doc.map((item, i) => {
    const metric = parseItem(item, `item ${i + 1}`);
    if (seen.has(metric.name))
      throw problem(metric.name, `item ${i + 1}: a name not used by an earlier metric`);
    seen.add(metric.name);
    return metric;
  });
}

function score(input: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw.trim());
  if (!Number.isFinite(n) || n < 0 || n > max)
    throw new InputError([{ input, value: raw, expected: `a number from 0 to ${max}` }]);
  return n;
}

/** Reads alpha, pass-score, marginal-score and on-no-data (strings, empty for the default). */
export function parseJudgeOptions(raw: Partial<Record<keyof JudgeOptions, string>>): JudgeOptions {
  const d = DEFAULT_JUDGE_OPTIONS;
  const alpha = score(JUDGE_INPUTS.alpha, raw.alpha, d.alpha, 1);
  if (alpha <= 0 || alpha >= 0.5)
    throw new InputError([
      {
        input: JUDGE_INPUTS.alpha,
        value: String(raw.alpha),
        expected: 'a number above 0 and below 0.5 (e.g. 0.05)',
      },
    ]);
  const pass = score(JUDGE_INPUTS.pass, raw.pass, d.pass, 100);
  const marginal = score(JUDGE_INPUTS.marginal, raw.marginal, d.marginal, 100);
  if (marginal > pass)
    throw new InputError([
      {
        input: JUDGE_INPUTS.marginal,
        value: String(marginal),
        expected: `a score no higher than ${JUDGE_INPUTS.pass} (${pass})`,
      },
    ]);
  const noDataRaw = raw.noData?.trim() || d.noData;
  if (!['fail', 'pass', 'ignore'].includes(noDataRaw))
    throw new InputError([
      { input: JUDGE_INPUTS.noData, value: noDataRaw, expected: 'fail, pass or ignore' },
    ]);
  return { alpha, pass, marginal, noData: noDataRaw as NoDataOutcome };
}
