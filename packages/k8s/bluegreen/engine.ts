// The blue-green run: preflight (validate, permissions, dry run) → lease → deploy the idle color →
// wait (watch) → preview gate → switch (one patch) → post-switch gate → keep the old color for
// keep-old-for → scale it down or delete it. Any failure, timeout or cancellation rolls back.
import {
  ActionError,
  CancelledError,
  TimeoutError,
  errorMessage,
  formatDuration,
  sleep as realSleep,
  systemClock,
  Timeline,
  withTimeout,
} from '@hac/toolkit';
import type { GateSpec } from '@hac/probe';
import type { KubeClient } from '../client.js';
import type { Deployment, KubeObject, Service } from '../objects.js';
import { handoverError } from '../handover.js';
import { LeaseBusyError, LeaseLock, leaseName, type Lease } from '../lease.js';
import { checkPermissions } from '../permissions.js';
import { dryRunAll } from '../preflight.js';
import { waitForRollout } from '../rollout.js';
import { ANNOTATIONS, readState, writeState, type LoadedState, type StateRecord } from '../state.js';
import { resolveWorkload, type Workload } from '../workload.js';
import { bluegreenPermissions } from './permissions.js';
import {
  PlanError,
  colorDeploymentName,
  planBlueGreen,
  plannedWrites,
  type BlueGreenPlan,
  type Color,
  type HTTPRoute,
  type LiveState,
} from './plan.js';
import { planMarkdown } from './report.js';
import { compactPlan } from './recorded.js';
import { servingAnnotations, switchTraffic, undo } from './switch.js';
import {
  PROGRESS_KEY,
  type BlueGreenDeps,
  type BlueGreenInputs,
  type BlueGreenResult,
  type GateOutcome,
  type Progress,
} from './types.js';

export class GateFailedError extends ActionError {
  constructor(
    readonly gate: string,
    reason: string,
  ) {
    super(
      `The ${gate} gate failed: ${reason}`,
      `Look at the ${gate} gate results in the job summary; traffic was restored to the previous version.`,
    );
    this.name = 'GateFailedError';
  }
}

/** The blue-green record before this run, if any. */
const prevRecord = (state: LoadedState) =>
  state.record?.strategy === 'bluegreen' ? state.record : undefined;

function isColor(v: unknown): v is Color {
  return v === 'blue' || v === 'green';
}

/** Reads what the cluster holds now: live Service/route, lease, recorded state. */
async function readLive(
  client: KubeClient,
  w: Workload,
  inputs: BlueGreenInputs,
): Promise<{ live: LiveState; lease?: Lease; state: LoadedState; stable?: Deployment }> {
  const svcName = w.service?.metadata.name ?? w.app;
  const [service, route, lease, state, stable] = await Promise.all([
    inputs.route === 'service'
      ? client.find<Service>({ apiVersion: 'v1', kind: 'Service', name: svcName })
      : Promise.resolve(undefined),
    inputs.route === 'gateway-api'
      ? client.find<HTTPRoute>({
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          name: inputs.httpRoute || w.app,
        })
      : Promise.resolve(undefined),
    client.find<Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: leaseName(w.app) }),
    readState(client, w.app),
    // k8s-canary's stable Deployment is named like the app (strategy handover).
    client.find<Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', name: w.app }),
  ]);
  const recorded = state.record?.strategy === 'bluegreen' ? state.record.activeColor : undefined;
  return {
    live: { service, route, ...(isColor(recorded) ? { recordedColor: recorded } : {}) },
    lease,
    state,
    ...(stable ? { stable } : {}),
  };
}

export class BlueGreenRun {
  readonly timeline: Timeline;
  readonly gates: GateOutcome[] = [];
  private readonly clock;
  private readonly sleep;
  private readonly log;
  private progress: Progress | undefined;

  constructor(
    private readonly inputs: BlueGreenInputs,
    private readonly deps: BlueGreenDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.sleep = deps.sleep ?? realSleep;
    this.log = deps.log ?? (() => {});
    this.timeline = new Timeline(this.clock, this.log);
  }

  private get client(): KubeClient {
    return this.deps.session.client;
  }

  private save(p: Partial<Progress>): void {
    this.progress = { ...(this.progress as Progress), ...p };
    this.deps.progress.save(PROGRESS_KEY, this.progress);
  }

  private result(r: Omit<BlueGreenResult, 'gates' | 'requests'>): BlueGreenResult {
    return { ...r, gates: this.gates, requests: this.deps.session.transport.count };
  }

