/**
 * The step runner. Each step is a desired state computed from the plan (`desiredState`, pure),
 * reached by a short list of actions (scale the canary and wait until it is ready, move traffic,
 * record, pause), then judged: `analyse` collects the step's evidence (smoke gates, Prometheus
 * metrics) and `judge` turns it into pass or fail. A failed judgement throws, and the deploy
 * rolls back (rollback.ts).
 */
import type { GateReport } from '@hac/probe';
import type { KubeClient } from '../client.js';
import type { Deployment } from '../objects.js';
import { judgeAgainstBaseline } from './analysis.js';
import { scaleBaseline } from './baseline.js';
import { canaryName } from './build.js';
import { DEPLOYMENT, queryVars, rolledOut, saveRecord, type RunContext } from './context.js';
import { runMetrics, type MetricResult } from './metrics.js';
import type { StepPlan } from './plan.js';
import type { CanaryRecord } from './state.js';
import { setWeight } from './traffic.js';
import type { PlanRow } from './types.js';

/** What one step asks of the cluster. */
export interface Desired {
  /** The step's index in the plan. */
  step: number;
  /** The weight asked for (percent), set on the route for routed methods. */
  weight: number;
  canary: number;
  /** analysis: baseline: the baseline's replicas. */
  baseline?: number;
  /** Stable's replicas (replicas without an HPA); undefined leaves stable's size alone. */
  stable?: number;
  /** The weight recorded and reported: the actual pod share for replicas, the route weight otherwise. */
  recorded: number;
  /** The last step below 100: the canary then waits for a later job, and its record says paused. */
  holds: boolean;
  pauseMs: number;
}

export function desiredState(plan: StepPlan, pauses: number[], i: number): Desired {
  const row = plan.rows[i] as PlanRow;
  const replicas = plan.record.route === 'replicas';
  return {
    step: i,
    weight: row.weight,
    canary: row.canary,
    baseline: row.baseline,
    stable: replicas && !plan.hpa ? row.stable : undefined,
    recorded: replicas ? row.actual : row.weight,
    holds: i === plan.rows.length - 1 && row.weight < 100,
    pauseMs: pauses[i] ?? 0,
  };
}

/** The evidence a step's gates gathered. */
export interface Analysis {
  gates: { label: 'canary' | 'stable'; report: GateReport }[];
  metrics: MetricResult[];
}

export interface Judgement {
  passed: boolean;
  /** One line for the timeline. */
  summary: string;
  reason?: string;
}

/**
 * Where a step's analysis is judged (pure). Today: every smoke gate and every metric threshold
 * must pass. A baseline judgement (canary compared with stable) replaces or extends this.
 */
export function judge(a: Analysis): Judgement {
  const parts: string[] = [];
  const reasons: string[] = [];
  for (const { label, report } of a.gates) {
    parts.push(`${label} checks ${report.passed ? 'passed' : 'FAILED'}`);
    if (!report.passed) reasons.push(`${label} smoke checks failed: ${report.reason ?? 'see the summary'}`);
  }
  for (const m of a.metrics) {
    parts.push(`${m.name}=${m.value === undefined ? 'n/a' : m.value} ${m.passed ? 'ok' : 'FAILED'}`);
    if (!m.passed) reasons.push(`metric ${m.name}: ${m.reason}`);
  }
  return {
    passed: reasons.length === 0,
    summary: parts.join('; ') || 'no gates',
    reason: reasons.join('; '),
  };
}

type StepAction = (ctx: RunContext, want: Desired) => Promise<void>;

/** How a step reaches its desired state, in order. */
const pause: StepAction = async (ctx, want) => {
  if (want.pauseMs <= 0) return;
  ctx.log(`Pausing ${Math.round(want.pauseMs / 1000)}s before the gates of step ${want.step + 1}`);
  await ctx.sleep(want.pauseMs, ctx.c.signal);
};

const STEP_ACTIONS: StepAction[] = [
  async (ctx, want) => {
    await scaleCanary(ctx, want.canary);
    if (want.baseline !== undefined && ctx.rec?.baseline) await scaleBaseline(ctx, want.baseline);
  },
  async (ctx, want) => {
    await setWeight(ctx.c, ctx.rec as CanaryRecord, want.weight);
    ctx.result.weight = want.recorded;
    await recordStep(ctx, want);
  },
  pause,
];

