/**
 * What a canary rollback after promote reads from the stable Deployment: the template it runs
 * now, the one it ran before the last promote (hac.dev/previous-template), the versions before
 * that (hac.dev/versions, newest first, written at each promote) and the record's rollback mark.
 * Seen as a StateRecord, so rollback-target.ts decides for both strategies alike.
 */
import type { Deployment, PodTemplate } from '../objects.js';
import type { VersionSpec } from '../rollback-target.js';
import type { StateRecord } from '../state.js';
import { mainImage } from './build.js';
import { PREVIOUS_ANNOTATION, readRecord } from './state.js';

export const VERSIONS_ANNOTATION = 'hac.dev/versions';
const KEEP = 5;

const parse = <T>(raw: string | undefined): T | undefined => {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
};

/** A pod template as a recorded version. */
export function templateVersion(template: PodTemplate, runId?: string): VersionSpec {
  const image = mainImage({ spec: { template } });
  return { image, ...(runId ? { runId } : {}), template };
}

/** The versions recorded on the stable Deployment, newest first. */
export function recordedVersions(stable: Deployment): VersionSpec[] {
  const list = parse<VersionSpec[]>(stable.metadata.annotations?.[VERSIONS_ANNOTATION]);
  return Array.isArray(list) ? list.filter((v) => typeof v?.image === 'string' && v.template) : [];
}

/** The versions annotation once stable's template `outgoing` is replaced at a promote. */
export function versionsAfterPromote(stable: Deployment, outgoing: PodTemplate): string {
  const out = templateVersion(outgoing);
  const kept = recordedVersions(stable).filter((v) => v.image !== out.image);
  return JSON.stringify([out, ...kept].slice(0, KEEP));
}

/** The stable Deployment's canary state as a StateRecord (current, previous, history, mark). */
export function canaryStateView(stable: Deployment): { rec: StateRecord; history: StateRecord[] } {
  const rec = readRecord(stable);
  const template = stable.spec.template;
  const prevTemplate = parse<PodTemplate>(stable.metadata.annotations?.[PREVIOUS_ANNOTATION]);
  const spec = templateVersion(template, rec?.phase === 'promoted' ? rec.runId : undefined);
  const previous = prevTemplate ? templateVersion(prevTemplate) : undefined;
  const view: StateRecord = {
    app: stable.metadata.name as string,
    strategy: 'canary',
    runId: rec?.runId ?? '-',
    phase: rec?.phase ?? 'none',
    image: spec.image,
    ...(previous ? { previousImage: previous.image } : {}),
    updatedAt: rec?.updatedAt ?? '',
    extra: {
      spec,
      ...(previous ? { previous } : {}),
      ...(rec?.rollback ? { rollback: rec.rollback } : {}),
    },
  };
  const history = recordedVersions(stable).map((v): StateRecord => ({
    ...view,
    image: v.image,
    extra: { spec: v },
  }));
  return { rec: view, history };
}
