// The smoke-test step: run the gate the inputs describe, then report it (outputs, job summary,
// one annotation per failed part, and a hint saying what to do next).
import { ActionError, formatDuration, maskSecret, type ActionDeps } from '@hac/toolkit';
import { runGate } from './gate.js';
import { Outputs } from './inputs.js';
import type { SmokeInputs } from './resolve.js';
import { percentile } from './stats.js';
import { gateAnnotations, gateSummary } from './summary.js';
import type { GateReport, GateSpec } from './types.js';

export interface SmokeResult {
  report: GateReport;
  gate: GateSpec;
  title: string;
}

/** p50/p95/p99 of the load phase, or of the checks' last latencies when there is none. */
export function latencyOutputs(report: GateReport): { p50?: number; p95?: number; p99?: number } {
  if (report.load) return { p50: report.load.p50, p95: report.load.p95, p99: report.load.p99 };
  const lat = report.checks
    .flatMap((c) => (c.latencyMs === undefined ? [] : [c.latencyMs]))
    .sort((a, b) => a - b);
  if (lat.length === 0) return {};
  return { p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99) };
}

function checksHint(report: GateReport, gate: GateSpec): string {
  if (report.checks.some((c) => c.reason?.includes('TLS verification failed')))
    return "Give the server's CA with ca or ca-file (or insecure: true for a test endpoint), then re-run.";
  const refused = report.checks.some(
    (c) => c.reason?.includes('connection refused') || c.reason?.includes('no response'),
  );
  const wait = gate.waitMs ? `wait-for is ${formatDuration(gate.waitMs)}` : 'wait-for is 0 (one attempt)';
  return refused
    ? `The service did not answer. Check that it is deployed and reachable from the runner; if it needs longer to start, raise wait-for (${wait}).`
    : `See the failed checks in the job summary: fix the service or the expectation; if it needs longer to become healthy, raise wait-for (${wait}).`;
}

/** What to do next after a failed gate. */
export function failureHint(report: GateReport, gate: GateSpec): string {
  if (report.checks.some((c) => !c.passed)) return checksHint(report, gate);
  if (report.load && !report.load.passed)
    return 'The service is too slow or erroring under load: look at its logs and resources, or relax max-p95/max-error-rate if the limits are too strict.';
  if (report.distribution && !report.distribution.passed)
    return 'Traffic is not split as expected: check the traffic weights (canary setWeight, ingress annotations) and that the new version answers with the matched text.';
  return 'See the job summary for details.';
}

/** Runs the gate. A cancelled run sets passed=false and fails without a verdict. */
export async function runSmoke(inputs: SmokeInputs, deps: ActionDeps): Promise<SmokeResult> {
  const { gate, title } = inputs;
  for (const s of inputs.secrets) maskSecret(s);
  const { signal, log } = deps;
  const what = gate.checks.length === 1 ? (gate.checks[0]?.url ?? '') : `${gate.checks.length} checks`;
  log.info(`smoke-test: ${what}${gate.waitMs ? `, waiting up to ${formatDuration(gate.waitMs)}` : ''}`);
  try {
    const report = await runGate(gate, {
      signal,
      log: (l) => log.info(l),
      sleep: deps.sleep,
      clock: deps.clock,
    });
    return { report, gate, title };
  } catch (err) {
    if (!signal.aborted) throw err;
    deps.setOutputs({ [Outputs.Passed]: 'false' });
    throw new ActionError(
      'Smoke test cancelled before it finished; no verdict.',
      'Re-run the job to get a verdict.',
      {
        cause: err,
      },
    );
  }
}

/** Outputs, the job summary and annotations; fails the step when the gate failed. */
export async function reportSmoke({ report, gate, title }: SmokeResult, deps: ActionDeps): Promise<void> {
  const p = latencyOutputs(report);
  deps.setOutputs({
    [Outputs.Passed]: String(report.passed),
    [Outputs.Report]: JSON.stringify(report),
    [Outputs.P50]: p.p50 === undefined ? undefined : String(p.p50),
    [Outputs.P95]: p.p95 === undefined ? undefined : String(p.p95),
    [Outputs.P99]: p.p99 === undefined ? undefined : String(p.p99),
  });
  await deps.writeSummary(gateSummary(report, title));
  for (const a of gateAnnotations(report)) deps.log.error(a.message, { title: a.title });
  if (!report.passed) throw new ActionError(`Smoke test failed: ${report.reason}`, failureHint(report, gate));
  deps.log.info(`smoke-test: passed in ${formatDuration(report.durationMs)}`);
}
