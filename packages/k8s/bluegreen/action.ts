// The main step of k8s-bluegreen, behind bluegreenMain (entry.ts): open the cluster session, run
// the engine, then outputs, the job summary and the failure.
import { ActionError, errorMessage, type ActionDeps, type Timeline } from '@hac/toolkit';
import { defaultGateRunner, type GateRunner } from '../gates.js';
import { openSession, type Session } from '../session.js';
import { runContext } from './context.js';
import { runBlueGreen } from './engine.js';
import { Outputs, type ReadInputs } from './inputs.js';
import { runSummary } from './report.js';
import type { BlueGreenAction, BlueGreenResult } from './types.js';

/** What main hands to the report: the result and the run's timeline. */
export interface MainOutcome {
  result: BlueGreenResult;
  timeline: Timeline;
  action: BlueGreenAction;
}

/** What tests (or another host) may provide instead of the defaults. */
export interface MainExtras {
  session?: Session;
  gate?: GateRunner;
}

export function outputsOf(r: BlueGreenResult): Record<string, unknown> {
  return {
    [Outputs.verdict]: r.verdict,
    [Outputs.activeColor]: r.activeColor ?? '',
    [Outputs.previousColor]: r.previousColor ?? '',
    [Outputs.image]: r.image ?? '',
    [Outputs.previousImage]: r.previousImage ?? '',
    [Outputs.rollbackReason]: r.rollbackReason ?? '',
    [Outputs.weight]: r.verdict === 'promoted' ? '100' : '0',
    [Outputs.requests]: String(r.requests),
  };
}

export async function runMain(
  inputs: ReadInputs,
  deps: ActionDeps,
  extras: MainExtras,
): Promise<MainOutcome> {
  const session =
    extras.session ??
    (await openSession({
      kubeconfig: inputs.kubeconfig,
      context: inputs.context,
      namespace: inputs.namespace,
      signal: deps.signal,
      userAgent: 'hac/k8s-bluegreen',
      requestTimeoutMs: inputs.requestTimeoutMs,
      retryDeadlineMs: inputs.timeoutMs,
    }).catch((err: unknown) => {
      deps.setOutputs({ [Outputs.verdict]: 'failed' });
      throw err;
    }));
  inputs.workload.namespace = session.namespace;
  const ctx = runContext(inputs, {
    session,
    gate: extras.gate ?? defaultGateRunner,
    progress: deps.state,
    signal: deps.signal,
    clock: deps.clock,
    sleep: deps.sleep,
    log: (line) => deps.log.info(line),
  });
  const result = await runBlueGreen(ctx);
  return { result, timeline: ctx.timeline, action: inputs.action };
}

/** Outputs and the job summary, then the failure (so a failed step still reports). */
export async function reportMain({ result, timeline, action }: MainOutcome, deps: ActionDeps): Promise<void> {
  deps.setOutputs(outputsOf(result));
  const summary = runSummary(result, timeline, action);
  const failure = result.failure;
  if (failure)
    summary.text(
      `**Error:** ${errorMessage(failure)}${failure instanceof ActionError && failure.hint ? `\n\n**Next:** ${failure.hint}` : ''}`,
    );
  await deps.writeSummary(summary);
  if (failure) throw failure;
}
