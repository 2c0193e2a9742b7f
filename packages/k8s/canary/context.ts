/**
 * The run context: the one object every part of a canary run shares (options, client, clock,
 * log, the result being built and the record kept on the stable Deployment), so no function
 * takes a long list of parameters.
 */
import { sleep as realSleep, systemClock, type Clock, type Sleep } from '@hac/toolkit';
import type { KubeClient } from '../client.js';
import type { Deployment } from '../objects.js';
import { waitForRollout } from '../rollout.js';
import { canaryName } from './build.js';
import { recordPatch, type CanaryRecord } from './state.js';
import { emptyResult, type CanaryDeps, type CanaryOptions, type CanaryResult } from './types.js';

export const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;
export const SERVICE = { apiVersion: 'v1', kind: 'Service' } as const;
export const HTTPROUTE = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' } as const;
export const INGRESS = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' } as const;

export interface RunContext {
  readonly o: CanaryOptions;
  readonly c: KubeClient;
  readonly deps: CanaryDeps;
  readonly log: (line: string) => void;
  readonly sleep: Sleep;
  readonly clock: Clock;
  readonly result: CanaryResult;
  /** The record on the stable Deployment, once this run writes (deploy) or reads (later jobs) it. */
  rec?: CanaryRecord;
  /** The stable and canary Deployments as last read or written (a write's answer is the object). */
  stable?: Deployment;
  canary?: Deployment;
}

export function runContext(o: CanaryOptions, deps: CanaryDeps): RunContext {
  return {
    o,
    c: deps.client,
    deps,
    log: deps.log ?? (() => undefined),
    sleep: deps.sleep ?? realSleep,
    clock: deps.clock ?? systemClock,
    result: emptyResult(o),
  };
}

export function isoNow(ctx: Pick<RunContext, 'clock'>): string {
  return new Date(ctx.clock()).toISOString();
}

/** The variables a metric query may use ({{namespace}}, {{canary}}, ...). */
export function queryVars(ctx: RunContext): Record<string, string> {
  return {
    namespace: ctx.c.namespace,
    app: ctx.o.name,
    stable: ctx.o.name,
    canary: canaryName(ctx.o.name),
    version: ctx.result.version,
  };
}

/** Tells the action the first write is about to happen (its post step must then restore). */
export function markWriting(ctx: RunContext): void {
  ctx.deps.onWrite?.({ namespace: ctx.c.namespace, name: ctx.o.name, runId: ctx.o.runId });
}

/**
 * Writes the record on stable, with `spec` (e.g. stable's replicas) in the same patch; returns
 * stable as written. With `resourceVersion`, only if stable is still at it (409 otherwise).
 */
export async function saveRecord(
  ctx: RunContext,
  change: Partial<CanaryRecord>,
  c: KubeClient = ctx.c,
  spec?: Partial<Deployment['spec']>,
  resourceVersion?: string,
): Promise<Deployment> {
  const rec = ctx.rec as CanaryRecord;
  Object.assign(rec, change, { updatedAt: isoNow(ctx) });
  const patch = spec ? { ...recordPatch(rec, resourceVersion), spec } : recordPatch(rec, resourceVersion);
  ctx.stable = await c.mergePatch<Deployment>({ ...DEPLOYMENT, name: rec.stable }, patch);
  return ctx.stable;
}

/** Waits until Deployment `name` has rolled out (the run's timeout). */
export async function rolledOut(ctx: RunContext, name: string, c: KubeClient = ctx.c): Promise<void> {
  await waitForRollout(c, name, { timeoutMs: ctx.o.timeoutMs, sleep: ctx.sleep });
}
