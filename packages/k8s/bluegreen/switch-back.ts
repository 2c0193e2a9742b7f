// action: rollback. Restore a recorded version through the blue-green path: bring its color's
// Deployment back (scale it up, or re-create it from the recorded spec when it was deleted or
// overwritten), wait for it, run the preview gate, switch (one patch, never to zero ready pods),
// run the post-switch gate, retire the color rolled away from and record the rollback.
import { ActionError, errorMessage } from '@hac/toolkit';
import type { KubeClient } from '../client.js';
import type { Deployment } from '../objects.js';
import type { PlannedWrite } from '../preflight.js';
import { versionOf, type VersionSpec } from '../rollback-target.js';
import { waitForRollout } from '../rollout.js';
import { runAnnotations } from '../state.js';
import { finish, gateVerdict, nowIso, runGate, type RunContext } from './context.js';
import { writeLater, type LaterRun } from './later-run.js';
import {
  COLOR_LABEL,
  colorDeploymentName,
  previewServiceName,
  switchPatch,
  type BlueGreenPlan,
  type Color,
  type SwitchPlan,
} from './plan.js';
import { compactPlan } from './recorded.js';
import { needsRecreate, recolor, restoreColor } from './restore-plan.js';
import { retireColor } from './retire.js';
import { currentSwitch, servingAnnotations, switchTraffic } from './switch.js';
import type { BlueGreenResult } from './types.js';

/** The rollback's writes, computed from what is live: the color's Deployment and the switch. */
interface Restore {
  to: Color;
  from: Color;
  replicas: number;
  /** Set when the color's Deployment is re-created from the recorded spec. */
  recreate?: Deployment;
  scaleUp: boolean;
  target: BlueGreenPlan;
  sw: SwitchPlan;
  annotations: Record<string, string | null>;
}

export async function planRestore(ctx: RunContext, run: LaterRun, version: VersionSpec): Promise<Restore> {
  const { plan, rec } = run;
  const { to, from } = restoreColor(rec, version);
  const name = colorDeploymentName(plan.app, to);
  const live = await ctx.client.find<Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', name });
  const replicas =
    version.replicas ?? rec.replicas?.[name] ?? rec.replicas?.[colorDeploymentName(plan.app, from)] ?? 1;
  const recreate = needsRecreate(live, version);
  if (recreate && !version.deployment)
    throw new ActionError(
      `Cannot roll back: Deployment ${name} (the previous color) ${live ? 'runs another version' : 'no longer exists'} and the recorded state holds no spec of ${version.image}. Nothing was changed.`,
      `Redeploy the previous image (${version.image}) with action: deploy.`,
    );
  const now = nowIso(ctx);
  const meta = { runId: ctx.inputs.runId, image: version.image, phase: 'rolling-back', color: to };
  const target = {
    ...plan,
    newColor: to,
    oldColor: from,
    newSelector: { ...plan.newSelector, [COLOR_LABEL]: to },
  };
  return {
    to,
    from,
    replicas,
    ...(recreate
      ? {
          recreate: recolor(
            version.deployment as Deployment,
            plan.app,
            to,
            replicas,
            runAnnotations({ ...meta, strategy: 'bluegreen' }, now),
          ),
        }
      : {}),
    scaleUp: !recreate && (live?.spec.replicas ?? 1) === 0,
    target,
    sw: await currentSwitch(ctx.client, target, to),
    annotations: servingAnnotations({ ...meta, phase: 'rolled-back', previousImage: rec.image }),
  };
}

/** Every write of the rollback, for the server-side dry run. */
export function restoreWrites(r: Restore, app: string): PlannedWrite[] {
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: colorDeploymentName(app, r.to) };
  const writes: PlannedWrite[] = [];
  if (r.recreate) writes.push({ op: 'apply', object: r.recreate });
  else if (r.scaleUp) writes.push({ op: 'patch', ref, patch: { spec: { replicas: r.replicas } } });
  if (r.sw.create) writes.push({ op: 'apply', object: r.sw.create });
  else writes.push({ op: 'patch', ref: r.sw.ref, patch: switchPatch(r.sw, 'forward', r.annotations) });
  return writes;
}

