// What the later actions (promote, abort, rollback) share: the recorded run they act on, the
// pure check that there is something to act on, and how they record what they did.
import { ActionError } from '@hac/toolkit';
import type { KubeClient } from '../client.js';
import { writeState, type LoadedState, type StateRecord } from '../state.js';
import { nowIso, type RunContext } from './context.js';
import type { BlueGreenPlan } from './plan.js';
import { laterRecord } from './recorded.js';
import type { BlueGreenAction } from './types.js';

/** A later action's subject: the recorded plan and record, as re-read under the Lease. */
export interface LaterRun {
  plan: BlueGreenPlan;
  rec: StateRecord;
  state: LoadedState;
}

const nothing = (what: string, rec: StateRecord | undefined, hint: string) =>
  new ActionError(
    `Nothing to ${what}: ${rec ? `the last recorded blue-green phase of ${rec.app} is "${rec.phase}" (run ${rec.runId})` : 'no blue-green state is recorded for this app'}. Nothing was changed.`,
    hint,
  );

/** Why `action` has nothing to act on in the recorded state (undefined: it can go ahead). */
export function laterRefusal(
  action: Exclude<BlueGreenAction, 'deploy'>,
  rec: StateRecord | undefined,
  plan: BlueGreenPlan | undefined,
): ActionError | undefined {
  if (action === 'promote' || action === 'abort') {
    if (!rec || rec.phase !== 'previewing' || !plan)
      return nothing(
        action,
        rec,
        'Run action: deploy with auto-promote: false first; promote and abort act on a color waiting in preview.',
      );
    return undefined;
  }
  const ready =
    rec?.activeColor && rec.previousColor && plan && ['complete', 'rolled-back'].includes(rec.phase);
  return ready
    ? undefined
    : nothing('roll back', rec, 'A rollback needs a completed blue-green deploy with a previous color.');
}

/** Records what a later action did: the recorded record with `patch`, this run, now. */
export function writeLater(
  ctx: RunContext,
  run: LaterRun,
  patch: Partial<StateRecord>,
  client: KubeClient = ctx.client,
): Promise<void> {
  return writeState(client, laterRecord(run.rec, patch, ctx.inputs.runId, nowIso(ctx)), run.state);
}
