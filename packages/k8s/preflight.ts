// Server-side dry run (dryRun=All) of every write a run will make, before the first real write.
import { ActionError } from '@hac/toolkit';
import type { KubeClient, ObjectRef } from './client.js';
import { UnknownKindError } from './client.js';
import { ApiError, isTransient } from './errors.js';
import { describeObject, type KubeObject } from './objects.js';

export type PlannedWrite =
  | { op: 'apply'; object: KubeObject }
  | { op: 'patch'; ref: ObjectRef; patch: unknown }
  | { op: 'delete'; ref: ObjectRef };

export function describeWrite(w: PlannedWrite): string {
  if (w.op === 'apply') return `apply ${describeObject(w.object)}`;
  return `${w.op} ${w.ref.kind}/${w.ref.name}`;
}

/** Maps a dry-run failure to an error naming the object and what to do. */
export function preflightError(w: PlannedWrite, err: unknown, namespace: string): Error {
  if (err instanceof ActionError) return err;
  if (err instanceof UnknownKindError) {
    return new ActionError(
      `Preflight: ${describeWrite(w)}: ${err.message}. Nothing was changed.`,
      'Install the CRD or fix apiVersion/kind in the manifests.',
    );
  }
  if (err instanceof ApiError) {
    if (err.status === 404 && /namespaces? "[^"]+" not found/.test(err.detail)) {
      return new ActionError(
        `Namespace "${namespace}" does not exist. Nothing was changed.`,
        `Create the namespace first (kubectl create namespace ${namespace}) or fix the namespace input.`,
      );
    }
    if (err.status === 422 || err.status === 400) {
      const causes = (err.body?.details?.causes ?? [])
        .map((c) => `${c.field ?? ''} ${c.message ?? ''}`.trim())
        .filter(Boolean);
      return new ActionError(
        `Preflight: the apiserver rejected ${describeWrite(w)}: ${causes.length ? causes.join('; ') : err.detail}. Nothing was changed.`,
        'Fix the manifest or input named above; a dry run (dryRun=All) found it before any write.',
      );
    }
    // Only a transient answer (429, 5xx) is worth running again; any other 4xx will fail the same way.
    const answer = [err.status, err.reason].filter(Boolean).join(' ');
    return new ActionError(
      `Preflight: ${describeWrite(w)} failed in a dry run: ${err.detail}. Nothing was changed.`,
      isTransient(err)
        ? 'The apiserver was unavailable or overloaded; check its health (kubectl get --raw /readyz), then re-run.'
        : `Fix the object or the cluster setup named above (HTTP ${answer} is permanent: running again will not help).`,
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Dry-runs every planned write (in parallel); throws the first failure in plan order. */
export async function dryRunAll(client: KubeClient, writes: PlannedWrite[]): Promise<void> {
  const results = await Promise.allSettled(
    writes.map((w) => {
      if (w.op === 'apply') return client.apply(w.object, { dryRun: true });
      if (w.op === 'patch') return client.mergePatch(w.ref, w.patch, { dryRun: true });
      return client.delete(w.ref, { dryRun: true });
    }),
  );
  results.forEach((r, i) => {
    if (r.status === 'rejected') throw preflightError(writes[i] as PlannedWrite, r.reason, client.namespace);
  });
}
