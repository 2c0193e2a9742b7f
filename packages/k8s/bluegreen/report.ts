// The job summary of a blue-green run: verdict, outputs, timeline, gates, and the plan of a dry run.
import { Summary, formatDuration, type Timeline } from '@hac/toolkit';
import { describeObject } from '../objects.js';
import { describeWrite } from '../preflight.js';
import { renderSelectorDiff } from '../selector.js';
import type { Labels } from '../objects.js';
import { plannedWrites, type BlueGreenPlan, type RouteRule, type SwitchPlan } from './plan.js';
import type { BlueGreenResult } from './types.js';

/** A readable rendering of the switch, for the dry-run plan. */
export function renderSwitch(sw: SwitchPlan): string {
  if (sw.kind === 'service') {
    const head = sw.create
      ? `Service/${sw.ref.name} (created at the switch)`
      : `Service/${sw.ref.name} spec.selector${sw.apply ? ' (the Service applied at the switch)' : ''}`;
    return `${head}\n${renderSelectorDiff(sw.beforeSelector, sw.afterSelector as Labels)}`;
  }
  const names = (rules: RouteRule[] | undefined) =>
    (rules ?? []).map((r) =>
      (r.backendRefs ?? [])
        .map((b) => `${b.name}${b.weight !== undefined ? `(${b.weight})` : ''}`)
        .join(', '),
    );
  const before = names(sw.beforeRules);
  const after = names(sw.afterRules);
  return [
    `HTTPRoute/${sw.ref.name} backendRefs`,
    ...before.flatMap((b, i) =>
      b === after[i] ? [`  rule ${i + 1}: ${b}`] : [`- rule ${i + 1}: ${b}`, `+ rule ${i + 1}: ${after[i]}`],
    ),
  ].join('\n');
}

/** The plan of a run as Markdown: objects, the switch diff and the replica math. */
export function planMarkdown(plan: BlueGreenPlan, annotations: Record<string, string>): string {
  const s = new Summary();
  s.heading('Plan', 3);
  s.table(
    ['#', 'write', 'when'],
    plannedWrites(plan, annotations).map((w, i, all) => [
      i + 1,
      describeWrite(w),
      i === all.length - 1 ? 'switch' : 'deploy',
    ]),
  );
  s.text('**Traffic switch** (one write):');
  s.code(renderSwitch(plan.switch), 'diff');
  const old = plan.oldColor ? `${plan.app}-${plan.oldColor}` : undefined;
  s.text('**Replica math:**');
  s.list([
    `new color ${plan.newColor}: Deployment ${describeObject(plan.deployment)} with ${plan.replicas} replica(s)`,
    old
      ? `old color ${plan.oldColor}: ${old} keeps its replicas until the switch has passed its gate and keep-old-for, then is retired`
      : 'first deploy: no old color',
    `peak: ${plan.replicas} new + the old color's replicas (blue-green needs room for both)`,
  ]);
  return s.toString();
}

export function runSummary(result: BlueGreenResult, timeline: Timeline, action: string): Summary {
  const icon =
    result.verdict === 'promoted' ||
    result.verdict === 'planned' ||
    result.verdict === 'previewing' ||
    result.verdict === 'aborted'
      ? '✅'
      : result.verdict === 'rolled-back'
        ? '↩️'
        : '❌';
  const s = new Summary().heading(`${icon} k8s-bluegreen ${action}: ${result.app} — ${result.verdict}`);
  if (result.rollbackReason) s.text(`**Rollback reason:** ${result.rollbackReason}`);
  s.table(
    ['output', 'value'],
    [
      ['active color', result.activeColor ?? '—'],
      ['previous color', result.previousColor ?? '—'],
      ['image', result.image ?? '—'],
      ['previous image', result.previousImage ?? '—'],
      ['API requests', result.requests],
    ],
  );
  s.heading('Timeline', 3);
  s.table(['at', 'step', 'result', 'took', 'detail'], timeline.rows());
  for (const g of result.gates) s.text(g.markdown);
  if (result.planMarkdown) s.text(result.planMarkdown);
  s.text(`_Total: ${formatDuration(timeline.entries.at(-1)?.at ?? 0)}_`);
  return s;
}
