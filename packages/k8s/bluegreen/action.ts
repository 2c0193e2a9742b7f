// The k8s-bluegreen action: inputs → engine → outputs, job summary and annotations.
import {
  ActionError,
  Summary,
  cancellationSignal,
  envInputs,
  errorMessage,
  info,
  runnerState,
  setOutputs,
  type StateStore,
} from '@hac/toolkit';
import { defaultGateRunner, type GateRunner } from '../gates.js';
import { openSession, type Session } from '../session.js';
import { BlueGreenRun } from './engine.js';
import { readBlueGreenInputs, Outputs } from './inputs.js';
import { runSummary } from './report.js';
import type { BlueGreenResult } from './types.js';

export interface ActionDeps {
  source?: (name: string) => string;
  progress?: StateStore;
  gate?: GateRunner;
  signal?: AbortSignal;
  session?: Session;
  setOutput?: (name: string, value: string) => void;
  writeSummary?: (s: Summary) => Promise<void>;
  log?: (line: string) => void;
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

/** Runs the action; returns the result (throws the failure after writing outputs and summary). */
export async function bluegreenAction(deps: ActionDeps = {}): Promise<BlueGreenResult> {
  let inputs: ReturnType<typeof readBlueGreenInputs>;
  try {
    inputs = readBlueGreenInputs(deps.source ?? envInputs());
  } catch (err) {
    setOutputs({ [Outputs.verdict]: 'failed' }, deps.setOutput);
    throw err;
  }
  const signal = deps.signal ?? cancellationSignal();
  const log = deps.log ?? info;
  const session =
    deps.session ??
    (await openSession({
      kubeconfig: inputs.kubeconfig,
      context: inputs.context,
      namespace: inputs.namespace,
      signal,
      userAgent: 'hac/k8s-bluegreen',
      requestTimeoutMs: inputs.requestTimeoutMs,
      retryDeadlineMs: inputs.timeoutMs,
    }).catch((err: unknown) => {
      setOutputs({ [Outputs.verdict]: 'failed' }, deps.setOutput);
      throw err;
    }));
  inputs.workload.namespace = session.namespace;
  const run = new BlueGreenRun(inputs, {
    session,
    gate: deps.gate ?? defaultGateRunner,
    progress: deps.progress ?? runnerState,
    signal,
    log,
  });
  const writeSummary = deps.writeSummary ?? ((s: Summary) => s.write());
  let result: BlueGreenResult;
  try {
    // The count after run() returns includes the final Lease release.
    result = { ...(await run.run()), requests: session.transport.count };
  } catch (err) {
    result = {
      verdict: 'failed',
      app: inputs.workload.app,
      gates: run.gates,
      requests: session.transport.count,
      failure: err instanceof Error ? err : new Error(errorMessage(err)),
    };
  }
  setOutputs(outputsOf(result), deps.setOutput);
  const summary = runSummary(result, run.timeline, inputs.action);
  if (result.failure)
    summary.text(
      `**Error:** ${errorMessage(result.failure)}${result.failure instanceof ActionError && result.failure.hint ? `\n\n**Next:** ${result.failure.hint}` : ''}`,
    );
  await writeSummary(summary);
  if (result.failure) throw result.failure;
  return result;
}
