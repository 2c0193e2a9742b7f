/**
 * The canary judge, after Kayenta's NetflixACAJudge: each metric compares the canary's samples
 * with the baseline's by a Mann–Whitney U test and an effect-size tolerance (the ratio of medians);
 * the step's score is the weighted share of passing metrics. Pure.
 */
import { median } from 'simple-statistics';
import { mannWhitney, type Alternative } from './mannwhitney.js';
import type { BadDirection, JudgeMetric, JudgeOptions } from './spec.js';

export type MetricVerdict = 'pass' | 'fail' | 'no-data';
export type StepVerdict = 'pass' | 'marginal' | 'fail';

export interface MetricSamples {
  metric: JudgeMetric;
  canary: readonly number[];
  baseline: readonly number[];
  /** Why the samples could not be read (a failed query), when they could not. */
  error?: string;
}

export interface MetricJudgement {
  name: string;
  verdict: MetricVerdict;
  critical: boolean;
  weight: number;
  canaryMedian: number | undefined;
  baselineMedian: number | undefined;
  canaryCount: number;
  baselineCount: number;
  u: number | undefined;
  p: number | undefined;
  /** The ratio of medians, canary / baseline. */
  effect: number | undefined;
  reason: string;
}

export interface StepJudgement {
  metrics: MetricJudgement[];
  /** 0–100, the weighted share of passing metrics among those that count. */
  score: number;
  verdict: StepVerdict;
  /** The metric that decided the verdict: a failing critical one, else the worst by p. */
  deciding: string | undefined;
  reason: string;
}

const ALTERNATIVE: Record<BadDirection, Alternative> = {
  increase: 'greater',
  decrease: 'less',
  either: 'two-sided',
};

/** canary / baseline, with 0/0 = 1 and x/0 = ±Infinity. */
export function ratio(canary: number, baseline: number): number {
  if (baseline === 0) return canary === 0 ? 1 : canary > 0 ? Infinity : -Infinity;
  return canary / baseline;
}

/** Whether the effect lies beyond the tolerance in the bad direction. */
export function beyondTolerance(effect: number, bad: BadDirection, tolerance: number): boolean {
  const up = effect > tolerance;
  const down = effect < 1 / tolerance;
  return bad === 'increase' ? up : bad === 'decrease' ? down : up || down;
}

function finite(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v));
}

/** Judges one metric: fail when the difference is significant AND beyond the tolerance the bad way. */
export function judgeMetric(s: MetricSamples, alpha: number): MetricJudgement {
  const { metric } = s;
  const canary = finite(s.canary);
  const baseline = finite(s.baseline);
  const base = {
    name: metric.name,
    critical: metric.critical,
    weight: metric.weight,
    canaryCount: canary.length,
    baselineCount: baseline.length,
    canaryMedian: canary.length ? median(canary) : undefined,
    baselineMedian: baseline.length ? median(baseline) : undefined,
  };
  const none = { u: undefined, p: undefined, effect: undefined };
  if (s.error !== undefined)
    return metric.onError === 'fail'
      ? { ...base, ...none, verdict: 'fail', reason: `query failed: ${s.error}` }
      : { ...base, ...none, verdict: 'no-data', reason: `query failed (on-error: no-data): ${s.error}` };
  if (canary.length < metric.minSamples || baseline.length < metric.minSamples)
    return {
      ...base,
      ...none,
      verdict: 'no-data',
      reason: `${canary.length} canary and ${baseline.length} baseline samples; need ${metric.minSamples} each`,
    };
  const test = mannWhitney(canary, baseline, ALTERNATIVE[metric.bad]);
  const effect = ratio(base.canaryMedian!, base.baselineMedian!);
  const significant = test.p < alpha;
  const beyond = beyondTolerance(effect, metric.bad, metric.tolerance);
  const verdict: MetricVerdict = significant && beyond ? 'fail' : 'pass';
  const reason =
    verdict === 'fail'
      ? `significant (p < ${alpha}) and beyond the tolerance ${metric.tolerance}`
      : !significant
        ? `not significant (p >= ${alpha})`
        : `significant but within the tolerance ${metric.tolerance}`;
  return { ...base, u: test.u, p: test.p, effect, verdict, reason };
}

function weightOf(m: MetricJudgement, noData: JudgeOptions['noData']): { counts: number; passes: number } {
  if (m.verdict === 'no-data') {
    if (noData === 'ignore') return { counts: 0, passes: 0 };
    return { counts: m.weight, passes: noData === 'pass' ? m.weight : 0 };
  }
  return { counts: m.weight, passes: m.verdict === 'pass' ? m.weight : 0 };
}

function deciding(metrics: MetricJudgement[]): MetricJudgement | undefined {
  const failed = metrics.filter((m) => m.verdict === 'fail');
  const critical = failed.find((m) => m.critical);
  if (critical) return critical;
  const tested = (failed.length ? failed : metrics).filter((m) => m.p !== undefined);
  return [...tested].sort((a, b) => a.p! - b.p!)[0] ?? failed[0] ?? metrics[0];
}

/** Judges a step: every metric, the score, and the verdict against pass and marginal. */
export function judgeStep(samples: readonly MetricSamples[], options: JudgeOptions): StepJudgement {
  const metrics = samples.map((s) => judgeMetric(s, options.alpha));
  let counts = 0;
  let passes = 0;
  for (const m of metrics) {
    const w = weightOf(m, options.noData);
    counts += w.counts;
    passes += w.passes;
  }
  const score = counts === 0 ? 0 : Math.round((1000 * passes) / counts) / 10;
  const decider = deciding(metrics);
  const criticalFail = metrics.find(
    (m) => m.critical && (m.verdict === 'fail' || (m.verdict === 'no-data' && options.noData === 'fail')),
  );
  if (criticalFail)
    return {
      metrics,
      score,
      verdict: 'fail',
      deciding: criticalFail.name,
      reason: `critical metric "${criticalFail.name}" failed`,
    };
  if (counts === 0)
    return {
      metrics,
      score,
      verdict: 'fail',
      deciding: decider?.name,
      reason: 'no metric had data (on-no-data: ignore)',
    };
  const verdict: StepVerdict =
    score >= options.pass ? 'pass' : score >= options.marginal ? 'marginal' : 'fail';
  const reason =
    verdict === 'pass'
      ? `score ${score} >= pass ${options.pass}`
      : verdict === 'marginal'
        ? `score ${score} >= marginal ${options.marginal}, below pass ${options.pass}`
        : `score ${score} below marginal ${options.marginal}`;
  return { metrics, score, verdict, deciding: decider?.name, reason };
}