export async function switchBack(
  ctx: RunContext,
  run: LaterRun,
  version: VersionSpec,
): Promise<BlueGreenResult> {
  const { plan, rec } = run;
  const r = await planRestore(ctx, run, version);
  await readyColor(ctx, plan.app, r);
  await previewRestored(ctx, plan.app, r);
  await ctx.timeline.step(
    'switch traffic back',
    () => switchTraffic(ctx.client, { newSelector: r.target.newSelector, switch: r.sw }, r.annotations),
    (n) => `→ ${r.to} (${n} ready pods)`,
  );
  const failed = await gateVerdict(ctx, 'post-switch', ctx.inputs.liveGate).catch((e) => errorMessage(e));
  if (!failed)
    await retireColor(ctx, plan.app, r.from).catch((e) =>
      ctx.timeline.add('retire rolled-back color', 'failed', errorMessage(e)),
    );
  await recordSwitchBack(ctx, run, r, version);
  return finish(ctx, {
    verdict: 'rolled-back',
    activeColor: r.to,
    previousColor: r.from,
    image: version.image,
    previousImage: rec.image,
    rollbackReason: 'rollback requested',
    ...(failed
      ? {
          failure: new ActionError(
            `Rolled back to ${r.to}, but its post-switch gate failed: ${failed}`,
            'Both versions look unhealthy; investigate the service.',
          ),
        }
      : {}),
  });
}

/** The restored color's Deployment re-created or scaled back up, and ready. */
async function readyColor(ctx: RunContext, app: string, r: Restore): Promise<void> {
  const name = colorDeploymentName(app, r.to);
  const client: KubeClient = ctx.client;
  if (r.recreate) {
    const d = r.recreate;
    await ctx.timeline.step(`re-create ${name} from the recorded spec`, () => client.apply(d));
  } else if (r.scaleUp) {
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name };
    await ctx.timeline.step(`scale ${name} to ${r.replicas}`, () =>
      client.mergePatch(ref, { spec: { replicas: r.replicas } }),
    );
  }
  await ctx.timeline.step(
    `wait for ${name}`,
    () => waitForRollout(client, name, { timeoutMs: ctx.inputs.timeoutMs, sleep: ctx.sleep }),
    (s) => s.message,
  );
}

/** The preview Service (if any) on the restored color, then the preview gate; a failure retires it. */
async function previewRestored(ctx: RunContext, app: string, r: Restore): Promise<void> {
  const ref = { apiVersion: 'v1', kind: 'Service', name: previewServiceName(app) };
  if (await ctx.client.find(ref))
    await ctx.client.mergePatch(ref, { spec: { selector: { [COLOR_LABEL]: r.to } } });
  try {
    await runGate(ctx, 'preview', ctx.inputs.previewGate);
  } catch (err) {
    await retireColor(ctx, app, r.to).catch(() => undefined);
    throw new ActionError(
      `Rollback of ${app} stopped before the switch: ${errorMessage(err)}`,
      'Traffic did not move; the current version still serves. Check the restored version, then retry.',
    );
  }
}

/** Records the rollback: the restored version active, and a plan, spec and mark a later rollback reads. */
async function recordSwitchBack(
  ctx: RunContext,
  run: LaterRun,
  r: Restore,
  version: VersionSpec,
): Promise<void> {
  const { plan, rec } = run;
  const name = colorDeploymentName(plan.app, r.to);
  const next = {
    ...r.target,
    switch: r.sw,
    deployment: { ...plan.deployment, metadata: { name } },
  } as BlueGreenPlan;
  const current = versionOf(rec);
  await writeLater(ctx, run, {
    phase: 'rolled-back',
    activeColor: r.to,
    previousColor: r.from,
    image: version.image,
    previousImage: rec.image,
    reason: 'rollback requested',
    replicas: { ...(rec.replicas ?? {}), [name]: r.replicas },
    extra: {
      plan: compactPlan(next),
      spec: {
        ...version,
        color: r.to,
        replicas: r.replicas,
        ...(r.recreate ? { deployment: r.recreate } : {}),
      },
      previous: current ? { ...current, color: r.from } : undefined,
      rollback: { from: rec.image ?? '', to: version.image, runId: ctx.inputs.runId },
    },
  });
}
