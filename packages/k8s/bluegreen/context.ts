// The run context of one blue-green step: the inputs, the cluster session and everything taken
// from the process (clock, sleep, log, signal, the post step's store), plus what the run has
// gathered so far (timeline, gate outcomes, saved progress). Every phase takes this one object.
import { ActionError, errorMessage, formatDuration, Timeline, type Clock, type Sleep } from '@hac/toolkit';
import type { GateSpec } from '@hac/probe';
import type { KubeClient } from '../client.js';
import type { GateRunner } from '../gates.js';
import { LeaseBusyError, LeaseLock, leaseName, type Lease } from '../lease.js';
import type { Session } from '../session.js';
import {
  PROGRESS_KEY,
  type BlueGreenDeps,
  type BlueGreenInputs,
  type BlueGreenResult,
  type GateOutcome,
  type Progress,
} from './types.js';

export interface RunContext {
  readonly inputs: BlueGreenInputs;
  readonly session: Session;
  readonly client: KubeClient;
  readonly gate: GateRunner;
  readonly deps: BlueGreenDeps;
  readonly signal?: AbortSignal;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly log: (line: string) => void;
  readonly timeline: Timeline;
  readonly gates: GateOutcome[];
  /** What the post step will read (see saveProgress). */
  progress?: Progress;
}

export function runContext(inputs: BlueGreenInputs, deps: BlueGreenDeps): RunContext {
  return {
    inputs,
    session: deps.session,
    client: deps.session.client,
    gate: deps.gate,
    deps,
    ...(deps.signal ? { signal: deps.signal } : {}),
    clock: deps.clock,
    sleep: deps.sleep,
    log: deps.log,
    timeline: new Timeline(deps.clock, deps.log),
    gates: [],
  };
}

export const nowIso = (ctx: RunContext): string => new Date(ctx.clock()).toISOString();

/** Merges `patch` into the saved progress (the post step restores from it if main dies). */
export function saveProgress(ctx: RunContext, patch: Partial<Progress>): void {
  ctx.progress = { ...(ctx.progress as Progress), ...patch };
  ctx.deps.progress.save(PROGRESS_KEY, ctx.progress);
}

/** The progress every step starts from: where to reach the cluster, and the run. */
export function startProgress(ctx: RunContext, app: string, stage: Progress['stage']): Progress {
  const { session, inputs } = ctx;
  return {
    v: 1,
    namespace: session.namespace,
    context: session.context,
    kubeconfigPath: session.kubeconfigPath,
    app,
    runId: inputs.runId,
    ...(inputs.requestTimeoutMs ? { requestTimeoutMs: inputs.requestTimeoutMs } : {}),
    timeoutMs: inputs.timeoutMs,
    stage,
  };
}

/** A result with the run's gates and request count (failed for `app` unless `r` says otherwise). */
export function finish(ctx: RunContext, r: Partial<BlueGreenResult>): BlueGreenResult {
  return {
    verdict: 'failed',
    app: ctx.inputs.workload.app,
    ...r,
    gates: ctx.gates,
    requests: ctx.session.transport.count,
  };
}

export class GateFailedError extends ActionError {
  constructor(
    readonly gate: string,
    reason: string,
  ) {
    super(
      `The ${gate} gate failed: ${reason}`,
      `Look at the ${gate} gate results in the job summary; traffic was restored to the previous version.`,
    );
    this.name = 'GateFailedError';
  }
}

/** Runs gate `name` (skipped without a spec); returns why it failed, or undefined when it passed. */
export async function gateVerdict(
  ctx: RunContext,
  name: string,
  spec: GateSpec | undefined,
): Promise<string | undefined> {
  if (!spec) {
    ctx.timeline.add(`${name} gate`, 'skipped', 'no URLs or checks given');
    return undefined;
  }
  const report = await ctx.timeline.step(
    `${name} gate`,
    () => ctx.gate(spec, { signal: ctx.signal, log: ctx.log }),
    (r) => (r.passed ? `${r.checks.length} check(s) passed` : r.reason),
  );
  const { gateMarkdown } = await import('../gates.js');
  ctx.gates.push({
    name,
    passed: report.passed,
    reason: report.reason,
    markdown: gateMarkdown(`${name} gate`, report),
  });
  return report.passed ? undefined : (report.reason ?? 'unknown reason');
}

/** Runs gate `name`; throws GateFailedError when it fails. */
export async function runGate(ctx: RunContext, name: string, spec: GateSpec | undefined): Promise<void> {
  const failed = await gateVerdict(ctx, name, spec);
  if (failed !== undefined) throw new GateFailedError(name, failed);
}

/**
 * Holds the app's Lease around `fn` (one run per app). The progress names the Lease from the
 * attempt on, so the post step releases it if main dies; a Lease found busy was never ours.
 * `known` is the Lease read in preflight (null: there was none).
 */
export async function withLease<T>(
  ctx: RunContext,
  app: string,
  known: Lease | null | undefined,
  fn: (contended: boolean) => Promise<T>,
): Promise<T> {
  const name = leaseName(app);
  const lock = new LeaseLock(ctx.client, {
    name,
    holder: ctx.inputs.runId,
    durationS: ctx.inputs.leaseDurationS ?? 60,
    clock: ctx.clock,
    sleep: ctx.sleep,
    labels: { app },
    onWait: (holder, exp) =>
      ctx.log(`Lease ${name} is held by ${holder} (expires ${new Date(exp).toISOString()}); waiting`),
    onTakeover: (prev) => ctx.log(`Lease ${name} of ${prev} expired; taking it over`),
  });
  saveProgress(ctx, { lease: name });
  const acquired = await ctx.timeline
    .step(
      'acquire lease',
      () => lock.acquire(ctx.inputs.lockTimeoutMs, known),
      (a) => (a.contended ? `waited ${formatDuration(a.waitedMs)}` : name),
    )
    .catch((err: unknown) => {
      if (err instanceof LeaseBusyError) saveProgress(ctx, { lease: undefined });
      throw err;
    });
  lock.startRenewing((err) => ctx.log(`lease renewal failed: ${errorMessage(err)}`));
  try {
    return await fn(acquired.contended);
  } finally {
    await lock.release().then(
      () => saveProgress(ctx, { lease: undefined }),
      (err) => ctx.log(`could not release the lease: ${errorMessage(err)}`),
    );
  }
}
