/**
 * Promotion: stable takes the canary's pod template (a rolling update, waited for), then the
 * canary goes. Routed methods first send all traffic to a full-size canary and unpin stable's
 * Service, so it keeps ready pods (stable's and the canary's) while stable rolls.
 */
import { ApiError } from '../errors.js';
import { jsonPointer, type JsonPatchOp } from '../client.js';
import type { Deployment, PodTemplate } from '../objects.js';
import { mainImage, promotedTemplate, versionOf } from './build.js';
import { DEPLOYMENT, isoNow, rolledOut, saveRecord, type RunContext } from './context.js';
import { removeCanary } from './rollback.js';
import { versionsAfterPromote, VERSIONS_ANNOTATION } from './rollback-state.js';
import { PREVIOUS_ANNOTATION, STATE_ANNOTATION, type CanaryRecord } from './state.js';
import { scaleCanary } from './steps.js';
import { setWeight, unpinStableService } from './traffic.js';

export async function promote(ctx: RunContext): Promise<void> {
  const rec = ctx.rec as CanaryRecord;
  const r = ctx.result;
  // The canary as this run last wrote or read it (its template is what stable takes).
  const canary = ctx.canary ?? (await ctx.c.get<Deployment>({ ...DEPLOYMENT, name: rec.canary }));
  if (rec.route !== 'replicas') {
    await scaleCanary(ctx, rec.baseReplicas);
    await setWeight(ctx.c, rec, 100);
    await unpinStableService(ctx.c, rec);
  }
  await replaceStableTemplate(ctx, rec, canary);
  await rolledOut(ctx, rec.stable);
  await removeCanary(ctx.c, rec);
  await saveRecord(ctx, { phase: 'promoted', weight: 0 });
  r.phase = 'promoted';
  r.weight = 0;
  r.image = mainImage({ spec: { template: canary.spec.template } });
  r.version = versionOf(canary.spec.template);
}

/**
 * The one write that promotes (pure): stable's pod template replaced by `template` (and its size
 * restored without an HPA), the old template and versions kept for an abort or a rollback, and
 * the record in phase promoting, all at once. The `test` makes it apply only to the template the
 * old one was read from (status changes do not matter, unlike a resourceVersion).
 */
export function promotionPatch(
  stable: Deployment,
  template: PodTemplate,
  o: { record: CanaryRecord; replicas?: number },
): JsonPatchOp[] {
  const annotations: Record<string, string> = {
    [PREVIOUS_ANNOTATION]: JSON.stringify(stable.spec.template),
    // The versions before, so a later rollback can restore an older one (rollback-to).
    [VERSIONS_ANNOTATION]: versionsAfterPromote(stable, stable.spec.template),
    [STATE_ANNOTATION]: JSON.stringify(o.record),
  };
  const ops: JsonPatchOp[] = [
    { op: 'test', path: '/spec/template', value: stable.spec.template },
    { op: 'replace', path: '/spec/template', value: template },
  ];
  if (o.replicas !== undefined) ops.push({ op: 'add', path: '/spec/replicas', value: o.replicas });
  if (!stable.metadata.annotations)
    return [...ops, { op: 'add', path: '/metadata/annotations', value: annotations }];
  for (const [key, value] of Object.entries(annotations))
    ops.push({ op: 'add', path: jsonPointer('metadata', 'annotations', key), value });
  return ops;
}

/**
 * Stable takes the canary's template. When its template changed since it was read (the test fails:
 * 422), it is read again: the old template recorded must be the one stable ran, never the canary's.
 */
async function replaceStableTemplate(ctx: RunContext, rec: CanaryRecord, canary: Deployment): Promise<void> {
  const ref = { ...DEPLOYMENT, name: rec.stable };
  let stable = ctx.stable ?? (await ctx.c.get<Deployment>(ref));
  for (let attempt = 0; ; attempt++) {
    const { template, kept } = promotedTemplate(
      canary.spec.template,
      stable.spec.selector?.matchLabels ?? {},
    );
    if (attempt === 0 && kept.length > 0) {
      ctx.result.warnings.push(
        `Labels ${kept.join(', ')} are in stable's (immutable) selector, so the promoted pods keep stable's values for them.`,
      );
    }
    const record: CanaryRecord = { ...rec, phase: 'promoting', updatedAt: isoNow(ctx) };
    const replicas = rec.hpa ? undefined : rec.baseReplicas;
    try {
      ctx.stable = await ctx.c.jsonPatch<Deployment>(
        ref,
        promotionPatch(stable, template, { record, replicas }),
      );
      Object.assign(rec, record);
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 422) || attempt >= 2) throw err;
      stable = await ctx.c.get<Deployment>(ref);
      // A retry of a write that had landed (its answer lost) fails the test: it is done.
      if (stable.metadata.annotations?.[STATE_ANNOTATION] === JSON.stringify(record)) {
        ctx.stable = stable;
        Object.assign(rec, record);
        return;
      }
    }
  }
}
