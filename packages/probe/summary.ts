import { Summary, formatDuration } from '@hac/toolkit';
import type { DistributionResult, GateReport, LoadResult } from './types.js';
import { pct } from './load.js';

const mark = (ok: boolean) => (ok ? '✅ pass' : '❌ fail');

/** One row per check. */
function checksTable(s: Summary, checks: GateReport['checks']): void {
  s.table(
    ['Check', 'URL', 'Status', 'Latency', 'Attempts', 'Result', 'Why'],
    checks.map((c) => [
      c.name,
      `${c.method} ${c.url}`,
      c.status ?? '—',
      c.latencyMs === undefined ? '—' : `${Math.round(c.latencyMs)} ms`,
      c.attempts,
      mark(c.passed),
      c.reason ?? '',
    ]),
  );
}

function loadSection(s: Summary, l: LoadResult): void {
  s.heading('Load phase', 3);
  s.table(
    ['Requests', 'Concurrency', 'Req/s', 'p50', 'p95', 'p99', 'Max', 'Error rate', 'Result'],
    [
      [
        l.requests,
        l.concurrency,
        l.rps,
        `${l.p50} ms`,
        `${l.p95} ms`,
        `${l.p99} ms`,
        `${l.max} ms`,
        pct(l.errorRate),
        mark(l.passed),
      ],
    ],
  );
  if (l.reasons.length) s.list(l.reasons);
  const statuses = Object.entries(l.statuses).map(([k, v]) => `${k}: ${v}`);
  if (statuses.length) s.text(`Responses: ${statuses.join(', ')}`);
}

function distributionSection(s: Summary, d: DistributionResult): void {
  s.heading('Traffic distribution', 3);
  s.table(
    ['URL', 'Samples', 'Matched', 'Errors', 'Fraction', 'Expected', 'Result'],
    [[d.url, d.samples, d.matched, d.errors, pct(d.fraction), `${pct(d.min)}–${pct(d.max)}`, mark(d.passed)]],
  );
  if (d.reason) s.text(d.reason);
}

/** A job summary for a gate: one row per check, then the load phase and the distribution. */
export function gateSummary(report: GateReport, title = 'Smoke test'): Summary {
  const s = new Summary().heading(`${report.passed ? '✅' : '❌'} ${title}`);
  s.text(
    report.passed
      ? `All checks passed in ${formatDuration(report.durationMs)}.`
      : `**Failed:** ${report.reason ?? 'unknown'}`,
  );
  checksTable(s, report.checks);
  if (report.load) loadSection(s, report.load);
  if (report.distribution) distributionSection(s, report.distribution);
  return s;
}

/** One error annotation per failed part of the gate: what was expected and what came back. */
export function gateAnnotations(report: GateReport): Array<{ title: string; message: string }> {
  const out = report.checks
    .filter((c) => !c.passed)
    .map((c) => ({
      title: `Check failed: ${c.name}`,
      message: `${c.method} ${c.url}: ${c.reason ?? 'failed'} after ${c.attempts} attempt${c.attempts === 1 ? '' : 's'}`,
    }));
  if (report.load && !report.load.passed)
    out.push({
      title: 'Load phase failed',
      message: `${report.load.url}: ${report.load.reasons.join('; ')}`,
    });
  if (report.distribution && !report.distribution.passed)
    out.push({
      title: 'Traffic distribution failed',
      message: `${report.distribution.url}: ${report.distribution.reason}`,
    });
  return out;
}
