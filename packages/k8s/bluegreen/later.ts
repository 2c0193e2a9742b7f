// Actions in a later job, from recorded state only (no manifests): promote a previewing color,
// abort it, or roll back to the previous color.
import {
  ActionError,
  errorMessage,
  systemClock,
  sleep as realSleep,
  withTimeout,
  type Timeline,
} from '@hac/toolkit';
import type { KubeClient } from '../client.js';
import { gateMarkdown } from '../gates.js';
import { LeaseLock, leaseName } from '../lease.js';
import type { Deployment, Service } from '../objects.js';
import { checkPermissions } from '../permissions.js';
import { waitForRollout } from '../rollout.js';
import { readState, writeState, type LoadedState, type StateRecord } from '../state.js';
import { bluegreenPermissions } from './permissions.js';
import {
  COLOR_LABEL,
  colorDeploymentName,
  colorServiceName,
  otherColor,
  retargetRules,
  type BlueGreenPlan,
  type Color,
  type HTTPRoute,
  type SwitchPlan,
} from './plan.js';
import { compactPlan, recordedPlan } from './recorded.js';
import { servingAnnotations, switchTraffic, undo } from './switch.js';
import {
  PROGRESS_KEY,
  type Progress,
  type BlueGreenDeps,
  type BlueGreenInputs,
  type BlueGreenResult,
  type GateOutcome,
} from './types.js';

const nothing = (what: string, rec: StateRecord | undefined, hint: string) =>
  new ActionError(
    `Nothing to ${what}: ${rec ? `the last recorded blue-green phase of ${rec.app} is "${rec.phase}" (run ${rec.runId})` : 'no blue-green state is recorded for this app'}. Nothing was changed.`,
    hint,
  );

/** The switch from what is live now to `target`. */
async function currentSwitch(client: KubeClient, plan: BlueGreenPlan, target: Color): Promise<SwitchPlan> {
  const sw = plan.switch;
  if (sw.kind === 'service') {
    const svc = await client.find<Service>(sw.ref);
    if (!svc) {
      if (sw.create)
        return {
          ...sw,
          create: {
            ...sw.create,
            spec: { ...sw.create.spec, selector: { ...plan.newSelector, [COLOR_LABEL]: target } },
          },
        };
      throw new ActionError(
        `The live Service ${sw.ref.name} no longer exists.`,
        'Redeploy with action: deploy.',
      );
    }
    const before = svc.spec.selector ?? {};
    return {
      kind: 'service',
      ref: sw.ref,
      beforeSelector: before,
      afterSelector: { ...before, ...plan.newSelector, [COLOR_LABEL]: target },
      resourceVersion: svc.metadata.resourceVersion,
    };
  }
  const route = await client.find<HTTPRoute>(sw.ref);
  if (!route)
    throw new ActionError(`HTTPRoute ${sw.ref.name} no longer exists.`, 'Recreate the route, then redeploy.');
  const before = route.spec.rules ?? [];
  const after = retargetRules(
    before,
    [colorServiceName(plan.app, otherColor(target))],
    colorServiceName(plan.app, target),
  ).rules;
  return {
    kind: 'httproute',
    ref: sw.ref,
    beforeRules: before,
    afterRules: after,
    resourceVersion: route.metadata.resourceVersion,
  };
}

