/** The canary engine's value types: what a run is asked to do, and what it reports. */
import { ActionError, type Clock, type Sleep } from '@hac/toolkit';
import type { GateReport, GateSpec } from '@hac/probe';
import type { KubeClient } from '../client.js';
import type { KubeObject } from '../objects.js';
import type { RollbackRequest } from '../rollback-target.js';
import type { AnalysisOptions } from './analysis-inputs.js';
import type { MetricResult, MetricSpec } from './metrics.js';
import type { RouteMethod } from './routes.js';
import type { Phase } from './state.js';

export type CanaryAction = 'deploy' | 'promote' | 'abort' | 'rollback';
export type Verdict = 'promoted' | 'paused' | 'rolled-back' | 'aborted' | 'initial' | 'planned';

export interface CanaryOptions {
  action: CanaryAction;
  /** The stable Deployment's name (from the manifests or `app`). */
  name: string;
  /** deploy: the objects to deploy (images already substituted); exactly one Deployment. */
  objects?: KubeObject[];
  steps: number[];
  /** Pause after each step before its gates (steps - 1 values; the last step has none). */
  pauses: number[];
  route: RouteMethod;
  surge?: number;
  service?: string;
  httpRoute?: string;
  ingress?: string;
  canaryGate?: GateSpec;
  stableGate?: GateSpec;
  metrics: MetricSpec[];
  prometheus?: { url: string; headers?: Record<string, string> };
  /** analysis: baseline: each step runs `<name>-baseline` beside the canary and is judged against it. */
  analysis?: AnalysisOptions;
  /** How long one rollout (canary scale, stable promotion) may take. */
  timeoutMs: number;
  lockWaitMs?: number;
  dryRun: boolean;
  runId: string;
  /** action: rollback: rollback-to and confirm-rollback. */
  rollback?: RollbackRequest;
}

export interface StepRecord {
  step: number;
  weight: number;
  stable: number;
  canary: number;
  actual: number;
  gates: string;
  passed: boolean;
  ms: number;
}

/** One step of the plan: the weight asked for, the pods each side runs, the share that gives. */
export interface PlanRow {
  weight: number;
  stable: number;
  canary: number;
  actual: number;
  /** analysis: baseline: the baseline's pods (stable's version, the canary's count; stable traffic). */
  baseline?: number;
  note?: string;
}

/** One judgement of a step against the baseline (a marginal step is judged twice). */
export interface StepAnalysis {
  step: number;
  weight: number;
  attempt: number;
  score: number;
  verdict: 'pass' | 'marginal' | 'fail';
  reason: string;
  /** The step's Markdown section (table and chart). */
  summary: string;
}

export interface CanaryResult {
  action: CanaryAction;
  verdict: Verdict;
  phase?: Phase;
  name: string;
  version: string;
  previousVersion: string;
  image: string;
  previousImage: string;
  /** The canary's traffic weight at the end (percent; 0 after promote/abort). */
  weight: number;
  reason?: string;
  timeline: StepRecord[];
  /** The plan's rows (see plan.ts). */
  plan: PlanRow[];
  /** What is (or, on a dry run, would be) written. */
  objects: string[];
  routeDiff?: string;
  gateReports: { step: number; label: string; report: GateReport }[];
  metricResults: { step: number; results: MetricResult[] }[];
  /** analysis: baseline: every judgement, in order. */
  analysis?: StepAnalysis[];
  warnings: string[];
}

export interface CanaryDeps {
  client: KubeClient;
  runGate: (spec: GateSpec, deps: { signal?: AbortSignal }) => Promise<GateReport>;
  log?: (line: string) => void;
  sleep?: Sleep;
  clock?: Clock;
  /** Called once the first write is about to happen (the post step must then restore on failure). */
  onWrite?: (rec: { namespace: string; name: string; runId: string }) => void;
}

/** A gate, metric or rollout failure that rolled the canary back. */
export class CanaryFailed extends ActionError {
  constructor(
    message: string,
    readonly result: CanaryResult,
  ) {
    super(
      message,
      'The canary was rolled back and stable serves all traffic. Look at the gate results in the job summary, fix the release, and run the canary again.',
    );
    this.name = 'CanaryFailed';
  }
}

export function emptyResult(o: Pick<CanaryOptions, 'action' | 'name'>): CanaryResult {
  return {
    action: o.action,
    verdict: 'planned',
    name: o.name,
    version: '',
    previousVersion: '',
    image: '',
    previousImage: '',
    weight: 0,
    timeline: [],
    plan: [],
    objects: [],
    gateReports: [],
    metricResults: [],
    warnings: [],
  };
}
