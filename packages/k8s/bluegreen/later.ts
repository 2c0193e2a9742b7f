// Actions in a later job, from recorded state only (no manifests): promote a previewing color,
// abort it, or roll back to the previous color. Read the record, check there is something to act
// on, take the Lease, re-read under it, then hand over to the action's own module.
import { ActionError } from '@hac/toolkit';
import { checkPermissions } from '../permissions.js';
import { decideRollback, type VersionSpec } from '../rollback-target.js';
import { readState, type StateRecord } from '../state.js';
import { finish, saveProgress, startProgress, withLease, type RunContext } from './context.js';
import { abort } from './abort.js';
import { promote } from './promote.js';
import { dryRunRollback, noop, rollbackOf } from './rollback-later.js';
import { switchBack } from './switch-back.js';
import { laterRefusal, type LaterRun } from './later-run.js';
import { bluegreenPermissions } from './permissions.js';
import type { BlueGreenPlan, Color } from './plan.js';
import { recordedPlan } from './recorded.js';
import type { BlueGreenAction, BlueGreenResult } from './types.js';

type LaterAction = Exclude<BlueGreenAction, 'deploy'>;

export async function laterAction(ctx: RunContext): Promise<BlueGreenResult> {
  const { inputs, client } = ctx;
  const app = inputs.workload.app;
  const action = inputs.action as LaterAction;
  const state = await ctx.timeline.step(
    'read recorded state',
    async () => {
      const [, s] = await Promise.all([
        checkPermissions(client, bluegreenPermissions(inputs.route, action)),
        readState(client, app),
      ]);
      return s;
    },
    (s) => (s.record ? `${s.record.phase} (run ${s.record.runId})` : 'none'),
  );
  const rec = state.record?.strategy === 'bluegreen' ? state.record : undefined;
  const plan = recordedPlan(rec);
  const refusal = laterRefusal(action, rec, plan);
  if (refusal) throw refusal;
  const decision =
    action === 'rollback' ? decideRollback(rec as StateRecord, state.history, rollbackOf(inputs)) : undefined;
  if (decision?.kind === 'noop') return noop(ctx, rec as StateRecord, decision.message);
  const version = decision?.kind === 'restore' ? decision.target : undefined;
  if (inputs.dryRun && version)
    return dryRunRollback(ctx, { plan: plan as BlueGreenPlan, rec: rec as StateRecord, state }, version);
  if (inputs.dryRun) {
    ctx.timeline.add('dry run', 'info', `would ${action} ${app}`);
    return finish(ctx, {
      verdict: 'planned',
      activeColor: rec?.activeColor as Color | undefined,
      previousColor: rec?.previousColor as Color | undefined,
      image: rec?.image,
    });
  }
  saveProgress(ctx, startProgress(ctx, app, 'done'));
  return withLease(ctx, app, undefined, async () => {
    const run = await reread(ctx, plan as BlueGreenPlan, rec as StateRecord);
    return dispatch(action, ctx, run, version);
  });
}

/** The record again, under the Lease: another run may have acted while this one waited. */
async function reread(ctx: RunContext, plan: BlueGreenPlan, rec: StateRecord): Promise<LaterRun> {
  const app = ctx.inputs.workload.app;
  const fresh = await readState(ctx.client, app);
  const r = fresh.record;
  if (!r || r.runId !== rec.runId || r.phase !== rec.phase)
    throw new ActionError(
      `The recorded state of ${app} changed while waiting for the lease (now ${r?.phase ?? 'none'}, run ${r?.runId ?? '-'}). Nothing was changed.`,
      'Check the latest run, then retry.',
    );
  return { plan, rec: r, state: fresh };
}

function dispatch(
  action: LaterAction,
  ctx: RunContext,
  run: LaterRun,
  version: VersionSpec | undefined,
): Promise<BlueGreenResult> {
  switch (action) {
    case 'abort':
      return abort(ctx, run);
    case 'promote':
      return promote(ctx, run);
    case 'rollback':
      return switchBack(ctx, run, version as VersionSpec);
  }
}
