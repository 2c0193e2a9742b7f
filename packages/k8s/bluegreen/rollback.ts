// Rolling a failed deploy back: with a fresh signal (the run's may be cancelled), switch traffic
// back if it moved and remove the new color (undo), record why, and report the failure. A
// rollback that fails too is one error that says what to check.
import { ActionError, CancelledError, TimeoutError, errorMessage, withTimeout } from '@hac/toolkit';
import { writeState } from '../state.js';
import { finish, nowIso, saveProgress, type RunContext } from './context.js';
import { prevRecord, runBase, type DeployRun } from './prepare.js';
import { rolledBackRecord } from './recorded.js';
import { servingAnnotations, undo } from './switch.js';
import type { BlueGreenResult } from './types.js';

/** The first line of why the run failed (cancellation says so). */
export function rollbackReason(cause: unknown): string {
  return cause instanceof CancelledError
    ? `cancelled (${cause.message})`
    : (errorMessage(cause).split('\n')[0] as string);
}

/** The error a rolled-back deploy fails the step with. */
export function rolledBackError(app: string, cause: unknown, reason: string): ActionError {
  if (cause instanceof ActionError) return cause;
  return new ActionError(
    `Blue-green deploy of ${app} failed and was rolled back: ${reason}`,
    cause instanceof TimeoutError
      ? 'Raise the timeout input or look at why the pods are slow to become ready.'
      : 'Fix the cause above and redeploy.',
  );
}

export async function rollback(ctx: RunContext, run: DeployRun, cause: unknown): Promise<BlueGreenResult> {
  const { plan, state } = run;
  const reason = rollbackReason(cause);
  const base = runBase(run);
  ctx.log(`rolling back: ${reason}`);
  const client = ctx.client.withSignal(withTimeout(undefined, 120_000, 'rollback'));
  const prev = prevRecord(state);
  try {
    await ctx.timeline.step(
      'rollback',
      () =>
        undo(
          client,
          plan,
          servingAnnotations({
            runId: plan.runId,
            phase: 'rolled-back',
            color: plan.oldColor,
            image: prev?.image,
            previousImage: prev?.previousImage,
          }),
        ),
      (r) => r.notes.join('; ') || 'nothing to undo',
    );
  } catch (err) {
    const failure = new ActionError(
      `Blue-green deploy of ${plan.app} failed (${reason}) and the rollback failed too: ${errorMessage(err)}`,
      err instanceof ActionError && err.hint
        ? err.hint
        : 'Check the live Service and both color Deployments with kubectl, then run action: rollback.',
    );
    return finish(ctx, { ...base, verdict: 'failed', rollbackReason: reason, failure });
  }
  saveProgress(ctx, { stage: 'done' });
  const stillOld = plan.switch.create ? undefined : plan.oldColor;
  await writeState(client, rolledBackRecord(plan, prev, reason, nowIso(ctx)), state).catch((err) =>
    ctx.log(`could not record state: ${errorMessage(err)}`),
  );
  return finish(ctx, {
    ...base,
    verdict: 'rolled-back',
    activeColor: stillOld,
    previousColor: plan.newColor,
    rollbackReason: reason,
    failure: rolledBackError(plan.app, cause, reason),
  });
}
