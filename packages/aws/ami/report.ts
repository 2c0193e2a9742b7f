// What a finished build-ami main step reports: its outputs, the job summary, and (after both are
// written) one error when cleanup or retention went wrong although the image is fine. No AWS SDK.
import { ActionError, formatDuration, Summary, type StateStore } from '@hac/toolkit';
import { State } from './state.js';
import type { BuildAmiInputs, BuildAmiResult } from './types.js';

export const Outputs = {
  amiId: 'ami-id',
  snapshotIds: 'snapshot-ids',
  amis: 'amis',
  name: 'name',
  region: 'region',
  baseAmiId: 'base-ami-id',
  deregistered: 'deregistered',
} as const;

export function summarize(inputs: BuildAmiInputs, r: BuildAmiResult): Summary {
  const s = new Summary().heading(`build-ami: ${r.name || r.amiId || 'no AMI'}`);
  s.text(
    `Engine **${inputs.engine}**, run \`${inputs.runId}\`, ${formatDuration(r.durationMs)}.${r.baseAmiId ? ` Base AMI \`${r.baseAmiId}\`.` : ''}`,
  );
  s.table(
    ['Region', 'AMI', 'Snapshots'],
    Object.entries(r.amis).map(([region, id]) => [
      region,
      id,
      (r.images[region]?.snapshotIds ?? []).join(', '),
    ]),
  );
  const rows = Object.entries(r.retention).flatMap(([region, p]) => [
    ...p.deleted.map((d) => [
      region,
      d.imageId,
      `deregistered; snapshots ${d.snapshotIds.join(', ') || 'none'} deleted`,
    ]),
    ...p.skipped.map((k) => [region, k.imageId, `kept: ${k.reason}`]),
  ]);
  if (inputs.keep !== undefined) {
    s.heading(`Retention: keep ${inputs.keep} of family "${inputs.family}"`, 3);
    s.text(rows.length ? '' : 'Nothing to remove.');
    if (rows.length) s.table(['Region', 'AMI', 'Action'], rows);
  }
  return s;
}

/** The outputs of a build (pure). */
export function buildAmiOutputs(r: BuildAmiResult): Record<string, unknown> {
  return {
    [Outputs.amiId]: r.amiId,
    [Outputs.snapshotIds]: r.snapshotIds.join(','),
    [Outputs.amis]: r.amis,
    [Outputs.name]: r.name,
    [Outputs.region]: r.region,
    [Outputs.baseAmiId]: r.baseAmiId,
    [Outputs.deregistered]: Object.values(r.retention)
      .flatMap((p) => p.deleted.map((d) => d.imageId))
      .join(','),
  };
}

export interface ReportDeps {
  state: StateStore;
  setOutputs: (outputs: Record<string, unknown>) => void;
  writeSummary: (s: Summary) => Promise<void>;
}

/** Writes the outputs and the summary, marks main done, then fails if cleanup or retention did. */
export async function reportBuildAmi(
  inputs: BuildAmiInputs,
  result: BuildAmiResult,
  deps: ReportDeps,
): Promise<void> {
  deps.setOutputs(buildAmiOutputs(result));
  await deps.writeSummary(summarize(inputs, result));
  deps.state.save(State.done, true);
  const problems = [
    ...result.cleanupErrors.map((e) => `cleanup: ${e}`),
    ...result.retentionErrors.map((e) => `retention: ${e}`),
  ];
  if (problems.length === 0) return;
  throw new ActionError(
    `The image ${result.amiId} (${result.name}) was built and is available, but:\n  - ${problems.join('\n  - ')}`,
    result.cleanupErrors.length
      ? `The post step retries the cleanup; if it also fails, delete the resources tagged hac:run-id=${inputs.runId}.`
      : 'Old images were not all removed; the next build applies retention again.',
  );
}
