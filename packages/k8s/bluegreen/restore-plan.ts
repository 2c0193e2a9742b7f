// action: rollback as pure data: which color the restored version runs in, whether its
// Deployment must be re-created from the recorded spec, and that Deployment in its color.
import { containersOf } from '../images.js';
import type { Deployment } from '../objects.js';
import type { VersionSpec } from '../rollback-target.js';
import type { StateRecord } from '../state.js';
import { COLOR_LABEL, colorDeploymentName, otherColor, type Color } from './plan.js';

const isColor = (v: unknown): v is Color => v === 'blue' || v === 'green';

/** The idle color the target is restored into: its own, unless that color serves now. */
export function restoreColor(rec: StateRecord, target: VersionSpec): { to: Color; from: Color } {
  const from = rec.activeColor as Color;
  const own = isColor(target.color) ? target.color : rec.previousColor;
  return { from, to: isColor(own) && own !== from ? own : otherColor(from) };
}

const imagesOf = (d: Deployment | undefined): string =>
  d
    ? containersOf(d)
        .map((c) => c.image ?? '')
        .join(',')
    : '';

/** The color's Deployment is missing or runs other images than the target: re-create it. */
export function needsRecreate(live: Deployment | undefined, target: VersionSpec): boolean {
  if (!live) return true;
  return target.deployment ? imagesOf(live) !== imagesOf(target.deployment) : false;
}

const withColor = (labels: Record<string, string> | undefined, color: Color) =>
  labels && COLOR_LABEL in labels ? { ...labels, [COLOR_LABEL]: color } : labels;

/** The recorded Deployment, moved into `color` (name, labels, selector, pod labels), at `replicas`. */
export function recolor(
  d: Deployment,
  app: string,
  color: Color,
  replicas: number,
  annotations: Record<string, string>,
): Deployment {
  const out = structuredClone(d);
  out.metadata = {
    ...out.metadata,
    name: colorDeploymentName(app, color),
    labels: { ...(out.metadata.labels ?? {}), [COLOR_LABEL]: color },
    annotations: { ...(out.metadata.annotations ?? {}), ...annotations },
  };
  const matchLabels = withColor(out.spec.selector?.matchLabels, color);
  if (matchLabels) out.spec.selector = { ...out.spec.selector, matchLabels };
  const tmeta = out.spec.template.metadata ?? {};
  out.spec.template.metadata = { ...tmeta, labels: { ...(tmeta.labels ?? {}), [COLOR_LABEL]: color } };
  out.spec.replicas = replicas;
  return out;
}
