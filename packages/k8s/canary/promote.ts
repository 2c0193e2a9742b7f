/**
 * Promotion: stable takes the canary's pod template (a rolling update, waited for), then the
 * canary goes. Routed methods first send all traffic to a full-size canary and unpin stable's
 * Service, so it keeps ready pods (stable's and the canary's) while stable rolls.
 */
import { isConflict } from '../errors.js';
import type { Deployment } from '../objects.js';
import { mainImage, promotedTemplate, versionOf } from './build.js';
import { DEPLOYMENT, rolledOut, saveRecord, type RunContext } from './context.js';
import { removeCanary } from './rollback.js';
import { versionsAfterPromote, VERSIONS_ANNOTATION } from './rollback-state.js';
import { PREVIOUS_ANNOTATION, type CanaryRecord } from './state.js';
import { scaleCanary } from './steps.js';
import { setWeight, unpinStableService } from './traffic.js';

export async function promote(ctx: RunContext): Promise<void> {
  const rec = ctx.rec as CanaryRecord;
  const r = ctx.result;
  await saveRecord(ctx, { phase: 'promoting' });
  const canary = await ctx.c.get<Deployment>({ ...DEPLOYMENT, name: rec.canary });
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

/** Replaces stable's pod template with the canary's, keeping the old ones for an abort or a rollback (retried on conflict). */
async function replaceStableTemplate(ctx: RunContext, rec: CanaryRecord, canary: Deployment): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const stable = await ctx.c.get<Deployment>({ ...DEPLOYMENT, name: rec.stable });
    const { template, kept } = promotedTemplate(
      canary.spec.template,
      stable.spec.selector?.matchLabels ?? {},
    );
    if (attempt === 0 && kept.length > 0) {
      ctx.result.warnings.push(
        `Labels ${kept.join(', ')} are in stable's (immutable) selector, so the promoted pods keep stable's values for them.`,
      );
    }
    stable.metadata.annotations = {
      ...(stable.metadata.annotations ?? {}),
      [PREVIOUS_ANNOTATION]: JSON.stringify(stable.spec.template),
      // The versions before, so a later rollback can restore an older one (rollback-to).
      [VERSIONS_ANNOTATION]: versionsAfterPromote(stable, stable.spec.template),
    };
    stable.spec.template = template;
    if (!rec.hpa) stable.spec.replicas = rec.baseReplicas;
    try {
      await ctx.c.replace(stable);
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= 5) throw err;
    }
  }
}