  private async runGate(name: string, spec: GateSpec | undefined): Promise<void> {
    if (!spec) {
      this.timeline.add(`${name} gate`, 'skipped', 'no URLs or checks given');
      return;
    }
    const report = await this.timeline.step(
      `${name} gate`,
      () => this.deps.gate(spec, { signal: this.deps.signal, log: this.log }),
      (r) => (r.passed ? `${r.checks.length} check(s) passed` : r.reason),
    );
    const { gateMarkdown } = await import('../gates.js');
    this.gates.push({
      name,
      passed: report.passed,
      reason: report.reason,
      markdown: gateMarkdown(`${name} gate`, report),
    });
    if (!report.passed) throw new GateFailedError(name, report.reason ?? 'unknown reason');
  }

  /** Entry point: dispatches on the action. Never throws for run failures: see result.failure. */
  async run(): Promise<BlueGreenResult> {
    switch (this.inputs.action) {
      case 'deploy':
        return this.deploy();
      default: {
        const { laterAction } = await import('./later.js');
        return laterAction(this.inputs, this.deps, this.timeline, this.gates);
      }
    }
  }

  private async deploy(): Promise<BlueGreenResult> {
    const inputs = this.inputs;
    const session = this.deps.session;
    // 1. Everything that needs no cluster: manifests, images, workload.
    const workload = await this.timeline.step(
      'read manifests',
      async () => resolveWorkload(inputs.workload),
      (w) => `${w.source}: Deployment ${w.deployment.metadata.name}, image ${w.image}`,
    );
    const app = workload.app;
    this.save({
      v: 1,
      namespace: session.namespace,
      context: session.context,
      kubeconfigPath: session.kubeconfigPath,
      app,
      runId: inputs.runId,
      ...(inputs.requestTimeoutMs ? { requestTimeoutMs: inputs.requestTimeoutMs } : {}),
      timeoutMs: inputs.timeoutMs,
      stage: 'started',
    });

    // 2. Preflight: permissions, live state, plan, dry run of every write.
    const { live, lease, state, stable } = await this.timeline.step(
      'read cluster state',
      async () => {
        const [, read] = await Promise.all([
          checkPermissions(this.client, bluegreenPermissions(inputs.route, 'deploy', workload.others)),
          readLive(this.client, workload, inputs),
        ]);
        return read;
      },
      (r) => `live color: ${(r.live.service?.spec?.selector?.color ?? r.live.recordedColor) || 'none'}`,
    );
    const other = handoverError(app, 'bluegreen', {
      ...((live.service ?? live.route) ? { live: (live.service ?? live.route) as KubeObject } : {}),
      ...(stable ? { stable } : {}),
      ...(state.record ? { recorded: state.record.strategy } : {}),
    });
    if (other) throw other;
    let plan = this.makePlan(workload, live);
    const annotations = this.switchAnnotations(plan, state);
    await this.timeline.step(
      'preflight (server-side dry run)',
      () => dryRunAll(this.client, plannedWrites(plan, annotations)),
      () => `${plannedWrites(plan, annotations).length} writes validated`,
    );
    const previousImage = state.record?.strategy === 'bluegreen' ? state.record.image : undefined;
    if (inputs.dryRun) {
      this.timeline.add('dry run', 'info', 'stopped after preflight; nothing was changed');
      return this.result({
        verdict: 'planned',
        app,
        activeColor: plan.oldColor,
        image: plan.image,
        previousImage,
        plan,
        planMarkdown: planMarkdown(plan, annotations),
      });
    }

    // 3. One run per app.
    const lock = new LeaseLock(this.client, {
      name: leaseName(app),
      holder: inputs.runId,
      durationS: inputs.leaseDurationS ?? 60,
      clock: this.clock,
      sleep: this.sleep,
      labels: { app },
      onWait: (holder, exp) =>
        this.log(
          `Lease ${leaseName(app)} is held by ${holder} (expires ${new Date(exp).toISOString()}); waiting`,
        ),
      onTakeover: (prev) => this.log(`Lease ${leaseName(app)} of ${prev} expired; taking it over`),
    });
    // From here the post step must release the Lease if main dies; a busy Lease was never ours.
    this.save({ lease: leaseName(app) });
    const acquired = await this.timeline
      .step(
        'acquire lease',
        () => lock.acquire(inputs.lockTimeoutMs, lease ?? null),
        (a) => (a.contended ? `waited ${formatDuration(a.waitedMs)}` : leaseName(app)),
      )
      .catch((err: unknown) => {
        if (err instanceof LeaseBusyError) this.save({ lease: undefined });
        throw err;
      });
    lock.startRenewing((err) => this.log(`lease renewal failed: ${errorMessage(err)}`));
    let result: BlueGreenResult;
    try {
      if (acquired.contended) {
        // Another run may have moved traffic while we waited: plan again from what is live now.
        const again = await readLive(this.client, workload, inputs);
        plan = this.makePlan(workload, again.live);
        Object.assign(state, again.state);
      }
      result = await this.rollout(plan, state, previousImage);
    } finally {
      await lock.release().then(
        () => this.save({ lease: undefined }),
        (err) => this.log(`could not release the lease: ${errorMessage(err)}`),
      );
    }
    return result;
  }

