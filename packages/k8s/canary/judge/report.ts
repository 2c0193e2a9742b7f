/**
 * The job-summary section of a judged step: one Markdown table (metric, medians, U, p, effect,
 * verdict), the score and the step's verdict, then a Mermaid xychart of canary against baseline
 * for the metric that decided. Pure.
 */
import type { StepJudgement } from './judge.js';
import type { RangeSeries } from './prometheus.js';

/** The most points a chart line shows; longer series are averaged into buckets. */
export const CHART_POINTS = 24;

function fmt(v: number | undefined, digits = 4): string {
  if (v === undefined) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : v < 0 ? '-∞' : 'NaN';
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return String(+v.toPrecision(digits));
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

const ICON = { pass: '✅ pass', fail: '❌ fail', 'no-data': '⚪ no data', marginal: '🟡 marginal' } as const;

/** The table of one step. */
export function stepTable(title: string, j: StepJudgement): string {
  const rows = j.metrics.map((m) =>
    [
      cell(m.name) + (m.critical ? ' (critical)' : ''),
      `${fmt(m.canaryMedian)} (n=${m.canaryCount})`,
      `${fmt(m.baselineMedian)} (n=${m.baselineCount})`,
      fmt(m.u, 6),
      fmt(m.p, 3),
      m.effect === undefined ? '–' : `×${fmt(m.effect, 3)}`,
      `${ICON[m.verdict]}: ${cell(m.reason)}`,
    ].join(' | '),
  );
  return [
    `### ${cell(title)}`,
    '',
    '| metric | canary median | baseline median | U | p | effect (canary/baseline) | verdict |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r} |`),
    '',
    `**Score ${fmt(j.score, 4)} / 100: ${ICON[j.verdict]}** (${cell(j.reason)})`,
  ].join('\n');
}

/** Averages `values` into at most `points` buckets. */
export function downsample(values: readonly number[], points: number = CHART_POINTS): number[] {
  if (values.length <= points) return [...values];
  const out: number[] = [];
  for (let b = 0; b < points; b++) {
    const from = Math.floor((b * values.length) / points);
    const to = Math.floor(((b + 1) * values.length) / points);
    const slice = values.slice(from, to);
    out.push(slice.reduce((s, v) => s + v, 0) / slice.length);
  }
  return out;
}

/** A Mermaid xychart of the canary's and the baseline's series (canary first, baseline second). */
export function comparisonChart(
  metric: string,
  series: { canary: RangeSeries; baseline: RangeSeries },
): string {
  const canary = downsample(series.canary.values.filter(Number.isFinite));
  const baseline = downsample(series.baseline.values.filter(Number.isFinite));
  const all = [...canary, ...baseline];
  if (all.length === 0) return '';
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = hi === lo ? Math.abs(hi) * 0.1 || 1 : (hi - lo) * 0.1;
  const n = Math.max(canary.length, baseline.length);
  const list = (v: number[]) => `[${v.map((x) => fmt(x, 4)).join(', ')}]`;
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${metric.replace(/"/g, "'")}: canary (first line) vs baseline (second line)"`,
    `    x-axis "sample" 1 --> ${Math.max(n, 2)}`,
    `    y-axis "${metric.replace(/"/g, "'")}" ${fmt(lo - pad, 4)} --> ${fmt(hi + pad, 4)}`,
    `    line ${list(canary)}`,
    `    line ${list(baseline)}`,
    '```',
  ].join('\n');
}

/** The whole step section: the table, then the chart of the deciding metric when it has data. */
export function stepReport(
  title: string,
  j: StepJudgement,
  series: Record<string, { canary: RangeSeries; baseline: RangeSeries }>,
): string {
  const table = stepTable(title, j);
  const s = j.deciding === undefined ? undefined : series[j.deciding];
  const chart = s ? comparisonChart(j.deciding!, s) : '';
  return chart ? `${table}\n\nDeciding metric **${cell(j.deciding!)}**:\n\n${chart}\n` : `${table}\n`;
}
