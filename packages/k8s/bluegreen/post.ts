// The post step: when main did not finish (cancelled, killed), restore the last safe state — switch
// traffic back if it moved and the old color is ready, remove the new color — then release the
// lease and remove the kubeconfig file the run wrote. With nothing to do it loads nothing and
// makes no request: the session, state and switch modules are imported only when there is work.
import {
  ActionError,
  cancellationSignal,
  errorMessage,
  info,
  systemClock,
  warning,
  type Clock,
  type StateStore,
} from '@hac/toolkit';
import type { KubeClient } from '../client.js';
import { removeKubeconfigFile } from '../kubeconfig.js';
import type { Session } from '../session.js';
import { PROGRESS_KEY, type Progress } from './types.js';

export interface PostResult {
  restored: boolean;
  notes: string[];
  /** API requests the post step made (set when it had work; main's `api-requests` output cannot include them). */
  requests?: number;
}

export interface PostOptions {
  session?: Session;
  log?: (line: string) => void;
  warn?: (message: string, props: { title: string }) => void;
  signal?: AbortSignal;
  clock?: Clock;
}

/** Whether main's saved progress leaves post anything to do (else: no network, no client). */
export function postHasWork(p: Progress | undefined): boolean {
  if (!p) return false;
  if (p.lease) return true;
  return p.stage !== 'done' && p.stage !== 'started' && !!p.plan;
}

export async function runBlueGreenPost(store: StateStore, opts: PostOptions = {}): Promise<PostResult> {
  const log = opts.log ?? info;
  const p = store.get<Progress>(PROGRESS_KEY);
  const out: PostResult = { restored: false, notes: [] };
  if (!p) return out;
  try {
    if (!postHasWork(p)) {
      log(`k8s-bluegreen post: nothing to do (main ${p.stage === 'done' ? 'finished' : 'wrote nothing'})`);
      return out;
    }
    const session = opts.session ?? (await postSession(p, opts));
    if (p.stage !== 'done' && p.plan) {
      log(`The main step did not finish (stage ${p.stage}); restoring ${p.app}`);
      const notes = await restore(session.client, p, log, opts.clock ?? systemClock);
      out.restored = true;
      out.notes.push(...notes);
    }
    const { releaseLease } = await import('../lease.js');
    if (p.lease && (await releaseLease(session.client, p.lease, p.runId)))
      out.notes.push(`released Lease ${p.lease}`);
    out.requests = session.transport.count;
    log(`k8s-bluegreen post: ${out.requests} API requests (not in main's api-requests output)`);
  } catch (err) {
    (opts.warn ?? warning)(`k8s-bluegreen post step could not restore ${p.app}: ${errorMessage(err)}`, {
      title: 'hac: next step',
    });
    throw err instanceof ActionError
      ? err
      : new ActionError(
          errorMessage(err),
          'Check the live Service and both color Deployments with kubectl, then run action: rollback.',
        );
  } finally {
    removeKubeconfigFile(p.kubeconfigPath);
  }
  return out;
}

/** A session like main's: the same cluster, context, namespace and deadlines. */
async function postSession(p: Progress, opts: PostOptions): Promise<Session> {
  const { openSession } = await import('../session.js');
  return openSession({
    kubeconfigPath: p.kubeconfigPath,
    context: p.context,
    namespace: p.namespace,
    signal: opts.signal ?? cancellationSignal(),
    ...(p.requestTimeoutMs ? { requestTimeoutMs: p.requestTimeoutMs } : {}),
    ...(p.timeoutMs ? { retryDeadlineMs: p.timeoutMs } : {}),
    userAgent: 'hac/k8s-bluegreen-post',
  });
}

/** Undoes main's unfinished run and records it; returns what was done. */
async function restore(
  client: KubeClient,
  p: Progress,
  log: (l: string) => void,
  clock: Clock,
): Promise<string[]> {
  const plan = p.plan as NonNullable<Progress['plan']>;
  const [{ readState, writeState }, { servingAnnotations, undo }, { restoredRecord }] = await Promise.all([
    import('../state.js'),
    import('./switch.js'),
    import('./recorded.js'),
  ]);
  // main records state only when it ends: what is recorded is what served before this run.
  const st = await readState(client, p.app);
  const res = await undo(
    client,
    plan,
    servingAnnotations({
      runId: p.runId,
      phase: 'rolled-back',
      color: plan.oldColor,
      image: st.record?.image,
      previousImage: st.record?.previousImage,
    }),
  );
  const rec = restoredRecord(
    { app: p.app, runId: p.runId, oldColor: plan.oldColor },
    st.record,
    new Date(clock()).toISOString(),
  );
  await writeState(client, rec, st).catch((err) => log(`could not record state: ${errorMessage(err)}`));
  for (const n of res.notes) log(n);
  return res.notes;
}
