import type { EC2Client } from '@aws-sdk/client-ec2';
import { errorMessage, withTimeout } from '@hac/toolkit';
import { addressLockStore } from './ec2.js';
import { parseLock } from './lock.js';
import { launchedId, mayHaveLaunched, removeLaunched, restoreAddress } from './restore.js';
import { phaseAtLeast, type SwapState } from './types.js';

export interface RecoveryReport {
  /** What the post step did. */
  done: string[];
  /** What it could not do (each a thing to do by hand). */
  failed: string[];
  /** Whether main had left anything to do. */
  needed: boolean;
}

/**
 * The post step: when main did not finish, puts the Elastic IP back where it was, terminates the
 * instance it launched (and anything else tagged with its run id) and releases its lock. A swap
 * that main had already verified (phase `released`) is not undone.
 */
export async function recoverSwap(
  state: SwapState | undefined,
  ec2: EC2Client,
  opts: { timeoutMs?: number; log?: (l: string) => void } = {},
): Promise<RecoveryReport> {
  const report: RecoveryReport = { done: [], failed: [], needed: false };
  if (!state || state.phase === 'finished') return report;
  report.needed = true;
  const log = opts.log ?? (() => undefined);
  const signal = withTimeout(undefined, opts.timeoutMs ?? 180_000, 'post-step recovery');
  const step = async (what: string, fn: () => Promise<string | undefined>) => {
    try {
      const done = await fn();
      if (done) {
        report.done.push(done);
        log(`✓ ${done}`);
      }
    } catch (err) {
      report.failed.push(`${what}: ${errorMessage(err)}`);
      log(`✗ ${what}: ${errorMessage(err)}`);
    }
  };
  if (phaseAtLeast(state.phase, 'associating') && !phaseAtLeast(state.phase, 'released')) {
    await step(
      `restore the Elastic IP ${state.allocationId} to ${state.previous?.instanceId ?? 'no instance'}`,
      () => restoreAddress(ec2, state, signal),
    );
  }
  if (mayHaveLaunched(state) && !phaseAtLeast(state.phase, 'released')) {
    await step(`terminate the instances tagged hac:run-id=${state.runId}`, () =>
      removeLaunched(ec2, state.runId, launchedId(state), signal),
    );
  }
  if (state.lock)
    await step(`remove the hac:lock tag from ${state.allocationId}`, () => releaseIfOurs(ec2, state, signal));
  return report;
}

/** Removes the lock tag when its owner is this run's (whatever expiry a renewal gave it). */
async function releaseIfOurs(
  ec2: EC2Client,
  state: SwapState,
  signal: AbortSignal,
): Promise<string | undefined> {
  const store = addressLockStore(ec2, state.allocationId, signal);
  const current = await store.read();
  const mine = parseLock(state.lock)?.owner;
  if (!current || !mine || parseLock(current)?.owner !== mine) return undefined;
  await store.remove(current);
  return `removed this run's lock on ${state.allocationId}`;
}