  private makePlan(workload: Workload, live: LiveState): BlueGreenPlan {
    try {
      return planBlueGreen(workload, live, {
        namespace: this.deps.session.namespace,
        runId: this.inputs.runId,
        route: this.inputs.route,
        httpRoute: this.inputs.httpRoute || workload.app,
        progressDeadlineSeconds: Math.max(1, Math.ceil(this.inputs.timeoutMs / 1000)),
        now: new Date(this.clock()).toISOString(),
      });
    } catch (err) {
      if (err instanceof PlanError)
        throw new ActionError(
          `${err.message}. Nothing was changed.`,
          'Fix the route/Service setup or the inputs named above.',
        );
      throw err;
    }
  }

  private switchAnnotations(plan: BlueGreenPlan, state: LoadedState): Record<string, string> {
    return {
      [ANNOTATIONS.runId]: plan.runId,
      [ANNOTATIONS.color]: plan.newColor,
      [ANNOTATIONS.image]: plan.image,
      ...(state.record?.image ? { [ANNOTATIONS.previousImage]: state.record.image } : {}),
      [ANNOTATIONS.phase]: 'switched',
      [ANNOTATIONS.strategy]: 'bluegreen',
    };
  }

  /** Deploy → wait → preview gate → switch → post gate → keep → retire; rolls back on failure. */
  private async rollout(
    plan: BlueGreenPlan,
    state: LoadedState,
    previousImage: string | undefined,
  ): Promise<BlueGreenResult> {
    const inputs = this.inputs;
    const client = this.client;
    this.save({ stage: 'deploying', plan });
    let switched = false;
    const base = { app: plan.app, image: plan.image, previousImage, plan };
    try {
      await this.timeline.step(
        `apply ${plan.preApply.length + 1} object(s)`,
        async () => {
          const applied = await Promise.all(plan.preApply.map((o) => client.apply(o)));
          // Applying the live Service moves its resourceVersion: the switch patch is checked against the new one.
          const liveApplied = applied.find(
            (o) => o.kind === plan.switch.ref.kind && o.metadata.name === plan.switch.ref.name,
          );
          if (liveApplied) plan.switch.resourceVersion = liveApplied.metadata.resourceVersion;
          await client.apply(plan.deployment);
        },
        () => `Deployment ${plan.deployment.metadata.name} (${plan.replicas} replicas, ${plan.newColor})`,
      );
      await this.timeline.step(
        `wait for ${plan.deployment.metadata.name}`,
        () =>
          waitForRollout(client, plan.deployment.metadata.name as string, {
            timeoutMs: inputs.timeoutMs,
            sleep: this.sleep,
            onProgress: (s) => this.log(`rollout: ${s.message}`),
            log: this.log,
          }),
        (s) => s.message,
      );
      await this.runGate('preview', inputs.previewGate);
      if (!inputs.autoPromote) {
        // Traffic has not moved: the active color and the one before it stay as recorded.
        const before = state.record?.strategy === 'bluegreen' ? state.record.previousColor : undefined;
        const previous = before && before !== plan.oldColor ? (before as Color) : undefined;
        await this.record(client, plan, state, 'previewing', plan.oldColor, previous);
        this.save({ stage: 'done' });
        this.timeline.add(
          'await promotion',
          'info',
          `run action: promote to switch to ${plan.newColor}, or action: abort`,
        );
        return this.result({
          ...base,
          verdict: 'previewing',
          activeColor: plan.oldColor,
          previousColor: previous,
        });
      }
      this.save({ stage: 'switched' }); // saved first: post checks the cluster, so an unfinished patch is handled too
      await this.timeline.step(
        'switch traffic',
        () => switchTraffic(client, plan, this.switchAnnotations(plan, state)),
        (n) =>
          `${plan.switch.kind === 'service' ? 'Service' : 'HTTPRoute'} ${plan.switch.ref.name} → ${plan.newColor} (${n} ready pods)`,
      );
      switched = true;
      await this.runGate('post-switch', inputs.liveGate);
      if (inputs.keepOldForMs > 0 && plan.oldColor) {
        await this.timeline.step(`keep ${plan.oldColor} for ${formatDuration(inputs.keepOldForMs)}`, () =>
          this.sleep(inputs.keepOldForMs, this.deps.signal),
        );
      }
    } catch (err) {
      return this.rollback(plan, state, err, switched, base);
    }
    // Past the point of no return: the new color is live and healthy.
    this.save({ stage: 'done' });
    await this.retireOld(plan).catch((err) =>
      this.timeline.add('retire old color', 'failed', errorMessage(err)),
    );
    await this.record(client, plan, state, 'complete', plan.newColor, plan.oldColor).catch((err) =>
      this.timeline.add('record state', 'failed', errorMessage(err)),
    );
    return this.result({
      ...base,
      verdict: 'promoted',
      activeColor: plan.newColor,
      previousColor: plan.oldColor,
    });
  }

