/** One judged canary step, end to end: range queries for every metric, the judge, the report. */
import { judgeStep, type StepJudgement } from './judge.js';
import { fetchStepSamples, type JudgeTarget, type PromRangeClient, type RangeWindow } from './prometheus.js';
import { stepReport } from './report.js';
import type { JudgeMetric, JudgeOptions } from './spec.js';

export interface JudgedStep {
  judgement: StepJudgement;
  /** The Markdown section for the job summary. */
  summary: string;
}

/**
 * Queries canary and baseline over `window`, judges the step and renders its summary section.
 * A failed query follows the metric's on-error; only cancellation (client.signal) throws.
 */
export async function judgeCanaryStep(
  client: PromRangeClient,
  metrics: readonly JudgeMetric[],
  target: JudgeTarget,
  window: RangeWindow,
  options: JudgeOptions,
  title: string,
): Promise<JudgedStep> {
  const samples = await fetchStepSamples(client, metrics, target, window);
  const judgement = judgeStep(samples, options);
  const series = Object.fromEntries(samples.map((s) => [s.metric.name, s.series]));
  return { judgement, summary: stepReport(title, judgement, series) };
}
