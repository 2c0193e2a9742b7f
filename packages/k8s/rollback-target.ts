// What `action: rollback` restores, decided from the recorded state alone (both strategies).
// Every deploy records the spec of the version it put live and of the version it replaced
// (extra.spec, extra.previous), so a rollback after promote can re-create the previous version
// even when its Deployment was deleted or overwritten. A rollback marks its record
// (extra.rollback): a second rollback is a no-op. Restoring a version older than the one the
// current release replaced (the app moved on to a third version) needs confirm-rollback: true.
import { ActionError } from '@hac/toolkit';
import type { Deployment, PodTemplate } from './objects.js';
import type { StateRecord } from './state.js';

/** One version of the app as recorded: enough to re-create its Deployment. */
export interface VersionSpec {
  image: string;
  runId?: string;
  /** Blue-green: the color it ran in. */
  color?: string;
  replicas?: number;
  /** Blue-green: the Deployment as hac applied it (without status). */
  deployment?: Deployment;
  /** Canary: the pod template the stable Deployment ran. */
  template?: PodTemplate;
}

/** What a rollback action records: the version it rolled back from and the one it restored. */
export interface RollbackMark {
  from: string;
  to: string;
  runId: string;
}

export interface RollbackRequest {
  /** rollback-to: the image the rollback must restore ('' = the version the current one replaced). */
  rollbackTo: string;
  /** confirm-rollback: restore a version older than the one the current release replaced. */
  confirm: boolean;
}

export type RollbackDecision =
  { kind: 'noop'; message: string } | { kind: 'restore'; target: VersionSpec; from?: VersionSpec };

interface Extra {
  spec?: VersionSpec;
  previous?: VersionSpec;
  rollback?: RollbackMark;
}

const extraOf = (rec: StateRecord | undefined): Extra => (rec?.extra ?? {}) as Extra;
const isSpec = (v: unknown): v is VersionSpec =>
  typeof v === 'object' && v !== null && typeof (v as VersionSpec).image === 'string';

/** The version a record put live (its recorded spec, or just its image for older records). */
export function versionOf(rec: StateRecord | undefined): VersionSpec | undefined {
  const spec = extraOf(rec).spec;
  if (isSpec(spec)) return spec;
  return rec?.image
    ? { image: rec.image, ...(rec.activeColor ? { color: rec.activeColor } : {}) }
    : undefined;
}

/** The version the record's release replaced. */
export function previousOf(rec: StateRecord | undefined): VersionSpec | undefined {
  const prev = extraOf(rec).previous;
  if (isSpec(prev)) return prev;
  return rec?.previousImage
    ? { image: rec.previousImage, ...(rec.previousColor ? { color: rec.previousColor } : {}) }
    : undefined;
}

export const rollbackMarkOf = (rec: StateRecord | undefined): RollbackMark | undefined => {
  const m = extraOf(rec).rollback;
  return m && typeof m.to === 'string' && typeof m.from === 'string' ? m : undefined;
};

/** A recorded spec of `image` (from the record or its history), preferring one that can re-create it. */
export function findVersion(image: string, records: StateRecord[]): VersionSpec | undefined {
  const all = records.flatMap((r) => [versionOf(r), previousOf(r)]).filter(isSpec);
  const same = all.filter((v) => v.image === image);
  return same.find((v) => v.deployment ?? v.template) ?? same[0];
}

const refused = (message: string, hint: string) => new ActionError(`${message} Nothing was changed.`, hint);

/** What the rollback does, or one ActionError saying why it cannot (before any write). */
export function decideRollback(
  rec: StateRecord,
  history: StateRecord[],
  req: RollbackRequest,
): RollbackDecision {
  const current = versionOf(rec);
  const mark = rollbackMarkOf(rec);
  const want = req.rollbackTo;
  if (mark && (!want || want === mark.to))
    return {
      kind: 'noop',
      message: `${rec.app} was already rolled back from ${mark.from} to ${mark.to} (run ${mark.runId}); nothing to do.`,
    };
  if (want && current && want === current.image)
    return { kind: 'noop', message: `${rec.app} already runs ${want}; nothing to do.` };
  const previous = previousOf(rec);
  if (!want || want === previous?.image) {
    if (!previous)
      throw refused(
        `Cannot roll back ${rec.app}: the recorded state names no previous version.`,
        'A rollback needs a promoted deploy that replaced an earlier version.',
      );
    return { kind: 'restore', target: previous, ...(current ? { from: current } : {}) };
  }
  return olderVersion(rec, history, want, req.confirm, { current, previous });
}

/** rollback-to names a version older than the one the current release replaced. */
function olderVersion(
  rec: StateRecord,
  history: StateRecord[],
  want: string,
  confirm: boolean,
  { current, previous }: { current?: VersionSpec | undefined; previous?: VersionSpec | undefined },
): RollbackDecision {
  const found = findVersion(want, [rec, ...history]);
  if (!found)
    throw refused(
      `Cannot roll back ${rec.app} to ${want}: that version is not in the recorded state (current ${current?.image ?? 'unknown'}, previous ${previous?.image ?? 'none'}).`,
      'Set rollback-to to the previous image, or deploy the version you want with action: deploy.',
    );
  if (!confirm)
    throw refused(
      `Cannot roll back ${rec.app} to ${want}: the app has moved on to ${current?.image ?? 'a newer version'}, which replaced ${previous?.image ?? 'another version'} (run ${rec.runId}).`,
      `Set confirm-rollback: true to restore ${want} anyway, or set rollback-to: ${previous?.image ?? '<image>'} to undo only the current release.`,
    );
  if (!found.deployment && !found.template)
    throw refused(
      `Cannot roll back ${rec.app} to ${want}: its spec was not recorded.`,
      `Deploy ${want} with action: deploy.`,
    );
  return { kind: 'restore', target: found, ...(current ? { from: current } : {}) };
}

/** The Deployment as recorded: no status, no server-set metadata. */
export function recordableDeployment(d: Deployment): Deployment {
  const { status: _status, ...rest } = d as Deployment & { status?: unknown };
  const meta = { ...rest.metadata };
  for (const k of ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields'] as const)
    delete (meta as Record<string, unknown>)[k];
  return { ...rest, metadata: meta } as Deployment;
}
