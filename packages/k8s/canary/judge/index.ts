// The canary judge against a baseline: metric spec, Mann–Whitney U, scoring, range queries, report.
export { mannWhitney, normalCdf, type Alternative, type MannWhitneyResult } from './mannwhitney.js';
export {
  parseJudgeMetrics,
  parseJudgeOptions,
  DEFAULT_JUDGE_OPTIONS,
  JUDGE_INPUTS,
  METRICS_INPUT,
  type JudgeMetric,
  type JudgeOptions,
  type BadDirection,
  type NoDataOutcome,
  type OnQueryError,
} from './spec.js';
export {
  judgeMetric,
  judgeStep,
  type MetricSamples,
  type MetricJudgement,
  type StepJudgement,
  type MetricVerdict,
  type StepVerdict,
} from './judge.js';
export {
  fetchStepSamples,
  queryRange,
  renderJudgeQuery,
  JudgeQueryError,
  type FetchLike,
  type PromRangeClient,
  type RangeWindow,
  type RangeSeries,
  type JudgeTarget,
  type Role,
} from './prometheus.js';
export { stepReport, stepTable, comparisonChart } from './report.js';
export { judgeCanaryStep, type JudgedStep } from './step.js';
