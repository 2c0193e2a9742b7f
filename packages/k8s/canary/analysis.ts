/**
 * Baseline analysis of one step (analysis: baseline): after the step's pause, range queries over
 * the step's window for the canary and the baseline, judged by the Mann–Whitney judge (judge/).
 * pass → the next step; marginal → the window once more, then pass or fail; fail → roll back.
 * A Prometheus outage follows each metric's on-error (fail, or no data and then on-no-data).
 */
import { ActionError, errorMessage } from '@hac/toolkit';
import type { AnalysisOptions } from './analysis-inputs.js';
import type { RunContext } from './context.js';
import {
  judgeCanaryStep,
  queryRange,
  renderJudgeQuery,
  type JudgeTarget,
  type RangeWindow,
} from './judge/index.js';
import type { StepAnalysis } from './types.js';

/** About this many samples per window (the query step is window / this, at least 1s). */
export const SAMPLES_PER_WINDOW = 60;

export interface BaselineJudgement {
  passed: boolean;
  summary: string;
  reason?: string;
}

/** The step's range-query window ending at `endMs`, `windowMs` long (pure). */
export function stepWindow(endMs: number, windowMs: number): RangeWindow {
  const end = Math.floor(endMs / 1000);
  const seconds = Math.max(1, Math.round(windowMs / 1000));
  return {
    start: end - seconds,
    end,
    stepSeconds: Math.max(1, Math.round(seconds / SAMPLES_PER_WINDOW)),
  };
}

/** How long a step's window is: analysis-window, else the step's pause (pure). */
export function windowMsOf(a: AnalysisOptions, pauseMs: number): number {
  return Math.max(5_000, a.windowMs ?? pauseMs);
}

function target(ctx: RunContext): JudgeTarget {
  return {
    namespace: ctx.c.namespace,
    app: ctx.o.name,
    canaryVersion: ctx.result.version,
    baselineVersion: ctx.result.previousVersion,
  };
}

async function judgeOnce(
  ctx: RunContext,
  a: AnalysisOptions,
  step: { index: number; weight: number; attempt: number },
  windowMs: number,
): Promise<StepAnalysis> {
  const prom = ctx.o.prometheus as NonNullable<RunContext['o']['prometheus']>;
  const title = `Step ${step.index + 1} (${step.weight}%) against the baseline${step.attempt > 1 ? `, window ${step.attempt}` : ''}`;
  const { judgement, summary } = await judgeCanaryStep(
    { url: prom.url, headers: prom.headers, signal: ctx.c.signal },
    a.metrics,
    target(ctx),
    stepWindow(ctx.clock(), windowMs),
    a.judge,
    title,
  );
  const out: StepAnalysis = {
    step: step.index + 1,
    weight: step.weight,
    attempt: step.attempt,
    score: judgement.score,
    verdict: judgement.verdict,
    reason: judgement.reason,
    summary,
  };
  (ctx.result.analysis ??= []).push(out);
  ctx.log(
    `Step ${out.step} analysis (window ${out.attempt}): score ${out.score}, ${out.verdict} (${out.reason})`,
  );
  return out;
}

/**
 * Judges step `index` against the baseline. `readyAt`: when the step's pods were ready; the first
 * window ends no earlier than readyAt + window (the rest of it is waited for).
 */
export async function judgeAgainstBaseline(
  ctx: RunContext,
  step: { index: number; weight: number; pauseMs: number; readyAt: number },
): Promise<BaselineJudgement> {
  const a = ctx.o.analysis as AnalysisOptions;
  const windowMs = windowMsOf(a, step.pauseMs);
  const wait = step.readyAt + windowMs - ctx.clock();
  if (wait > 0) await ctx.sleep(wait, ctx.c.signal);
  let result = await judgeOnce(ctx, a, { ...step, attempt: 1 }, windowMs);
  if (result.verdict === 'marginal') {
    ctx.log(`Step ${step.index + 1} is marginal: judging one more window of ${Math.round(windowMs / 1000)}s`);
    await ctx.sleep(windowMs, ctx.c.signal);
    result = await judgeOnce(ctx, a, { ...step, attempt: 2 }, windowMs);
  }
  const passed = result.verdict === 'pass';
  const summary = `baseline score ${result.score}${result.attempt > 1 ? ' (2nd window)' : ''} ${passed ? 'passed' : 'FAILED'}`;
  if (passed) return { passed, summary };
  const why = result.verdict === 'marginal' ? 'still marginal after a second window' : result.reason;
  return { passed, summary, reason: `analysis against the baseline: score ${result.score}, ${why}` };
}

/**
 * Before any write: one range query per metric and role over the last minute, so a PromQL error,
 * an unreachable Prometheus or a query giving many series fails here, not mid-canary. No series
 * yet is fine (the canary's pods do not exist yet).
 */
export async function checkAnalysisQueries(ctx: RunContext): Promise<void> {
  const a = ctx.o.analysis;
  const prom = ctx.o.prometheus;
  if (!a || !prom) return;
  const client = { url: prom.url, headers: prom.headers, signal: ctx.c.signal };
  const w = stepWindow(ctx.clock(), 60_000);
  for (const m of a.metrics)
    for (const role of ['canary', 'baseline'] as const) {
      try {
        await queryRange(client, renderJudgeQuery(m.query, target(ctx), role), w);
      } catch (err) {
        throw new ActionError(
          `Metric "${m.name}" (${role}): ${errorMessage(err)}. Nothing was changed.`,
          'Fix the query in the metrics input (it must give one series per role; try it in the Prometheus UI), or the prometheus-url input.',
        );
      }
    }
}
