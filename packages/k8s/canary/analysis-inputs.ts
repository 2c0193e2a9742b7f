/**
 * The inputs of baseline analysis (`analysis: baseline`): the judge's metric list (the `metrics`
 * input, in the judge's form), the window, the score thresholds and the no-data outcome. Each
 * check is a small named rule; every problem is reported before any write.
 */
import { InputError, input, type Problems, type Rule } from '@hac/toolkit';
import {
  JUDGE_INPUTS,
  parseJudgeMetrics,
  parseJudgeOptions,
  type JudgeMetric,
  type JudgeOptions,
} from './judge/index.js';
import { METRICS_EXPECTED, parseMetrics, type MetricSpec } from './metrics.js';

export const ANALYSIS_MODES = ['none', 'baseline'] as const;
export type AnalysisMode = (typeof ANALYSIS_MODES)[number];

/** What a deploy with `analysis: baseline` judges each step with. */
export interface AnalysisOptions {
  metrics: JudgeMetric[];
  judge: JudgeOptions;
  /** How far back each step's range queries look; undefined: the step's pause. */
  windowMs?: number;
}

/** The routed methods give the baseline the canary's share, so a step's weight may be at most this. */
export const ROUTED_BASELINE_MAX_WEIGHT = 50;

export const analysisInputs = {
  analysis: input.oneOf(ANALYSIS_MODES, 'none'),
  'analysis-window': input.optional(input.duration({ min: '5s', max: '6h' })),
  [JUDGE_INPUTS.alpha]: input.string(),
  [JUDGE_INPUTS.pass]: input.string(),
  [JUDGE_INPUTS.marginal]: input.string(),
  [JUDGE_INPUTS.noData]: input.string(),
};

/** The values the analysis rules read (a part of the canary's inputs). */
export interface AnalysisValues {
  action: string;
  analysis: AnalysisMode;
  'analysis-window'?: number;
  metrics: string;
  route: string;
  steps: number[];
  pause: string;
  alpha: string;
  'pass-score': string;
  'marginal-score': string;
  'on-no-data': string;
}

function addAll(
  problems: Problems,
  err: unknown,
  fallback: { input: string; value: string; expected: string },
): void {
  if (err instanceof InputError) for (const p of err.problems) problems.add(p.input, p.value, p.expected);
  else problems.add(fallback.input, fallback.value, fallback.expected);
}

/** The judge's options (alpha, pass-score, marginal-score in order, on-no-data). */
export function judgeOptionsOf(v: AnalysisValues): JudgeOptions {
  return parseJudgeOptions({
    alpha: v.alpha,
    pass: v['pass-score'],
    marginal: v['marginal-score'],
    noData: v['on-no-data'],
  });
}

/** metrics: the judge's list with analysis: baseline (required then), else threshold gates. */
export const metricsFitAnalysis: Rule<AnalysisValues> = (v, problems, { failed }) => {
  if (failed.has('metrics')) return;
  try {
    if (v.analysis === 'baseline') parseJudgeMetrics(v.metrics);
    else parseMetrics(v.metrics);
  } catch (err) {
    addAll(problems, err, { input: 'metrics', value: v.metrics.trim(), expected: METRICS_EXPECTED });
  }
};

/** The thresholds and no-data outcome are well formed and in order (pass >= marginal). */
export const judgeThresholdsInOrder: Rule<AnalysisValues> = (v, problems) => {
  try {
    judgeOptionsOf(v);
  } catch (err) {
    addAll(problems, err, {
      input: JUDGE_INPUTS.pass,
      value: v['pass-score'],
      expected: 'a number from 0 to 100',
    });
  }
};

/** analysis: baseline is for deploys, and needs a window (Prometheus: metricsNeedPrometheus). */
export const baselineNeedsDeployAndWindow: Rule<AnalysisValues> = (v, problems, { failed }) => {
  if (v.analysis !== 'baseline') return;
  if (v.action !== 'deploy')
    problems.add('analysis', 'baseline', 'none unless action is deploy (later jobs judge nothing)');
  const last = v.steps[v.steps.length - 1];
  if (
    !failed.has('steps') &&
    !failed.has('analysis-window') &&
    v['analysis-window'] === undefined &&
    last !== undefined &&
    last < 100
  )
    problems.add(
      'analysis-window',
      '',
      `a duration such as 2m (required with analysis: baseline when the last step, ${last}%, is judged: it has no pause)`,
    );
  const pauses = v.pause.trim();
  if (!failed.has('analysis-window') && v['analysis-window'] === undefined && /^0*(s|ms)?$/.test(pauses))
    problems.add(
      'analysis-window',
      '',
      'a duration such as 2m (required with analysis: baseline when pause is 0: the window is the pause by default)',
    );
};

/**
 * Routed methods send the baseline the canary's weight beside it, so every judged step (below
 * 100%) must leave stable the rest: weight <= 50.
 */
export const routeGivesBaselineTraffic: Rule<AnalysisValues> = (v, problems, { failed }) => {
  if (v.analysis !== 'baseline' || v.route === 'replicas' || failed.has('steps')) return;
  const over = v.steps.filter((w) => w < 100 && w > ROUTED_BASELINE_MAX_WEIGHT);
  if (over.length > 0)
    problems.add(
      'steps',
      v.steps.join(','),
      `steps below 100 of at most ${ROUTED_BASELINE_MAX_WEIGHT}% with analysis: baseline and route ${v.route} ` +
        `(the baseline gets the canary's share, so ${over.join(', ')}% cannot be given to both)`,
    );
};

export const analysisRules: Rule<AnalysisValues>[] = [
  metricsFitAnalysis,
  judgeThresholdsInOrder,
  baselineNeedsDeployAndWindow,
  routeGivesBaselineTraffic,
];

/** The typed result, once the rules passed: threshold metrics, or the analysis options. */
export function resolveAnalysis(v: AnalysisValues): {
  metrics: MetricSpec[];
  analysis?: AnalysisOptions;
} {
  if (v.analysis !== 'baseline') return { metrics: parseMetrics(v.metrics) };
  return {
    metrics: [],
    analysis: {
      metrics: parseJudgeMetrics(v.metrics),
      judge: judgeOptionsOf(v),
      windowMs: v['analysis-window'],
    },
  };
}
