/**
 * The k8s-canary action's flow: inputs → session → engine → outputs and summary, plus the post
 * step. The action's main.ts and post.ts are three lines each around these.
 */
import {
  ActionError,
  annotateError,
  cancellationSignal,
  info,
  maskSecret,
  runnerState,
  setOutputs,
  type InputSource,
  type StateStore,
} from '@hac/toolkit';
import { defaultGateRunner, buildGate, type GateRunner } from '../gates.js';
import { defaultRunId } from '../inputs.js';
import { removeKubeconfigFile } from '../kubeconfig.js';
import { preflightError } from '../preflight.js';
import { openSession, type Session } from '../session.js';
import { resolveWorkload } from '../workload.js';
import { withVersion } from './build.js';
import { CanaryFailed, runCanary, type CanaryOptions, type CanaryResult } from './engine.js';
import { readCanaryInputs, type CanaryInputs } from './inputs.js';
import { Outputs, canaryOutputs, canarySummary } from './report.js';
import { isActive, readRecord } from './state.js';
import type { Deployment } from '../objects.js';

export const State = {
  session: 'canary-session',
  done: 'canary-done',
  kubeconfig: 'canary-kubeconfig',
} as const;

export interface CanaryActionDeps {
  source: InputSource;
  state?: StateStore;
  signal?: AbortSignal;
  runGate?: GateRunner;
  /** Write outputs (default: the runner's). */
  setOutput?: (name: string, value: string) => void;
  writeSummary?: (markdown: string) => Promise<void>;
  log?: (line: string) => void;
  cwd?: string;
}

function options(v: CanaryInputs, name: string, objects: CanaryOptions['objects']): CanaryOptions {
  const timing = {
    waitMs: v['gate-wait'],
    intervalMs: v['gate-interval'],
    consecutive: v['gate-consecutive'],
  };
  return {
    action: v.action,
    name,
    objects,
    steps: v.steps,
    pauses: v.pauses,
    route: v.route,
    surge: v.surge,
    service: v.service || undefined,
    httpRoute: v['http-route'] || undefined,
    ingress: v.ingress || undefined,
    canaryGate: buildGate(v['canary-urls'], v['canary-checks'], timing),
    stableGate: buildGate(v['stable-urls'], v['stable-checks'], timing),
    metrics: v.metrics,
    prometheus: v['prometheus-url']
      ? {
          url: v['prometheus-url'],
          headers: v['prometheus-token'] ? { authorization: `Bearer ${v['prometheus-token']}` } : undefined,
        }
      : undefined,
    timeoutMs: v.timeout,
    lockWaitMs: v['lock-timeout'],
    dryRun: v['dry-run'],
    runId: v['run-id'] || defaultRunId(),
  };
}

