// Before a deploy writes anything: read what the cluster holds (live Service or route, Lease,
// recorded state, a canary's stable Deployment), refuse a strategy handover, build the pure plan
// and dry-run every write it makes.
import { ActionError } from '@hac/toolkit';
import type { KubeClient } from '../client.js';
import { foundStrategy, handoverError, type StrategyMarks } from '../handover.js';
import { leaseName, leaseRef, type Lease } from '../lease.js';
import type { Deployment, KubeObject, Service } from '../objects.js';
import { checkPermissions } from '../permissions.js';
import { dryRunAll } from '../preflight.js';
import { ANNOTATIONS, readState, type LoadedState, type StateRecord } from '../state.js';
import type { Workload } from '../workload.js';
import type { RunContext } from './context.js';
import { bluegreenPermissions } from './permissions.js';
import {
  PlanError,
  planBlueGreen,
  plannedWrites,
  type BlueGreenPlan,
  type Color,
  type HTTPRoute,
  type LiveState,
} from './plan.js';
import type { BlueGreenInputs, BlueGreenResult } from './types.js';

/** What the cluster holds before the run. */
export interface ClusterRead {
  live: LiveState;
  lease?: Lease;
  state: LoadedState;
  stable?: Deployment;
}

/** A deploy ready to execute: the plan, the state it was made from and what it replaces. */
export interface DeployRun {
  plan: BlueGreenPlan;
  state: LoadedState;
  previousImage?: string;
}

/** What every result of this deploy says. */
export const runBase = (run: DeployRun): Partial<BlueGreenResult> => ({
  app: run.plan.app,
  image: run.plan.image,
  previousImage: run.previousImage,
  plan: run.plan,
});

/** The blue-green record before this run, if any. */
export const prevRecord = (state: LoadedState): StateRecord | undefined =>
  state.record?.strategy === 'bluegreen' ? state.record : undefined;

/** What the handover check looks at: the live Service or route, the record, the stable Deployment. */
const strategyMarks = (
  live: KubeObject | undefined,
  state: LoadedState,
  stable?: Deployment,
): StrategyMarks => ({
  ...(live ? { live } : {}),
  ...(stable ? { stable } : {}),
  ...(state.record ? { recorded: state.record.strategy } : {}),
});

const isColor = (v: unknown): v is Color => v === 'blue' || v === 'green';

/**
 * Reads what the cluster holds now: live Service/route, lease, recorded state; and k8s-canary's
 * stable Deployment (named like the app), only when the live object and the record name no
 * strategy, since the handover check looks at it only then (foundStrategy).
 */
export async function readLive(
  client: KubeClient,
  w: Workload,
  inputs: BlueGreenInputs,
): Promise<ClusterRead> {
  const svcName = w.service?.metadata.name ?? w.app;
  const [service, route, lease, state] = await Promise.all([
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
    client.find<Lease>(leaseRef(leaseName(w.app))),
    readState(client, w.app),
  ]);
  const stable = foundStrategy(strategyMarks(service ?? route, state))
    ? undefined
    : await client.find<Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', name: w.app });
  const recorded = prevRecord(state)?.activeColor;
  return {
    live: { service, route, ...(isColor(recorded) ? { recordedColor: recorded } : {}) },
    ...(lease ? { lease } : {}),
    state,
    ...(stable ? { stable } : {}),
  };
}

/** The plan from the workload and what is live; a state hac cannot act on is one ActionError. */
export function makePlan(ctx: RunContext, workload: Workload, live: LiveState): BlueGreenPlan {
  const inputs = ctx.inputs;
  try {
    return planBlueGreen(workload, live, {
      namespace: ctx.session.namespace,
      runId: inputs.runId,
      route: inputs.route,
      httpRoute: inputs.httpRoute || workload.app,
      progressDeadlineSeconds: Math.max(1, Math.ceil(inputs.timeoutMs / 1000)),
      now: new Date(ctx.clock()).toISOString(),
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

/** The annotations the switch writes on the live Service or route. */
export function switchAnnotations(plan: BlueGreenPlan, state: LoadedState): Record<string, string> {
  return {
    [ANNOTATIONS.runId]: plan.runId,
    [ANNOTATIONS.color]: plan.newColor,
    [ANNOTATIONS.image]: plan.image,
    ...(state.record?.image ? { [ANNOTATIONS.previousImage]: state.record.image } : {}),
    [ANNOTATIONS.phase]: 'switched',
    [ANNOTATIONS.strategy]: 'bluegreen',
  };
}

/** Preflight: permissions and live state, the handover check, the plan, a dry run of every write. */
export async function prepareDeploy(
  ctx: RunContext,
  workload: Workload,
): Promise<{ run: DeployRun; lease: Lease | undefined; annotations: Record<string, string> }> {
  const read = await ctx.timeline.step(
    'read cluster state',
    async () => {
      const [, r] = await Promise.all([
        checkPermissions(ctx.client, bluegreenPermissions(ctx.inputs.route, 'deploy', workload.others)),
        readLive(ctx.client, workload, ctx.inputs),
      ]);
      return r;
    },
    (r) => `live color: ${(r.live.service?.spec?.selector?.color ?? r.live.recordedColor) || 'none'}`,
  );
  const { live, state, stable } = read;
  const other = handoverError(
    workload.app,
    'bluegreen',
    strategyMarks(live.service ?? live.route, state, stable),
  );
  if (other) throw other;
  const plan = makePlan(ctx, workload, live);
  const annotations = switchAnnotations(plan, state);
  const writes = plannedWrites(plan, annotations);
  await ctx.timeline.step(
    'preflight (server-side dry run)',
    () => dryRunAll(ctx.client, writes),
    () => `${writes.length} writes validated`,
  );
  const previousImage = prevRecord(state)?.image;
  return {
    run: { plan, state, ...(previousImage ? { previousImage } : {}) },
    lease: read.lease,
    annotations,
  };
}
