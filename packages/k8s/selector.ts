// Label selectors: formatting, matching, and the diff/patch of a Service selector.
import type { Labels } from './objects.js';

/** app=x,color=blue (sorted, for stable output). */
export function selectorString(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

export function matchesSelector(selector: Labels, labels: Labels | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export interface SelectorChange {
  key: string;
  from?: string;
  to?: string;
}

export function diffSelector(before: Labels | undefined, after: Labels): SelectorChange[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after)])].sort();
  const out: SelectorChange[] = [];
  for (const key of keys) {
    const from = before?.[key];
    const to = after[key];
    if (from !== to)
      out.push({ key, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
  }
  return out;
}

/** A unified-diff style rendering of a selector change. */
export function renderSelectorDiff(before: Labels | undefined, after: Labels): string {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after)])].sort();
  const lines: string[] = [];
  for (const k of keys) {
    const from = before?.[k];
    const to = after[k];
    if (from === to) lines.push(`  ${k}: ${to}`);
    else {
      if (from !== undefined) lines.push(`- ${k}: ${from}`);
      if (to !== undefined) lines.push(`+ ${k}: ${to}`);
    }
  }
  return lines.join('\n');
}

/** The merge patch that turns selector `before` into `after` (removed keys become null). */
export function selectorPatch(before: Labels | undefined, after: Labels): Record<string, string | null> {
  const patch: Record<string, string | null> = {};
  for (const c of diffSelector(before, after)) patch[c.key] = c.to ?? null;
  return patch;
}
