// action: rollback's answers that write nothing: a second rollback (a no-op that says so) and
// dry-run: true (every write of the rollback validated by a server-side dry run).
import { dryRunAll } from '../preflight.js';
import type { RollbackRequest, VersionSpec } from '../rollback-target.js';
import type { StateRecord } from '../state.js';
import { finish, type RunContext } from './context.js';
import type { LaterRun } from './later-run.js';
import type { Color } from './plan.js';
import { planRestore, restoreWrites } from './switch-back.js';
import type { BlueGreenInputs, BlueGreenResult } from './types.js';

export const rollbackOf = (inputs: BlueGreenInputs): RollbackRequest =>
  inputs.rollback ?? { rollbackTo: '', confirm: false };

/** Nothing to roll back: the recorded state already is what a rollback would make it. */
export function noop(ctx: RunContext, rec: StateRecord, message: string): BlueGreenResult {
  ctx.timeline.add('rollback', 'info', message);
  ctx.log(message);
  return finish(ctx, {
    verdict: 'rolled-back',
    activeColor: rec.activeColor as Color | undefined,
    previousColor: rec.previousColor as Color | undefined,
    image: rec.image,
    previousImage: rec.previousImage,
    rollbackReason: message,
  });
}

/** dry-run: the rollback planned from what is live and every write dry-run on the server. */
export async function dryRunRollback(
  ctx: RunContext,
  run: LaterRun,
  version: VersionSpec,
): Promise<BlueGreenResult> {
  const r = await planRestore(ctx, run, version);
  const writes = restoreWrites(r, run.plan.app);
  await ctx.timeline.step(
    'preflight (server-side dry run)',
    () => dryRunAll(ctx.client, writes),
    () => `${writes.length} writes validated`,
  );
  const how = r.recreate ? 're-create' : r.scaleUp ? 'scale up' : 'use';
  ctx.timeline.add(
    'dry run',
    'info',
    `would ${how} ${r.to} with ${version.image} and switch traffic back from ${r.from}; nothing was changed`,
  );
  return finish(ctx, {
    verdict: 'planned',
    activeColor: r.from,
    previousColor: r.to,
    image: run.rec.image,
    previousImage: version.image,
  });
}
