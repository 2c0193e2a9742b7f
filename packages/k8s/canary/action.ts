/**
 * The k8s-canary action's flow around the engine: the workload and options from the typed
 * inputs, the cluster session, the run, then outputs and the job summary; and the post step's
 * restore. entry.ts holds the Engine objects that main.ts and post.ts run.
 */
import {
  ActionError,
  annotateError,
  cancellationSignal,
  info,
  maskSecret,
  runnerState,
  setOutputs,
  type ActionDeps,
  type Clock,
  type InputSource,
  type Sleep,
  type StateStore,
  type Summary,
} from '@hac/toolkit';
import { defaultGateRunner, buildGate, type GateRunner } from '../gates.js';
import { defaultRunId } from '../inputs.js';
import type { Deployment } from '../objects.js';
import { preflightError } from '../preflight.js';
import { rollbackRequest } from '../rollback-inputs.js';
import { openSession, type Session } from '../session.js';
import { resolveWorkload, workloadInputs } from '../workload.js';
import { withVersion } from './build.js';
import { runCanary } from './engine.js';
import { readOrFail, type CanaryInputs } from './inputs.js';
import { canaryOutputs, canarySummary, failedOutputs } from './report.js';
import { State, isActive, readRecord, type PostInputs } from './state.js';
import { CanaryFailed, type CanaryOptions, type CanaryResult } from './types.js';

/** Re-exported for the package index (the outputs of a run that failed before any change). */
export { failedOutputs };

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

/** What the action takes from its surroundings: the runner's (canaryEnv) or a test's (runCanaryAction). */
export interface CanaryEnv {
  readonly state: StateStore;
  readonly signal: AbortSignal;
  readonly runGate: GateRunner;
  readonly log: (line: string) => void;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  readonly cwd?: string;
  setOutputs(outputs: Record<string, string>): void;
  writeSummary(summary: Summary): Promise<void>;
  annotate(message: string, title: string): void;
}

/** A finished run: its result (also a rolled-back one, with the failure to raise after reporting). */
export interface CanaryOutcome {
  result: CanaryResult;
  failure?: CanaryFailed;
  requests: number;
  namespace: string;
  route: string;
  dryRun: boolean;
}

export function canaryEnv(deps: ActionDeps): CanaryEnv {
  return {
    state: deps.state,
    get signal() {
      return deps.signal;
    },
    runGate: defaultGateRunner,
    log: (line) => deps.log.info(line),
    clock: deps.clock,
    sleep: deps.sleep,
    setOutputs: (outputs) => deps.setOutputs(outputs),
    writeSummary: (summary) => deps.writeSummary(summary),
    annotate: (message, title) => deps.log.error(message, { title }),
  };
}

function options(v: CanaryInputs, name: string, objects: CanaryOptions['objects']): CanaryOptions {
  const timing = {
    waitMs: v['gate-wait'],
    intervalMs: v['gate-interval'],
    consecutive: v['gate-consecutive'],
  };
  const token = v['prometheus-token'];
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
    analysis: v.analysisOptions,
    prometheus: v['prometheus-url']
      ? { url: v['prometheus-url'], headers: token ? { authorization: `Bearer ${token}` } : undefined }
      : undefined,
    timeoutMs: v.timeout,
    lockWaitMs: v['lock-timeout'],
    dryRun: v['dry-run'],
    runId: v['run-id'] || defaultRunId(),
    rollback: rollbackRequest(v),
  };
}

/** deploy: the Deployment to canary (and the objects beside it) from the manifests or app/image. */
function workload(v: CanaryInputs, cwd?: string): { name: string; objects?: CanaryOptions['objects'] } {
  if (v.action !== 'deploy') return { name: v.app };
  const w = resolveWorkload({ ...workloadInputs(v), namespace: v.namespace || 'default', cwd });
  const deployment = v.version ? withVersion(w.deployment, v.version) : w.deployment;
  return {
    name: w.deployment.metadata.name as string,
    objects: [deployment, ...(w.service ? [w.service] : []), ...w.others],
  };
}

