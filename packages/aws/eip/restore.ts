// Restore: after a failure or cancellation, move the Elastic IP back and terminate only what this
// run launched; at the end of every run, unlock. The post step (recover.ts) reuses the same moves.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { ActionError, CancelledError, abortReason, errorMessage, withTimeout } from '@hac/toolkit';
import type { SwapContext } from './context.js';
import {
  addressLockStore,
  associate,
  describeAddress,
  disassociate,
  runInstances,
  terminate,
} from './ec2.js';
import { parseLock } from './lock.js';
import { LOCK_TAG } from './names.js';
import { pointsAt, pointsAtPrevious, restoreInput } from './requests.js';
import { SwapFailure, phaseAtLeast, type SwapState } from './types.js';

const CLEANUP_TIMEOUT_MS = 180_000;

/** Rolls back what the run changed and turns `err` into the one error the step fails with. */
export async function failed(ctx: SwapContext, err: unknown): Promise<SwapFailure> {
  const { report, signal } = ctx;
  const cancelled = err instanceof CancelledError || (signal?.aborted ?? false);
  const cause = cancelled && signal?.aborted ? abortReason(signal) : err;
  report.error = errorMessage(cause);
  ctx.timeline.add(cancelled ? 'cancelled' : 'failed', 'failed', errorMessage(cause));
  const undone = await rollback(ctx);
  report.result = undone && report.cleanup.length > 0 ? 'rolled-back' : 'failed';
  const tail = report.cleanup.length ? ` Rolled back: ${report.cleanup.join('; ')}.` : '';
  const left = report.leftovers.length ? ` NOT cleaned up: ${report.leftovers.join('; ')}.` : '';
  const hint = report.leftovers.length
    ? `The post step retries the cleanup; if it fails too, ${report.leftovers.join('; ')} by hand.`
    : cause instanceof ActionError
      ? cause.hint
      : cancelled
        ? 'The run was cancelled; the Elastic IP is where it was before. Re-run when ready.'
        : 'Re-run the job; if it fails again, check the message above.';
  return new SwapFailure(`${errorMessage(cause)}${tail}${left}`, hint, report, cause);
}

/** Puts the Elastic IP back and removes a launched instance. True when everything needed was undone. */
async function rollback(ctx: SwapContext): Promise<boolean> {
  const signal = withTimeout(undefined, ctx.deps.cleanupTimeoutMs ?? CLEANUP_TIMEOUT_MS, 'rollback');
  let ok = true;
  const step = async (what: string, fn: () => Promise<string | undefined>) => {
    try {
      const done = await fn();
      if (done) {
        ctx.report.cleanup.push(done);
        ctx.timeline.add('rollback', 'ok', done);
      }
    } catch (err) {
      ok = false;
      ctx.report.leftovers.push(what);
      ctx.timeline.add('rollback', 'failed', `${what}: ${errorMessage(err)}`);
    }
  };
  const state = ctx.state;
  if (state && phaseAtLeast(state.phase, 'associating')) {
    const back = `move ${ctx.report.publicIp} back to ${ctx.previous.instanceId ?? 'no instance'}`;
    await step(back, () => restoreAddress(ctx.ec2, state, signal));
  }
  if (state && mayHaveLaunched(state)) {
    await step(`terminate the instances tagged hac:run-id=${ctx.runId}`, () =>
      removeLaunched(ctx.ec2, ctx.runId, launchedId(state), signal),
    );
  }
  return ok;
}

/** Releases the lock and records that main finished (so that post has nothing to undo). */
export async function finish(ctx: SwapContext): Promise<void> {
  const signal = withTimeout(undefined, ctx.deps.cleanupTimeoutMs ?? CLEANUP_TIMEOUT_MS, 'cleanup');
  if (ctx.config.target.mode === 'launch' && ctx.report.result === 'swapped') await sweepStrays(ctx, signal);
  const unlocked = await unlock(ctx, signal);
  if (unlocked && ctx.state && ctx.report.leftovers.length === 0) ctx.saveState({ phase: 'finished' });
}

