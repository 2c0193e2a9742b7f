// The smoke-test action: read inputs, run the gate, then report (outputs, summary, annotations).
import {
  ActionError,
  annotateError,
  cancellationSignal,
  envInputs,
  formatDuration,
  info,
  maskSecret,
  setOutputs,
  type Clock,
  type InputSource,
  type Sleep,
  type Summary,
} from '@hac/toolkit';
import {
  gateAnnotations,
  gateSummary,
  percentile,
  runGate,
  type GateReport,
  type GateSpec,
} from '@hac/probe';
import { Outputs, readSmokeInputs, type ContextDeps } from './context.js';

export interface RunDeps {
  source?: InputSource;
  signal?: AbortSignal;
  context?: ContextDeps;
  log?: (line: string) => void;
  setOutput?: (name: string, value: string) => void;
  annotate?: (message: string, title: string) => void;
  writeSummary?: (summary: Summary) => Promise<void>;
  sleep?: Sleep;
  clock?: Clock;
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

/** What to do next after a failed gate. */
export function failureHint(report: GateReport, gate: GateSpec): string {
  if (report.checks.some((c) => !c.passed)) {
    const tls = report.checks.some((c) => c.reason?.includes('TLS verification failed'));
    if (tls)
      return "Give the server's CA with ca or ca-file (or insecure: true for a test endpoint), then re-run.";
    const refused = report.checks.some(
      (c) => c.reason?.includes('connection refused') || c.reason?.includes('no response'),
    );
    const wait = gate.waitMs ? `wait-for is ${formatDuration(gate.waitMs)}` : 'wait-for is 0 (one attempt)';
    return refused
      ? `The service did not answer. Check that it is deployed and reachable from the runner; if it needs longer to start, raise wait-for (${wait}).`
      : `See the failed checks in the job summary: fix the service or the expectation; if it needs longer to become healthy, raise wait-for (${wait}).`;
  }
  if (report.load && !report.load.passed)
    return 'The service is too slow or erroring under load: look at its logs and resources, or relax max-p95/max-error-rate if the limits are too strict.';
  if (report.distribution && !report.distribution.passed)
    return 'Traffic is not split as expected: check the traffic weights (canary setWeight, ingress annotations) and that the new version answers with the matched text.';
  return 'See the job summary for details.';
}

/** Runs the smoke-test action end to end. Throws ActionError (or InputError) when the step must fail. */
export async function run(deps: RunDeps = {}): Promise<GateReport> {
  const log = deps.log ?? info;
  const { gate, title, secrets } = readSmokeInputs(deps.source ?? envInputs(), deps.context);
  for (const s of secrets) maskSecret(s);
  const signal = deps.signal ?? cancellationSignal();
  const what = gate.checks.length === 1 ? (gate.checks[0]?.url ?? '') : `${gate.checks.length} checks`;
  log(`smoke-test: ${what}${gate.waitMs ? `, waiting up to ${formatDuration(gate.waitMs)}` : ''}`);
  let report: GateReport;
  try {
    report = await runGate(gate, { signal, log, sleep: deps.sleep, clock: deps.clock });
  } catch (err) {
    if (signal.aborted) {
      setOutputs({ [Outputs.Passed]: 'false' }, deps.setOutput);
      throw new ActionError(
        'Smoke test cancelled before it finished; no verdict.',
        'Re-run the job to get a verdict.',
        { cause: err },
      );
    }
    throw err;
  }
  const p = latencyOutputs(report);
  setOutputs(
    {
      [Outputs.Passed]: String(report.passed),
      [Outputs.Report]: JSON.stringify(report),
      [Outputs.P50]: p.p50 === undefined ? undefined : String(p.p50),
      [Outputs.P95]: p.p95 === undefined ? undefined : String(p.p95),
      [Outputs.P99]: p.p99 === undefined ? undefined : String(p.p99),
    },
    deps.setOutput,
  );
  const summary = gateSummary(report, title);
  await (deps.writeSummary ? deps.writeSummary(summary) : summary.write());
  const annotate = deps.annotate ?? ((message: string, t: string) => annotateError(message, { title: t }));
  for (const a of gateAnnotations(report)) annotate(a.message, a.title);
  if (!report.passed) throw new ActionError(`Smoke test failed: ${report.reason}`, failureHint(report, gate));
  log(`smoke-test: passed in ${formatDuration(report.durationMs)}`);
  return report;
}