/** Runs the engine in a cluster session; a rollback comes back as an outcome, other failures throw. */
export async function executeCanary(v: CanaryInputs, env: CanaryEnv): Promise<CanaryOutcome> {
  maskSecret(v['prometheus-token']);
  const { name, objects } = workload(v, env.cwd);
  const o = options(v, name, objects);
  const session: Session = await openSession({
    kubeconfig: v.kubeconfig,
    context: v.context,
    namespace: v.namespace || undefined,
    signal: env.signal,
    userAgent: 'hac/k8s-canary',
    requestTimeoutMs: v['request-timeout'],
    retryDeadlineMs: v.timeout,
  }).catch((err: unknown) => {
    env.setOutputs(failedOutputs());
    throw err;
  });
  if (session.kubeconfigPath) env.state.save(State.kubeconfig, session.kubeconfigPath);
  const outcome = (result: CanaryResult, failure?: CanaryFailed): CanaryOutcome => ({
    result,
    failure,
    requests: session.transport.count,
    namespace: session.namespace,
    route: o.route,
    dryRun: o.dryRun,
  });
  try {
    const result = await runCanary(o, {
      client: session.client,
      runGate: env.runGate,
      log: env.log,
      clock: env.clock,
      sleep: env.sleep,
      onWrite: (rec) => env.state.save(State.session, { ...rec, route: o.route, context: session.context }),
    });
    env.state.save(State.done, true);
    return outcome(result);
  } catch (err) {
    env.state.save(State.done, true);
    if (err instanceof CanaryFailed) return outcome(err.result, err);
    // Failed before the canary changed anything (lock timeout, preflight, unreachable cluster).
    env.setOutputs(failedOutputs(session.transport.count));
    if (err instanceof ActionError) throw err;
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name };
    throw preflightError({ op: 'patch', ref, patch: {} }, err, session.namespace);
  }
}

/** Outputs and the job summary; a rolled-back run then fails the step. */
export async function reportCanary(out: CanaryOutcome, env: CanaryEnv): Promise<void> {
  const r = out.result;
  env.setOutputs(canaryOutputs(r, out.requests));
  await env.writeSummary(
    canarySummary(r, { namespace: out.namespace, route: out.route, dryRun: out.dryRun }),
  );
  if (out.failure) {
    env.annotate(out.failure.message, 'hac: canary rolled back');
    throw out.failure;
  }
  env.log(`Verdict: ${r.verdict}; canary weight ${r.weight}%; ${out.requests} API requests.`);
}

/** The whole main step with explicit deps (tests, benchmarks): read, run, report. Returns the result. */
export async function runCanaryAction(deps: CanaryActionDeps): Promise<CanaryResult> {
  const env: CanaryEnv = {
    state: deps.state ?? runnerState,
    get signal() {
      return deps.signal ?? cancellationSignal();
    },
    runGate: deps.runGate ?? defaultGateRunner,
    log: deps.log ?? info,
    cwd: deps.cwd,
    setOutputs: (outputs) => setOutputs(outputs, deps.setOutput),
    writeSummary: (md) => (deps.writeSummary ? deps.writeSummary(md.toString()) : md.write()),
    annotate: (message, title) => annotateError(message, { title }),
  };
  const v = readOrFail(deps.source, env.setOutputs);
  const out = await executeCanary(v, env);
  await reportCanary(out, env);
  return out.result;
}

/**
 * The post step's work when main did not finish (cancelled, killed): abort the canary it left,
 * using the record on the stable Deployment.
 */
export async function restoreCanary(
  p: Required<Pick<PostInputs, 'session'>> & PostInputs,
  deps: { log: (line: string) => void; runGate?: GateRunner; signal: () => AbortSignal },
): Promise<string> {
  const s = p.session;
  const session = await openSession({
    kubeconfigPath: p.kubeconfigPath,
    context: s.context,
    namespace: s.namespace,
    signal: deps.signal(),
    userAgent: 'hac/k8s-canary-post',
  });
  const stable = await session.client.find<Deployment>({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: s.name,
  });
  const rec = readRecord(stable);
  const counted = (note: string) => {
    deps.log(`k8s-canary post: ${session.transport.count} API requests (not in main's api-requests output)`);
    return note;
  };
  if (!rec || !isActive(rec) || rec.runId !== s.runId)
    return counted('no canary of this run is live; nothing to restore');
  deps.log(
    `Main did not finish: aborting the canary of ${s.name} (run ${s.runId}, ${rec.weight}% of traffic).`,
  );
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
    { client: session.client, runGate: deps.runGate ?? defaultGateRunner, log: deps.log },
  );
  return counted('aborted the canary main left');
}