/** A retried RunInstances whose first response was lost can leave a second instance; terminate it. */
async function sweepStrays(ctx: SwapContext, signal: AbortSignal): Promise<void> {
  try {
    const extra = (await runInstances(ctx.ec2, ctx.runId, signal)).filter(
      (id) => id !== ctx.report.newInstanceId,
    );
    if (extra.length) {
      await terminate(ctx.ec2, extra, signal);
      ctx.timeline.add('cleanup', 'ok', `terminated stray instance(s) of this run: ${extra.join(', ')}`);
    }
  } catch (err) {
    ctx.report.warnings.push(`Could not check for stray instances of this run: ${errorMessage(err)}`);
  }
}

/** Removes this run's lock tag (held, or written while taking it). False when that failed. */
async function unlock(ctx: SwapContext, signal: AbortSignal): Promise<boolean> {
  const value = ctx.lock?.value ?? ctx.pendingLock;
  if (!value) return true;
  const allocationId = ctx.addr.allocationId;
  try {
    // DeleteTags with the value removes the tag only while it is still this run's.
    await addressLockStore(ctx.ec2, allocationId, signal).remove(value);
    ctx.timeline.add('unlock', 'ok', `removed ${LOCK_TAG}`);
    return true;
  } catch (err) {
    ctx.report.leftovers.push(`remove the ${LOCK_TAG} tag from ${allocationId}`);
    const expires = new Date(parseLock(value)?.expiresAt ?? 0).toISOString();
    ctx.timeline.add('unlock', 'failed', `${errorMessage(err)} (the lock expires at ${expires})`);
    ctx.report.warnings.push(
      `The ${LOCK_TAG} tag could not be removed from ${allocationId}; the post step retries, and it expires at ${expires}.`,
    );
    return false;
  }
}

/**
 * Puts the Elastic IP back where `state.previous` says, but only when it still points at this run's
 * target (or at nothing): an address someone else moved since is left alone. Returns what was done.
 */
export async function restoreAddress(
  ec2: EC2Client,
  state: SwapState,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const previous = state.previous ?? {};
  const now = await describeAddress(ec2, { allocationId: state.allocationId }, signal);
  if (pointsAtPrevious(now, previous)) return undefined;
  const ours =
    (state.target && pointsAt(now, state.target)) ||
    (state.associationId !== undefined && now.associationId === state.associationId) ||
    !now.associationId;
  if (!ours)
    throw new ActionError(
      `${now.publicIp} now points at ${now.instanceId ?? now.networkInterfaceId}, which this run did not set; left alone.`,
    );
  const input = restoreInput(state.allocationId, previous);
  if (input) {
    await associate(ec2, input, signal);
  } else if (now.associationId) {
    await disassociate(ec2, now.associationId, signal);
  }
  const after = await describeAddress(ec2, { allocationId: state.allocationId }, signal);
  if (!pointsAtPrevious(after, previous))
    throw new ActionError(
      `DescribeAddresses does not show ${now.publicIp} back on ${previous.instanceId ?? 'nothing'}.`,
    );
  return input
    ? `${now.publicIp} moved back to ${previous.instanceId ?? previous.networkInterfaceId}`
    : `${now.publicIp} disassociated (it had no instance before)`;
}

/**
 * Whether this run may have launched an instance: RunInstances was sent (`launching`, its answer
 * maybe lost) or answered (`launched`). Never true in instance mode, whose instance is the user's.
 */
export const mayHaveLaunched = (state: SwapState): boolean => state.launched || state.phase === 'launching';

/** The instance this run launched, if any: never the user's own instance of instance mode. */
export const launchedId = (state: SwapState): string | undefined =>
  state.launched ? state.newInstanceId : undefined;

/**
 * Terminates the instance this run launched (`launchedId`, from its own RunInstances answer) and any
 * other instance tagged with this run id. Nothing else: an instance the user named is never touched.
 * Returns what was done.
 */
export async function removeLaunched(
  ec2: EC2Client,
  runId: string,
  launched: string | undefined,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const found = await runInstances(ec2, runId, signal);
  const ids = [...new Set([...(launched ? [launched] : []), ...found])];
  if (ids.length === 0) return undefined;
  await terminate(ec2, ids, signal);
  return `terminated ${ids.join(', ')}`;
}
