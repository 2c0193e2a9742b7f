// Health gates between steps: smoke-test checks (from @hac/probe) against user-given URLs.
import { gateSummary, parseChecks, runGate, type Check, type GateReport, type GateSpec } from '@hac/probe';

export type GateRunner = (
  spec: GateSpec,
  deps: { signal?: AbortSignal; log?: (line: string) => void },
) => Promise<GateReport>;

export const defaultGateRunner: GateRunner = (spec, deps) => runGate(spec, deps);

export interface GateTiming {
  /** How long checks may take to become healthy (0: one round). */
  waitMs: number;
  intervalMs: number;
  consecutive: number;
}

/** A gate from plain URLs (GET, 2xx) and/or a YAML list of checks; undefined when both are empty. */
export function buildGate(
  urls: string[],
  checksText: string | undefined,
  timing: GateTiming,
): GateSpec | undefined {
  const checks: Check[] = urls.map((url) => ({ url }));
  if (checksText && checksText.trim() !== '') checks.push(...parseChecks(checksText));
  if (checks.length === 0) return undefined;
  return { checks, waitMs: timing.waitMs, intervalMs: timing.intervalMs, consecutive: timing.consecutive };
}

/** Validates a checks input (throws with the probe's message naming the bad field). */
export function validateChecksText(text: string): void {
  if (text.trim() !== '') parseChecks(text);
}

export function gateMarkdown(title: string, report: GateReport): string {
  return gateSummary(report, title).toString();
}