/**
 * Records the step on stable. For replicas the step's stable size goes in the same patch (the pods
 * are the weight, so size and record change together); it waits only when stable grows. The last
 * step below 100 records the paused phase here too: a failed judgement still rolls back.
 */
async function recordStep(ctx: RunContext, want: Desired): Promise<void> {
  const change: Partial<CanaryRecord> = { weight: want.recorded, step: want.step };
  if (want.holds) change.phase = 'paused';
  if (want.stable === undefined) return void (await saveRecord(ctx, change));
  const d = await saveRecord(ctx, change, ctx.c, { replicas: want.stable });
  if ((d?.status?.readyReplicas ?? 0) < want.stable) await rolledOut(ctx, (ctx.rec as CanaryRecord).stable);
}

export async function runStep(ctx: RunContext, plan: StepPlan, i: number): Promise<void> {
  const started = ctx.clock();
  const want = desiredState(plan, ctx.o.pauses, i);
  const row = plan.rows[i] as PlanRow;
  ctx.log(
    `Step ${i + 1}/${plan.rows.length}: ${want.weight}% (stable ${row.stable}, canary ${row.canary}, actual ${row.actual}%)`,
  );
  let readyAt = started;
  for (const action of STEP_ACTIONS) {
    if (action === pause) readyAt = ctx.clock();
    await action(ctx, want);
  }
  let verdict = judge(await analyse(ctx, i));
  // analysis: baseline judges every step below 100% once its gates passed (analysis.ts).
  if (verdict.passed && ctx.o.analysis && want.weight < 100) {
    const b = await judgeAgainstBaseline(ctx, {
      index: i,
      weight: want.weight,
      pauseMs: want.pauseMs,
      readyAt,
    });
    const gates = verdict.summary === 'no gates' ? [] : [verdict.summary];
    verdict = { passed: b.passed, summary: [...gates, b.summary].join('; '), reason: b.reason };
  }
  ctx.result.timeline.push({
    step: i + 1,
    weight: want.weight,
    stable: row.stable,
    canary: row.canary,
    actual: want.recorded,
    gates: verdict.summary,
    passed: verdict.passed,
    ms: ctx.clock() - started,
  });
  if (!verdict.passed) throw new Error(`step ${i + 1} (${want.weight}%): ${verdict.reason}`);
}

/** Runs the step's gates and metric queries; their reports go to the result as well. */
export async function analyse(ctx: RunContext, i: number): Promise<Analysis> {
  const { o, result } = ctx;
  const a: Analysis = { gates: [], metrics: [] };
  for (const [label, spec] of [
    ['canary', o.canaryGate],
    ['stable', o.stableGate],
  ] as const) {
    if (!spec) continue;
    const report = await ctx.deps.runGate(spec, { signal: ctx.c.signal });
    result.gateReports.push({ step: i + 1, label, report });
    a.gates.push({ label, report });
  }
  if (o.metrics.length > 0 && o.prometheus) {
    a.metrics = await runMetrics(o.metrics, queryVars(ctx), {
      ...o.prometheus,
      signal: ctx.c.signal,
      sleep: ctx.sleep,
    });
    result.metricResults.push({ step: i + 1, results: a.metrics });
  }
  return a;
}

/** Scales the canary Deployment (unless it already has that size) and waits until its pods are ready. */
export async function scaleCanary(ctx: RunContext, replicas: number): Promise<void> {
  const name = canaryName(ctx.o.name);
  if (ctx.canary?.spec.replicas !== replicas)
    ctx.canary = await ctx.c.mergePatch<Deployment>({ ...DEPLOYMENT, name }, { spec: { replicas } });
  await rolledOut(ctx, name);
}

/** Scales stable; waits only when it grows (a shrink never leaves it short of ready pods). */
export async function scaleStable(ctx: RunContext, replicas: number, c: KubeClient = ctx.c): Promise<void> {
  const name = (ctx.rec as CanaryRecord | undefined)?.stable ?? ctx.o.name;
  const d = await c.mergePatch<Deployment>({ ...DEPLOYMENT, name }, { spec: { replicas } });
  if ((d.status?.readyReplicas ?? 0) < replicas) await rolledOut(ctx, name, c);
}