export async function laterAction(
  inputs: BlueGreenInputs,
  deps: BlueGreenDeps,
  timeline: Timeline,
  gates: GateOutcome[],
): Promise<BlueGreenResult> {
  const session = deps.session;
  const client = session.client;
  const app = inputs.workload.app;
  const action = inputs.action;
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? (() => {});
  const state = await timeline.step(
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
  const result = (r: Partial<BlueGreenResult>): BlueGreenResult => ({
    verdict: 'failed',
    app,
    gates,
    requests: session.transport.count,
    ...r,
  });

  if (action === 'promote' || action === 'abort') {
    if (!rec || rec.phase !== 'previewing' || !plan)
      throw nothing(
        action,
        rec,
        'Run action: deploy with auto-promote: false first; promote and abort act on a color waiting in preview.',
      );
  }
  if (
    action === 'rollback' &&
    (!rec ||
      !rec.activeColor ||
      !rec.previousColor ||
      !plan ||
      !['complete', 'rolled-back'].includes(rec.phase))
  ) {
    throw nothing('roll back', rec, 'A rollback needs a completed blue-green deploy with a previous color.');
  }
  if (inputs.dryRun) {
    timeline.add('dry run', 'info', `would ${action} ${app}`);
    return result({
      verdict: 'planned',
      activeColor: rec?.activeColor as Color | undefined,
      previousColor: rec?.previousColor as Color | undefined,
      image: rec?.image,
    });
  }
  const p = plan as BlueGreenPlan;
  const lock = new LeaseLock(client, {
    name: leaseName(app),
    holder: inputs.runId,
    durationS: inputs.leaseDurationS ?? 60,
    clock,
    sleep: deps.sleep ?? realSleep,
    labels: { app },
  });
  await timeline.step('acquire lease', () => lock.acquire(inputs.lockTimeoutMs));
  lock.startRenewing((err) => log(`lease renewal failed: ${errorMessage(err)}`));
  const progress: Progress = {
    v: 1,
    namespace: session.namespace,
    context: session.context,
    kubeconfigPath: session.kubeconfigPath,
    app,
    runId: inputs.runId,
    lease: leaseName(app),
    ...(inputs.requestTimeoutMs ? { requestTimeoutMs: inputs.requestTimeoutMs } : {}),
    timeoutMs: inputs.timeoutMs,
    stage: 'done',
  };
  deps.progress.save(PROGRESS_KEY, progress);
  try {
    const fresh = await readState(client, app); // re-read under the lease
    const r = fresh.record;
    if (!r || r.runId !== (rec as StateRecord).runId || r.phase !== (rec as StateRecord).phase)
      throw new ActionError(
        `The recorded state of ${app} changed while waiting for the lease (now ${r?.phase ?? 'none'}, run ${r?.runId ?? '-'}). Nothing was changed.`,
        'Check the latest run, then retry.',
      );
    if (action === 'abort') return await abort(client, p, fresh, inputs, timeline, clock, result);
    if (action === 'promote')
      return await promote(client, p, fresh, inputs, deps, timeline, gates, clock, result);
    return await rollbackLater(client, p, fresh, inputs, deps, timeline, gates, clock, result);
  } finally {
    await lock.release().then(
      () => deps.progress.save(PROGRESS_KEY, { ...progress, lease: undefined }),
      (err) => log(`could not release the lease: ${errorMessage(err)}`),
    );
  }
}

type Make = (r: Partial<BlueGreenResult>) => BlueGreenResult;

function record(
  base: StateRecord,
  patch: Partial<StateRecord>,
  runId: string,
  clock: () => number,
): StateRecord {
  return { ...base, ...patch, runId, updatedAt: new Date(clock()).toISOString() };
}

async function abort(
  client: KubeClient,
  plan: BlueGreenPlan,
  state: LoadedState,
  inputs: BlueGreenInputs,
  timeline: Timeline,
  clock: () => number,
  make: Make,
): Promise<BlueGreenResult> {
  await timeline.step(
    'remove the previewed color',
    () => undo(client, plan),
    (r) => r.notes.join('; ') || 'nothing to remove',
  );
  const rec = state.record as StateRecord;
  await writeState(
    client,
    record(
      rec,
      { phase: 'aborted', image: rec.previousImage, previousImage: rec.image, reason: 'aborted' },
      inputs.runId,
      clock,
    ),
    state,
  );
  return make({
    verdict: 'aborted',
    activeColor: plan.oldColor,
    previousColor: plan.newColor,
    image: rec.previousImage,
    previousImage: rec.image,
  });
}

async function runLiveGate(
  inputs: BlueGreenInputs,
  deps: BlueGreenDeps,
  timeline: Timeline,
  gates: GateOutcome[],
): Promise<string | undefined> {
  if (!inputs.liveGate) {
    timeline.add('post-switch gate', 'skipped', 'no URLs or checks given');
    return undefined;
  }
  const report = await timeline.step(
    'post-switch gate',
    () => deps.gate(inputs.liveGate!, { signal: deps.signal, log: deps.log }),
    (r) => (r.passed ? 'passed' : r.reason),
  );
  gates.push({
    name: 'post-switch',
    passed: report.passed,
    reason: report.reason,
    markdown: gateMarkdown('post-switch gate', report),
  });
  return report.passed ? undefined : (report.reason ?? 'gate failed');
}

async function retire(
  client: KubeClient,
  app: string,
  color: Color,
  inputs: BlueGreenInputs,
  timeline: Timeline,
): Promise<void> {
  if (inputs.oldColorAction === 'keep') return;
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: colorDeploymentName(app, color) };
  if (inputs.oldColorAction === 'delete') await timeline.step(`delete ${ref.name}`, () => client.delete(ref));
  else await timeline.step(`scale ${ref.name} to 0`, () => client.mergePatch(ref, { spec: { replicas: 0 } }));
}