/** Runs the action; returns the result (also on a rollback, after reporting it) and rethrows failures. */
export async function runCanaryAction(deps: CanaryActionDeps): Promise<CanaryResult> {
  const log = deps.log ?? info;
  const state = deps.state ?? runnerState;
  const failed = (requests?: number) => setOutputs(failedOutputs(requests), deps.setOutput);
  let v: CanaryInputs;
  try {
    v = readCanaryInputs(deps.source);
  } catch (err) {
    failed();
    throw err;
  }
  maskSecret(v['prometheus-token']);
  const signal = deps.signal ?? cancellationSignal();
  let name = v.app;
  let objects: CanaryOptions['objects'];
  const namespaceHint = v.namespace || undefined;
  if (v.action === 'deploy') {
    const w = resolveWorkload({
      namespace: namespaceHint ?? 'default',
      manifests: v.manifests,
      images: v.images,
      app: v.app,
      image: v.image,
      replicas: v.replicas,
      port: v.port,
      allowOutside: v['allow-paths-outside-workspace'],
      cwd: deps.cwd,
    });
    name = w.deployment.metadata.name as string;
    const deployment = v.version ? withVersion(w.deployment, v.version) : w.deployment;
    objects = [deployment, ...(w.service ? [w.service] : []), ...w.others];
  }
  const o = options(v, name, objects);
  const session: Session = await openSession({
    kubeconfig: v.kubeconfig,
    context: v.context,
    namespace: namespaceHint,
    signal,
    userAgent: 'hac/k8s-canary',
    requestTimeoutMs: v['request-timeout'],
    retryDeadlineMs: v.timeout,
  }).catch((err: unknown) => {
    failed();
    throw err;
  });
  if (session.kubeconfigPath) state.save(State.kubeconfig, session.kubeconfigPath);
  const report = async (r: CanaryResult) => {
    setOutputs(canaryOutputs(r, session.transport.count), deps.setOutput);
    const md = canarySummary(r, { namespace: session.namespace, route: o.route, dryRun: o.dryRun });
    if (deps.writeSummary) await deps.writeSummary(md.toString());
    else await md.write();
  };
  try {
    const r = await runCanary(o, {
      client: session.client,
      runGate: deps.runGate ?? defaultGateRunner,
      log,
      onWrite: (rec) => state.save(State.session, { ...rec, route: o.route, context: session.context }),
    });
    state.save(State.done, true);
    await report(r);
    log(`Verdict: ${r.verdict}; canary weight ${r.weight}%; ${session.transport.count} API requests.`);
    return r;
  } catch (err) {
    state.save(State.done, true);
    if (err instanceof CanaryFailed) {
      await report(err.result);
      annotateError(err.message, { title: 'hac: canary rolled back' });
      throw err;
    }
    // Failed before the canary changed anything (lock timeout, preflight, unreachable cluster).
    failed(session.transport.count);
    throw err instanceof ActionError
      ? err
      : preflightError(
          { op: 'patch', ref: { apiVersion: 'apps/v1', kind: 'Deployment', name }, patch: {} },
          err,
          session.namespace,
        );
  }
}

/** Outputs of a run that failed before it changed traffic: what serves now is not known here. */
export function failedOutputs(requests?: number): Record<string, string> {
  return {
    [Outputs.verdict]: 'failed',
    [Outputs.phase]: '',
    [Outputs.version]: '',
    [Outputs.previousVersion]: '',
    [Outputs.image]: '',
    [Outputs.previousImage]: '',
    [Outputs.weight]: '',
    [Outputs.reason]: '',
    ...(requests !== undefined ? { [Outputs.requests]: String(requests) } : {}),
  };
}

/**
 * The post step: when main did not finish (cancelled, killed), abort the canary it left, using the
 * record on the stable Deployment. Then remove the kubeconfig file main wrote.
 */
export async function runCanaryPost(
  deps: { state?: StateStore; log?: (line: string) => void; runGate?: GateRunner; signal?: AbortSignal } = {},
): Promise<string> {
  const state = deps.state ?? runnerState;
  const log = deps.log ?? info;
  const kubeconfigPath = state.get<string>(State.kubeconfig);
  try {
    if (state.get<boolean>(State.done)) return 'main finished; nothing to restore';
    const s = state.get<{ namespace: string; name: string; runId: string; context?: string }>(State.session);
    if (!s) return 'main wrote nothing; nothing to restore';
    const session = await openSession({
      kubeconfigPath,
      context: s.context,
      namespace: s.namespace,
      signal: deps.signal ?? cancellationSignal(),
      userAgent: 'hac/k8s-canary-post',
    });
    const stable = await session.client.find<Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: s.name,
    });
    const rec = readRecord(stable);
    const counted = (note: string) => {
      log(`k8s-canary post: ${session.transport.count} API requests (not in main's api-requests output)`);
      return note;
    };
    if (!rec || !isActive(rec) || rec.runId !== s.runId)
      return counted('no canary of this run is live; nothing to restore');
    log(`Main did not finish: aborting the canary of ${s.name} (run ${s.runId}, ${rec.weight}% of traffic).`);
    await runCanary(
      {
        action: 'abort',
        name: s.name,
        steps: rec.steps,
        pauses: [],
        route: rec.route,
        metrics: [],
        timeoutMs: 600_000,
        dryRun: false,
        runId: s.runId,
      },
      { client: session.client, runGate: deps.runGate ?? defaultGateRunner, log },
    );
    return counted('aborted the canary main left');
  } finally {
    removeKubeconfigFile(kubeconfigPath);
  }
}
