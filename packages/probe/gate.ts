import {
  formatDuration,
  redact,
  secretForms,
  sleep as realSleep,
  systemClock,
  throwIfAborted,
  type Clock,
  type Sleep,
} from '@hac/toolkit';
import type { Auth, Check, CheckResult, GateReport, GateSpec } from './types.js';
import { createTransport, secretValues, send, type Transport } from './http.js';
import { evaluate } from './evaluate.js';
import { validateGate } from './validate.js';
import { runLoad } from './load.js';
import { runDistribution } from './distribution.js';

export interface GateDeps {
  signal?: AbortSignal;
  sleep?: Sleep;
  clock?: Clock;
  /** Progress lines (never contain request headers or secrets). */
  log?: (line: string) => void;
  /** For backoff jitter; tests pass a constant. */
  random?: () => number;
}

export const DEFAULT_INTERVAL_MS = 1000;
/** Backoff never waits longer than this between attempts. */
export const MAX_BACKOFF_MS = 15_000;

/** The label of a check in logs and the summary. */
export function checkName(check: Check): string {
  return check.name ?? `${check.method ?? 'GET'} ${check.url}`;
}

/** Delay before the next attempt after `failures` failures in a row: exponential, with jitter in its upper half. */
export function nextDelay(failures: number, intervalMs: number, random: () => number): number {
  if (failures === 0) return intervalMs;
  const cap = Math.min(Math.max(MAX_BACKOFF_MS, intervalMs), intervalMs * 2 ** (failures - 1));
  return Math.round(cap / 2 + (cap / 2) * random());
}

interface Ctx {
  transport: Transport;
  auth: Auth | undefined;
  deps: Required<Omit<GateDeps, 'signal'>> & { signal?: AbortSignal };
  clean: (text: string) => string;
}

/** Polls one check until it has `consecutive` successes in a row, or the deadline passes. */
async function waitHealthy(check: Check, spec: GateSpec, ctx: Ctx): Promise<CheckResult> {
  const { clock, sleep, log, random, signal } = ctx.deps;
  const name = checkName(check);
  const waitMs = spec.waitMs ?? 0;
  const interval = spec.intervalMs ?? DEFAULT_INTERVAL_MS;
  const need = spec.consecutive ?? 1;
  const deadline = clock() + waitMs;
  const result: CheckResult = {
    name,
    url: check.url,
    method: check.method ?? 'GET',
    passed: false,
    attempts: 0,
    successes: 0,
  };
  let failures = 0;
  for (;;) {
    throwIfAborted(signal);
    result.attempts++;
    const outcome = await send(ctx.transport, check, ctx.auth, { signal });
    result.latencyMs = Math.round(outcome.latencyMs * 10) / 10;
    result.status = outcome.ok ? outcome.status : undefined;
    const why = evaluate(check, outcome, ctx.clean);
    const got = outcome.ok ? `${outcome.status} in ${Math.round(outcome.latencyMs)}ms` : 'no response';
    if (why === undefined) {
      failures = 0;
      result.successes++;
      result.reason = undefined;
      if (result.successes >= need) {
        log(
          ctx.clean(
            `✓ ${name}: ${got} (attempt ${result.attempts}${need > 1 ? `, ${result.successes}/${need} in a row` : ''})`,
          ),
        );
        result.passed = true;
        return result;
      }
    } else {
      failures++;
      result.successes = 0;
      result.reason = ctx.clean(why);
    }
    const delay = nextDelay(failures, interval, random);
    const left = deadline - clock();
    // With no wait (one round), a failure is final, but consecutive successes still get their rounds.
    const giveUp = why !== undefined ? delay > left : waitMs > 0 && delay > left;
    if (giveUp) {
      if (why === undefined)
        result.reason = `only ${result.successes} of ${need} consecutive successes before the ${formatDuration(waitMs)} deadline`;
      log(ctx.clean(`✗ ${name}: ${result.reason} (attempt ${result.attempts}, giving up)`));
      return result;
    }
    log(
      ctx.clean(
        why === undefined
          ? `… ${name}: ${got} (${result.successes}/${need} in a row), next in ${formatDuration(delay)}`
          : `✗ ${name}: ${why} (attempt ${result.attempts}); retrying in ${formatDuration(delay)}, ${formatDuration(Math.max(0, left))} left`,
      ),
    );
    await sleep(delay, signal);
  }
}

/**
 * Runs a health gate: every check must pass (retrying until `waitMs`), then the optional load phase
 * and traffic-distribution assertion run. Validates the spec first and throws on bad input before
 * sending anything. Rejects with the signal's reason when cancelled; otherwise resolves with a report.
 */
export async function runGate(spec: GateSpec, deps: GateDeps = {}): Promise<GateReport> {
  validateGate(spec);
  const clock = deps.clock ?? systemClock;
  const secrets = secretValues(
    [
      ...spec.checks,
      ...(spec.load?.check ? [spec.load.check] : []),
      ...(spec.distribution?.check ? [spec.distribution.check] : []),
    ],
    spec.auth,
  );
  // Every form a secret could show in (raw, base64, URI-encoded), whether or not it was masked already.
  const forms = [...new Set(secrets.flatMap(secretForms))];
  const clean = (text: string) => (forms.length ? redact(text, forms) : text);
  const ctx: Ctx = {
    transport: createTransport(spec.tls),
    auth: spec.auth,
    clean,
    deps: {
      signal: deps.signal,
      sleep: deps.sleep ?? realSleep,
      clock,
      log: deps.log ?? (() => undefined),
      random: deps.random ?? Math.random,
    },
  };
  const started = clock();
  const report: GateReport = { passed: false, checks: [], durationMs: 0 };
  try {
    report.checks = await Promise.all(spec.checks.map((c) => waitHealthy(c, spec, ctx)));
    const failed = report.checks.filter((c) => !c.passed);
    if (failed.length > 0) {
      const first = failed[0] as CheckResult;
      report.reason = `${failed.length} of ${report.checks.length} checks failed; ${first.name}: ${first.reason}`;
    } else if (spec.load) {
      const loadCheck = spec.load.check ?? (spec.checks[0] as Check);
      report.load = await runLoad(spec.load, loadCheck, {
        tls: spec.tls,
        auth: spec.auth,
        signal: deps.signal,
        log: ctx.deps.log,
      });
      if (!report.load.passed) report.reason = `load phase failed: ${report.load.reasons.join('; ')}`;
    }
    if (!report.reason && spec.distribution) {
      const distCheck = spec.distribution.check ?? (spec.checks[0] as Check);
      report.distribution = await runDistribution(spec.distribution, distCheck, {
        ...ctx,
        signal: deps.signal,
      });
      if (!report.distribution.passed) report.reason = `traffic distribution: ${report.distribution.reason}`;
    }
    report.passed = report.reason === undefined;
    if (report.reason) report.reason = clean(report.reason);
  } finally {
    ctx.transport.close();
    report.durationMs = Math.max(0, clock() - started);
  }
  return report;
}