async function promote(
  client: KubeClient,
  plan: BlueGreenPlan,
  state: LoadedState,
  inputs: BlueGreenInputs,
  deps: BlueGreenDeps,
  timeline: Timeline,
  gates: GateOutcome[],
  clock: () => number,
  make: Make,
): Promise<BlueGreenResult> {
  const rec = state.record as StateRecord;
  await timeline.step(
    `check ${plan.deployment.metadata.name}`,
    () => waitForRollout(client, plan.deployment.metadata.name as string, { timeoutMs: inputs.timeoutMs }),
    (s) => s.message,
  );
  const sw = await currentSwitch(client, plan, plan.newColor);
  const live = { ...plan, switch: sw };
  await timeline.step(
    'switch traffic',
    () =>
      switchTraffic(
        client,
        live,
        servingAnnotations({
          runId: inputs.runId,
          phase: 'switched',
          color: plan.newColor,
          image: rec.image,
          previousImage: rec.previousImage,
        }),
      ),
    (n) => `→ ${plan.newColor} (${n} ready pods)`,
  );
  const failed = await runLiveGate(inputs, deps, timeline, gates).catch((e) => errorMessage(e));
  if (failed) {
    const rb = client.withSignal(withTimeout(undefined, 120_000, 'rollback'));
    await timeline.step(
      'rollback',
      () =>
        undo(
          rb,
          live,
          servingAnnotations({
            runId: inputs.runId,
            phase: 'rolled-back',
            color: plan.oldColor,
            image: rec.previousImage,
            previousImage: rec.image,
          }),
        ),
      (r) => r.notes.join('; '),
    );
    await writeState(
      rb,
      record(
        rec,
        { phase: 'rolled-back', reason: failed, image: rec.previousImage, previousImage: rec.image },
        inputs.runId,
        clock,
      ),
      state,
    );
    return make({
      verdict: 'rolled-back',
      activeColor: plan.oldColor,
      previousColor: plan.newColor,
      rollbackReason: failed,
      failure: new ActionError(
        `The post-switch gate failed: ${failed}`,
        'Traffic was switched back; fix the new version and redeploy.',
      ),
    });
  }
  if (plan.oldColor)
    await retire(client, plan.app, plan.oldColor, inputs, timeline).catch((e) =>
      timeline.add('retire old color', 'failed', errorMessage(e)),
    );
  await writeState(
    client,
    record(
      rec,
      {
        phase: 'complete',
        activeColor: plan.newColor,
        ...(plan.oldColor ? { previousColor: plan.oldColor } : {}),
        extra: { plan: compactPlan(live) },
      },
      inputs.runId,
      clock,
    ),
    state,
  );
  return make({
    verdict: 'promoted',
    activeColor: plan.newColor,
    previousColor: plan.oldColor,
    image: rec.image,
    previousImage: rec.previousImage,
  });
}

async function rollbackLater(
  client: KubeClient,
  plan: BlueGreenPlan,
  state: LoadedState,
  inputs: BlueGreenInputs,
  deps: BlueGreenDeps,
  timeline: Timeline,
  gates: GateOutcome[],
  clock: () => number,
  make: Make,
): Promise<BlueGreenResult> {
  const rec = state.record as StateRecord;
  const from = rec.activeColor as Color;
  const to = rec.previousColor as Color;
  const name = colorDeploymentName(plan.app, to);
  const prev = await client.find<Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', name });
  if (!prev) {
    throw new ActionError(
      `Cannot roll back: Deployment ${name} (the previous color) no longer exists. Nothing was changed.`,
      `Redeploy the previous image${rec.previousImage ? ` (${rec.previousImage})` : ''} with action: deploy.`,
    );
  }
  const want = rec.replicas?.[name] ?? rec.replicas?.[colorDeploymentName(plan.app, from)] ?? 1;
  if ((prev.spec.replicas ?? 1) === 0) {
    await timeline.step(`scale ${name} to ${want}`, () =>
      client.mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', name }, { spec: { replicas: want } }),
    );
  }
  await timeline.step(
    `wait for ${name}`,
    () => waitForRollout(client, name, { timeoutMs: inputs.timeoutMs }),
    (s) => s.message,
  );
  const target = {
    ...plan,
    newColor: to,
    oldColor: from,
    newSelector: { ...plan.newSelector, [COLOR_LABEL]: to },
  };
  const sw = await currentSwitch(client, target, to);
  await timeline.step(
    'switch traffic back',
    () =>
      switchTraffic(
        client,
        { newSelector: target.newSelector, switch: sw },
        servingAnnotations({
          runId: inputs.runId,
          phase: 'rolled-back',
          color: to,
          image: rec.previousImage,
          previousImage: rec.image,
        }),
      ),
    (n) => `→ ${to} (${n} ready pods)`,
  );
  const failed = await runLiveGate(inputs, deps, timeline, gates).catch((e) => errorMessage(e));
  if (!failed)
    await retire(client, plan.app, from, inputs, timeline).catch((e) =>
      timeline.add('retire rolled-back color', 'failed', errorMessage(e)),
    );
  const next = {
    ...target,
    switch: sw,
    deployment: { ...plan.deployment, metadata: { name } },
  } as BlueGreenPlan;
  await writeState(
    client,
    record(
      rec,
      {
        phase: 'rolled-back',
        activeColor: to,
        previousColor: from,
        image: rec.previousImage,
        previousImage: rec.image,
        reason: 'rollback requested',
        replicas: { ...(rec.replicas ?? {}), [name]: want },
        extra: { plan: compactPlan(next) },
      },
      inputs.runId,
      clock,
    ),
    state,
  );
  return make({
    verdict: 'rolled-back',
    activeColor: to,
    previousColor: from,
    image: rec.previousImage,
    previousImage: rec.image,
    rollbackReason: 'rollback requested',
    ...(failed
      ? {
          failure: new ActionError(
            `Rolled back to ${to}, but its post-switch gate failed: ${failed}`,
            'Both versions look unhealthy; investigate the service.',
          ),
        }
      : {}),
  });
}
