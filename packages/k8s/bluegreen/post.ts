// The post step: when main did not finish (cancelled, killed), restore the last safe state — switch
// traffic back if it moved and the old color is ready, remove the new color — then release the
// lease and remove the kubeconfig file the run wrote.
import {
  ActionError,
  cancellationSignal,
  errorMessage,
  info,
  runnerState,
  warning,
  type StateStore,
} from '@hac/toolkit';
import { removeKubeconfigFile } from '../kubeconfig.js';
import { releaseLease } from '../lease.js';
import { openSession, type Session } from '../session.js';
import { readState, writeState } from '../state.js';
import { servingAnnotations, undo } from './switch.js';
import { PROGRESS_KEY, type Progress } from './types.js';

export interface PostResult {
  restored: boolean;
  notes: string[];
  /** API requests the post step made (set when it had work; main's `api-requests` output cannot include them). */
  requests?: number;
}

/** Whether main's saved progress leaves post anything to do (else: no network, no client). */
export function postHasWork(p: Progress | undefined): boolean {
  if (!p) return false;
  if (p.lease) return true;
  return p.stage !== 'done' && p.stage !== 'started' && !!p.plan;
}

export async function bluegreenPost(
  state: StateStore = runnerState,
  opts: { session?: Session; log?: (l: string) => void; signal?: AbortSignal } = {},
): Promise<PostResult> {
  const log = opts.log ?? info;
  const p = state.get<Progress>(PROGRESS_KEY);
  const out: PostResult = { restored: false, notes: [] };
  if (!p) return out;
  try {
    if (!postHasWork(p)) {
      log(`k8s-bluegreen post: nothing to do (main ${p.stage === 'done' ? 'finished' : 'wrote nothing'})`);
      return out;
    }
    const session =
      opts.session ??
      (await openSession({
        kubeconfigPath: p.kubeconfigPath,
        context: p.context,
        namespace: p.namespace,
        signal: opts.signal ?? cancellationSignal(),
        ...(p.requestTimeoutMs ? { requestTimeoutMs: p.requestTimeoutMs } : {}),
        ...(p.timeoutMs ? { retryDeadlineMs: p.timeoutMs } : {}),
        userAgent: 'hac/k8s-bluegreen-post',
      }));
    const client = session.client;
    if (p.stage !== 'done' && p.plan) {
      log(`The main step did not finish (stage ${p.stage}); restoring ${p.app}`);
      // main records state only when it ends: what is recorded is what served before this run.
      const st = await readState(client, p.app);
      const res = await undo(
        client,
        p.plan,
        servingAnnotations({
          runId: p.runId,
          phase: 'rolled-back',
          color: p.plan.oldColor,
          image: st.record?.image,
          previousImage: st.record?.previousImage,
        }),
      );
      out.restored = true;
      out.notes.push(...res.notes);
      await writeState(
        client,
        {
          app: p.app,
          strategy: 'bluegreen',
          runId: p.runId,
          phase: 'rolled-back',
          ...(st.record?.activeColor
            ? { activeColor: st.record.activeColor }
            : p.plan.oldColor
              ? { activeColor: p.plan.oldColor }
              : {}),
          ...(st.record?.previousColor ? { previousColor: st.record.previousColor } : {}),
          ...(st.record?.image ? { image: st.record.image } : {}),
          ...(st.record?.previousImage ? { previousImage: st.record.previousImage } : {}),
          ...(st.record?.replicas ? { replicas: st.record.replicas } : {}),
          ...(st.record?.extra ? { extra: st.record.extra } : {}),
          reason:
            'the main step did not finish (cancelled or killed); the post step restored the previous state',
          updatedAt: new Date().toISOString(),
        },
        st,
      ).catch((err) => log(`could not record state: ${errorMessage(err)}`));
      for (const n of res.notes) log(n);
    }
    if (p.lease && (await releaseLease(client, p.lease, p.runId)))
      out.notes.push(`released Lease ${p.lease}`);
    out.requests = session.transport.count;
    log(`k8s-bluegreen post: ${out.requests} API requests (not in main's api-requests output)`);
  } catch (err) {
    warning(`k8s-bluegreen post step could not restore ${p.app}: ${errorMessage(err)}`, {
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
