// Readiness evidence: ready pods behind a selector and ready endpoints of a Service. Used to keep
// the invariant that the live Service never selects zero ready pods.
import type { KubeClient } from './client.js';
import type { Labels, Pod } from './objects.js';
import { selectorString } from './selector.js';

export function isPodReady(pod: Pod): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  return (
    pod.status?.phase === 'Running' &&
    (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

export async function readyPods(
  client: KubeClient,
  selector: Labels,
): Promise<{ ready: number; total: number }> {
  const { items } = await client.list<Pod>('v1', 'Pod', { labelSelector: selectorString(selector) });
  return { ready: items.filter(isPodReady).length, total: items.length };
}

export interface EndpointSlice {
  endpoints?: {
    conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
  }[];
}

/** Ready endpoints across a Service's EndpointSlices (ready unset counts as ready, per the API). */
export function readyEndpointCount(slices: EndpointSlice[]): number {
  let n = 0;
  for (const s of slices) for (const e of s.endpoints ?? []) if (e.conditions?.ready !== false) n++;
  return n;
}

export class NoReadyPodsError extends Error {
  constructor(
    readonly selector: Labels,
    readonly ready: number,
    readonly total: number,
  ) {
    super(`no ready pods match ${selectorString(selector)} (${total} pod(s), ${ready} ready)`);
    this.name = 'NoReadyPodsError';
  }
}

/** Throws NoReadyPodsError unless at least `min` pods matching `selector` are ready. */
export async function requireReadyPods(client: KubeClient, selector: Labels, min = 1): Promise<number> {
  const { ready, total } = await readyPods(client, selector);
  if (ready < Math.max(1, min)) throw new NoReadyPodsError(selector, ready, total);
  return ready;
}
