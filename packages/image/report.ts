// Outputs, metadata JSON and the job summary of a build.
import { Summary } from '@hac/toolkit';
import type { BuildResult } from './build-context.js';

export const Outputs = {
  digest: 'digest',
  image: 'image',
  imageId: 'imageid',
  tags: 'tags',
  labels: 'labels',
  version: 'version',
  metadata: 'metadata',
  engine: 'engine',
} as const;

/**
 * build-push-action's `metadata` keys: buildx's metadata file as is (docker engine); for buildah the
 * same keys built from what it reports, so `fromJSON(...)['containerimage.digest']` works with both.
 */
export function builderKeys(r: BuildResult): Record<string, unknown> {
  if (r.engine === 'docker') return r.builderMetadata;
  const keys: Record<string, unknown> = {};
  if (r.digest) keys['containerimage.digest'] = r.digest;
  if (r.imageId) keys['containerimage.config.digest'] = r.imageId;
  if (r.refs.length > 0) keys['image.name'] = r.refs.join(',');
  return keys;
}

/** The metadata JSON: what build-push-action's `metadata` and metadata-action's `json` give, in one. */
export function metadataOf(r: BuildResult): Record<string, unknown> {
  return {
    ...builderKeys(r),
    engine: r.engine,
    digest: r.digest ?? null,
    image: r.image ?? null,
    images: r.images,
    imageId: r.imageId ?? null,
    tags: r.refs,
    version: r.version,
    labels: r.labels,
    pushed: r.pushed,
    retries: r.retries,
    buildMs: r.buildMs,
    pushMs: r.pushMs,
    cachedSteps: r.cachedSteps,
  };
}

export function outputsOf(r: BuildResult): Record<string, string> {
  return {
    [Outputs.digest]: r.digest ?? '',
    [Outputs.image]: r.image ?? '',
    [Outputs.imageId]: r.imageId ?? '',
    [Outputs.tags]: r.refs.join('\n'),
    [Outputs.labels]: Object.entries(r.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    [Outputs.version]: r.version,
    [Outputs.metadata]: JSON.stringify(metadataOf(r)),
    [Outputs.engine]: r.engine,
  };
}

export function summaryOf(r: BuildResult): Summary {
  const s = new Summary().heading(r.pushed.length > 0 ? 'Image pushed' : 'Image built');
  const rows: [string, string][] = [
    ['Engine', `${r.engine} (${r.engineReason})`],
    ['Image (deploy this)', r.image ? `\`${r.image}\`` : 'not pushed'],
    ['Digest', r.digest ? `\`${r.digest}\`` : '—'],
    ['Version', r.version || '—'],
    ['Tags from', r.tagSource],
    [
      'Build',
      `${(r.buildMs / 1000).toFixed(1)} s${r.cachedSteps ? `, ${r.cachedSteps} cached step(s)` : ''}`,
    ],
  ];
  if (r.pushed.length > 0)
    rows.push([
      'Push',
      `${(r.pushMs / 1000).toFixed(1)} s, ${r.retries.length} retr${r.retries.length === 1 ? 'y' : 'ies'}`,
    ]);
  s.table(['Item', 'Value'], rows);
  s.table(
    ['Tag', 'Digest', 'Attempts'],
    r.refs.map((ref) => {
      const p = r.pushed.find((x) => x.ref === ref);
      return [`\`${ref}\``, p ? `\`${p.digest}\`` : 'not pushed', p ? String(p.attempts) : '—'];
    }),
  );
  if (r.warnings.length > 0) s.list(r.warnings);
  s.details(
    'Labels',
    Object.entries(r.labels)
      .map(([k, v]) => `- \`${k}\` = ${v}`)
      .join('\n'),
  );
  return s;
}