  private async retireOld(plan: BlueGreenPlan): Promise<void> {
    if (!plan.oldColor || this.inputs.oldColorAction === 'keep') return;
    const name = colorDeploymentName(plan.app, plan.oldColor);
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name };
    if (this.inputs.oldColorAction === 'delete') {
      await this.timeline.step(`delete ${name}`, () => this.client.delete(ref));
    } else {
      await this.timeline.step(`scale ${name} to 0`, () =>
        this.client
          .mergePatch(ref, { spec: { replicas: 0 } })
          .catch((e) => (e?.status === 404 ? undefined : Promise.reject(e))),
      );
    }
  }

  private async record(
    client: KubeClient,
    plan: BlueGreenPlan,
    state: LoadedState,
    phase: string,
    active: Color | undefined,
    previous: Color | undefined,
    reason?: string,
  ): Promise<void> {
    const now = new Date(this.clock()).toISOString();
    const prev = state.record?.strategy === 'bluegreen' ? state.record : undefined;
    let rec: StateRecord;
    if (phase === 'rolled-back') {
      // Traffic is where it was: keep the previous record's colors, images and plan (so a later
      // rollback still knows its target), and note this run and why it failed.
      rec = {
        ...(prev ?? { app: plan.app, strategy: 'bluegreen' as const }),
        runId: plan.runId,
        phase,
        reason,
        updatedAt: now,
        extra: { ...(prev?.extra ?? {}), failedImage: plan.image },
      } as StateRecord;
    } else {
      const newName = colorDeploymentName(plan.app, plan.newColor);
      rec = {
        app: plan.app,
        strategy: 'bluegreen',
        runId: plan.runId,
        phase,
        image: plan.image,
        ...(prev?.image ? { previousImage: prev.image } : {}),
        ...(active ? { activeColor: active } : {}),
        ...(previous ? { previousColor: previous } : {}),
        replicas: { ...(prev?.replicas ?? {}), [newName]: plan.replicas },
        updatedAt: now,
        extra: { plan: compactPlan(plan) },
      };
    }
    await writeState(client, rec, state);
  }

  /** Rolls back with a fresh signal (the run's may be cancelled), then reports the failure. */
  private async rollback(
    plan: BlueGreenPlan,
    state: LoadedState,
    cause: unknown,
    switched: boolean,
    base: Partial<BlueGreenResult>,
  ): Promise<BlueGreenResult> {
    const reason =
      cause instanceof CancelledError
        ? `cancelled (${cause.message})`
        : (errorMessage(cause).split('\n')[0] as string);
    this.log(`rolling back: ${reason}`);
    const client = this.client.withSignal(withTimeout(undefined, 120_000, 'rollback'));
    try {
      await this.timeline.step(
        'rollback',
        () =>
          undo(
            client,
            plan,
            servingAnnotations({
              runId: plan.runId,
              phase: 'rolled-back',
              color: plan.oldColor,
              image: prevRecord(state)?.image,
              previousImage: prevRecord(state)?.previousImage,
            }),
          ),
        (r) => r.notes.join('; ') || 'nothing to undo',
      );
      this.save({ stage: 'done' });
      const stillOld = plan.switch.create ? undefined : plan.oldColor;
      await this.record(client, plan, state, 'rolled-back', stillOld, plan.newColor, reason).catch((err) =>
        this.log(`could not record state: ${errorMessage(err)}`),
      );
      const failure =
        cause instanceof ActionError
          ? cause
          : new ActionError(
              `Blue-green deploy of ${plan.app} failed and was rolled back: ${reason}`,
              cause instanceof TimeoutError
                ? 'Raise the timeout input or look at why the pods are slow to become ready.'
                : 'Fix the cause above and redeploy.',
            );
      return this.result({
        ...base,
        app: plan.app,
        verdict: 'rolled-back',
        activeColor: stillOld,
        previousColor: plan.newColor,
        rollbackReason: reason,
        failure,
      });
    } catch (err) {
      const failure = new ActionError(
        `Blue-green deploy of ${plan.app} failed (${reason}) and the rollback failed too: ${errorMessage(err)}`,
        err instanceof ActionError && err.hint
          ? err.hint
          : 'Check the live Service and both color Deployments with kubectl, then run action: rollback.',
      );
      return this.result({ ...base, app: plan.app, verdict: 'failed', rollbackReason: reason, failure });
    }
  }
}
