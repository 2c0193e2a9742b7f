/** Outputs and the job summary of a canary run (pure builders; the action writes them). */
import { Summary, formatDuration } from '@hac/toolkit';
import { gateSummary } from '@hac/probe';
import type { CanaryResult } from './types.js';

export const Outputs = {
  verdict: 'verdict',
  phase: 'phase',
  version: 'version',
  previousVersion: 'previous-version',
  image: 'image',
  previousImage: 'previous-image',
  weight: 'weight',
  reason: 'rollback-reason',
  requests: 'api-requests',
  analysisScore: 'analysis-score',
  analysisVerdicts: 'analysis-verdicts',
} as const;

/** analysis: baseline: the last judgement's score, and every judgement as JSON ({step, window, score, verdict}). */
export function analysisOutputs(r: CanaryResult): Record<string, string> {
  const all = r.analysis ?? [];
  const last = all[all.length - 1];
  return {
    [Outputs.analysisScore]: last ? String(last.score) : '',
    [Outputs.analysisVerdicts]: all.length
      ? JSON.stringify(
          all.map((a) => ({ step: a.step, window: a.attempt, score: a.score, verdict: a.verdict })),
        )
      : '',
  };
}

export function canaryOutputs(r: CanaryResult, requests?: number): Record<string, string> {
  const rolledBack = r.verdict === 'rolled-back' || r.verdict === 'aborted';
  return {
    [Outputs.verdict]: r.verdict,
    [Outputs.phase]: r.phase ?? '',
    // The version that serves traffic now: the new one after promote, the old one after an abort.
    [Outputs.version]: rolledBack ? r.previousVersion : r.version,
    [Outputs.previousVersion]: rolledBack ? r.version : r.previousVersion,
    [Outputs.image]: rolledBack ? r.previousImage : r.image,
    [Outputs.previousImage]: rolledBack ? r.image : r.previousImage,
    [Outputs.weight]: String(r.weight),
    [Outputs.reason]: r.reason ?? '',
    ...analysisOutputs(r),
    ...(requests !== undefined ? { [Outputs.requests]: String(requests) } : {}),
  };
}

const ICONS: Record<CanaryResult['verdict'], string> = {
  promoted: '✅',
  initial: '✅',
  paused: '⏸️',
  planned: '📝',
  'rolled-back': '❌',
  aborted: '↩️',
};

export function canarySummary(
  r: CanaryResult,
  opts: { namespace: string; route: string; dryRun: boolean },
): Summary {
  const s = new Summary();
  s.heading(`${ICONS[r.verdict]} k8s-canary ${r.action}: ${r.name} — ${r.verdict}`);
  s.text(
    `Namespace \`${opts.namespace}\`, route \`${opts.route}\`. ${r.previousImage ? `\`${r.previousImage}\` → ` : ''}\`${r.image}\`. Canary weight now: ${r.weight}%.`,
  );
  if (r.reason) s.text(`**Reason:** ${r.reason}`);
  for (const w of r.warnings) s.text(`⚠️ ${w}`);
  planSection(s, r, opts.dryRun);
  timelineSection(s, r);
  analysisSection(s, r);
  baselineSection(s, r);
  if (r.verdict === 'paused') {
    s.text('Next: run this action with `action: promote` (e.g. after a manual approval) or `action: abort`.');
  }
  return s;
}

/** The plan (plan.ts): its rows, and on a dry run the writes it would make; the route diff. */
function planSection(s: Summary, r: CanaryResult, dryRun: boolean): void {
  if (r.plan.length > 0) {
    s.heading(dryRun ? 'Plan (replica math per step)' : 'Replica math per step', 3);
    const baseline = r.plan.some((p) => p.baseline !== undefined);
    s.table(
      ['step', 'weight', 'stable', 'canary', ...(baseline ? ['baseline'] : []), 'actual share', 'note'],
      r.plan.map((p, i) => [
        i + 1,
        `${p.weight}%`,
        p.stable,
        p.canary,
        ...(baseline ? [p.baseline ?? 0] : []),
        `${p.actual}%`,
        p.note ?? '',
      ]),
    );
    if (baseline)
      s.text(
        "The baseline runs stable's version at the canary's size; its traffic counts as stable traffic (route replicas: its pods come out of stable's; routed: it gets the canary's weight, out of stable's).",
      );
  }
  if (dryRun && r.objects.length > 0) {
    s.heading('Objects (all passed a server-side dry run)', 3);
    s.list(r.objects.map((o) => `\`${o}\``));
  }
  if (r.routeDiff) s.text(`**Route:** ${r.routeDiff}`);
}

function timelineSection(s: Summary, r: CanaryResult): void {
  if (r.timeline.length === 0) return;
  s.heading('Timeline', 3);
  s.table(
    ['step', 'weight', 'stable / canary pods', 'actual', 'gates', 'result', 'took'],
    r.timeline.map((t) => [
      t.step,
      `${t.weight}%`,
      `${t.stable} / ${t.canary}`,
      `${t.actual}%`,
      t.gates,
      t.passed ? 'passed' : 'FAILED',
      formatDuration(t.ms),
    ]),
  );
}

/** Each step's metric values, and the details of every failed gate. */
function analysisSection(s: Summary, r: CanaryResult): void {
  for (const m of r.metricResults) {
    const table = new Summary().table(
      ['metric', 'value', 'result', 'query'],
      m.results.map((x) => [
        x.name,
        x.value ?? 'n/a',
        x.passed ? 'passed' : `FAILED: ${x.reason}`,
        `\`${x.query}\``,
      ]),
    );
    s.details(`Step ${m.step} metrics`, table.toString());
  }
  for (const g of r.gateReports) {
    if (!g.report.passed)
      s.details(`Step ${g.step} ${g.label} checks`, gateSummary(g.report, `${g.label} checks`).toString());
  }
}

/** analysis: baseline: one table (and the deciding metric's chart) per judged window. */
function baselineSection(s: Summary, r: CanaryResult): void {
  if (!r.analysis?.length) return;
  s.heading('Analysis against the baseline', 3);
  for (const a of r.analysis) s.text(a.summary);
}

/** Outputs of a run that failed before it changed traffic: what serves now is not known here. */
export function failedOutputs(requests?: number): Record<string, string> {
  return {
    [Outputs.verdict]: 'failed',
    [Outputs.phase]: '',
    [Outputs.version]: '',
    [Outputs.previousVersion]: '',
    [Outputs.image]: '',
    [Outputs.previousImage]: '',
    [Outputs.weight]: '',
    [Outputs.reason]: '',
    [Outputs.analysisScore]: '',
    [Outputs.analysisVerdicts]: '',
    ...(requests !== undefined ? { [Outputs.requests]: String(requests) } : {}),
  };
}
