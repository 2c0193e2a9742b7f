// Waiting for a Deployment to be fully rolled out, with a watch (no polling): observedGeneration
// caught up, and updated, ready and available replicas all equal to the desired count. The
// Deployment's own progressDeadlineSeconds (ProgressDeadlineExceeded) and a timeout fail the wait.
import {
  ActionError,
  TimeoutError,
  backoffDelay,
  info,
  sleep as realSleep,
  withTimeout,
  type Clock,
  type Sleep,
} from '@hac/toolkit';
import { startProgress, type Ticker } from './progress.js';
import type { KubeClient, WatchEventType } from './client.js';
import { isTransient } from './errors.js';
import type { Deployment } from './objects.js';

export interface RolloutStatus {
  done: boolean;
  /** True when the Deployment reports ProgressDeadlineExceeded: waiting longer will not help. */
  failed: boolean;
  message: string;
  desired: number;
  updated: number;
  ready: number;
  available: number;
}

/** kubectl rollout status's rules, as a pure function of the Deployment. */
export function rolloutStatus(d: Deployment): RolloutStatus {
  const desired = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const updated = s.updatedReplicas ?? 0;
  const ready = s.readyReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const total = s.replicas ?? 0;
  const base = { desired, updated, ready, available };
  const name = d.metadata.name;
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      ...base,
      done: false,
      failed: true,
      message:
        `Deployment ${name} exceeded its progress deadline (ProgressDeadlineExceeded): ${progressing.message ?? ''}`.trim(),
    };
  }
  if ((s.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
    return {
      ...base,
      done: false,
      failed: false,
      message: `waiting for the controller to observe generation ${d.metadata.generation}`,
    };
  }
  if (updated < desired)
    return { ...base, done: false, failed: false, message: `${updated} of ${desired} new replicas updated` };
  if (total > updated)
    return {
      ...base,
      done: false,
      failed: false,
      message: `${total - updated} old replicas pending termination`,
    };
  if (available < updated || ready < desired)
    return {
      ...base,
      done: false,
      failed: false,
      message: `${Math.min(available, ready)} of ${desired} updated replicas available`,
    };
  return { ...base, done: true, failed: false, message: `${available} of ${desired} replicas available` };
}

export class RolloutError extends ActionError {
  constructor(
    message: string,
    readonly reason: 'ProgressDeadlineExceeded' | 'Timeout' | 'Deleted',
    readonly status?: RolloutStatus,
  ) {
    super(
      message,
      reason === 'Deleted'
        ? 'Something deleted the Deployment during the rollout; check who else manages it.'
        : 'Look at the new pods (kubectl describe pods -l <selector>, kubectl get events) for image pull, crash or readiness-probe failures, then fix and redeploy.',
    );
    this.name = 'RolloutError';
  }
}

export interface WaitOptions {
  timeoutMs: number;
  namespace?: string;
  /** Called when the status message changes. */
  onProgress?: (s: RolloutStatus) => void;
  /** Where the line every ~30 s goes (default: the step log). */
  log?: (line: string) => void;
  clock?: Clock;
  ticker?: Ticker;
  sleep?: Sleep;
  random?: () => number;
}

/** What one rollout wait has seen so far: the watch position, the last status, and the result. */
class RolloutTracker {
  last: RolloutStatus | undefined;
  result: RolloutStatus | undefined;
  resourceVersion: string | undefined;
  private lastMessage = '';

  constructor(
    private readonly name: string,
    private readonly onProgress?: (s: RolloutStatus) => void,
  ) {}

  /** A watch event: true once the Deployment is rolled out; throws when it failed or was deleted. */
  onEvent(type: WatchEventType, d: Deployment): boolean {
    if (type === 'BOOKMARK') {
      this.resourceVersion = d.metadata?.resourceVersion ?? this.resourceVersion;
      return false;
    }
    this.resourceVersion = d.metadata.resourceVersion;
    if (type === 'DELETED')
      throw new RolloutError(`Deployment ${this.name} was deleted while waiting for its rollout`, 'Deleted');
    const s = rolloutStatus(d);
    this.last = s;
    if (s.message !== this.lastMessage) {
      this.lastMessage = s.message;
      this.onProgress?.(s);
    }
    if (s.failed) throw new RolloutError(s.message, 'ProgressDeadlineExceeded', s);
    if (!s.done) return false;
    this.result = s;
    return true;
  }

  /** The error for a wait that ran out of time (not one the caller cancelled). */
  timeout(timeoutMs: number): RolloutError {
    return new RolloutError(
      `Deployment ${this.name} did not become available within ${Math.round(timeoutMs / 1000)}s (${this.last?.message ?? 'no status yet'})`,
      'Timeout',
      this.last,
    );
  }
}

/** Watches Deployment `name` until it is rolled out; throws RolloutError on deadline/timeout. */
export async function waitForRollout(
  client: KubeClient,
  name: string,
  opts: WaitOptions,
): Promise<RolloutStatus> {
  const signal = withTimeout(client.signal, opts.timeoutMs, `rollout of Deployment ${name}`);
  const c = client.withSignal(signal);
  const sleep = opts.sleep ?? realSleep;
  const t = new RolloutTracker(name, opts.onProgress);
  let failures = 0;
  const stopProgress = startProgress({
    what: `rollout of Deployment ${name}`,
    totalMs: opts.timeoutMs,
    state: () => t.last?.message ?? 'no status yet',
    log: opts.log ?? info,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.ticker ? { ticker: opts.ticker } : {}),
  });
  try {
    while (!t.result) {
      const query = { namespace: opts.namespace, fieldSelector: `metadata.name=${name}` };
      try {
        const end = await c.watch<Deployment>(
          'apps/v1',
          'Deployment',
          { ...query, resourceVersion: t.resourceVersion },
          (type, d) => t.onEvent(type, d),
        );
        failures = 0;
        if (end === 'gone') t.resourceVersion = undefined;
      } catch (err) {
        if (err instanceof RolloutError || signal.aborted || !isTransient(err)) throw err;
        failures++;
        await sleep(backoffDelay(failures, 250, 4000, opts.random ?? Math.random) + 100, signal);
      }
    }
    return t.result;
  } catch (err) {
    const timedOut =
      signal.aborted && signal.reason instanceof TimeoutError && !(client.signal?.aborted ?? false);
    throw timedOut ? t.timeout(opts.timeoutMs) : err;
  } finally {
    stopProgress();
  }
}
