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
import { validateGate, type ValidGate } from './validate.js';
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

/** How one check is polled: its deadline and how many successes in a row it needs. */
interface Timing {
  waitMs: number;
  intervalMs: number;
  need: number;
}

/**
 * What to do after an attempt (`why` undefined: it succeeded, without enough successes in a row
 * yet): wait `delay`, or give up because the next attempt would come after the deadline. With no
 * wait (one round), a failure is final, but consecutive successes still get their rounds.
 */
export function pace(
  why: string | undefined,
  failures: number,
  timing: Timing,
  leftMs: number,
  random: () => number,
): { delay: number; giveUp: boolean } {
  const delay = nextDelay(failures, timing.intervalMs, random);
  const giveUp = why !== undefined ? delay > leftMs : timing.waitMs > 0 && delay > leftMs;
  return { delay, giveUp };
}

/** Sends one attempt and records it on `result`; returns why it failed (undefined: it passed) and what came back. */
async function attempt(
  check: Check,
  result: CheckResult,
  ctx: Ctx,
): Promise<{ why: string | undefined; got: string }> {
  result.attempts++;
  const outcome = await send(ctx.transport, check, ctx.auth, { signal: ctx.deps.signal });
  result.latencyMs = Math.round(outcome.latencyMs * 10) / 10;
  result.status = outcome.ok ? outcome.status : undefined;
  const why = evaluate(check, outcome, ctx.clean);
  if (why === undefined) {
    result.successes++;
    result.reason = undefined;
  } else {
    result.successes = 0;
    result.reason = ctx.clean(why);
  }
  const got = outcome.ok ? `${outcome.status} in ${Math.round(outcome.latencyMs)}ms` : 'no response';
  return { why, got };
}

/** Polls one check until it has `consecutive` successes in a row, or the deadline passes. */
async function waitHealthy(check: Check, spec: GateSpec, ctx: Ctx): Promise<CheckResult> {
  const { clock, sleep, random, signal } = ctx.deps;
  const log = (line: string) => ctx.deps.log(ctx.clean(line));
  const name = checkName(check);
  const timing: Timing = {
    waitMs: spec.waitMs ?? 0,
    intervalMs: spec.intervalMs ?? DEFAULT_INTERVAL_MS,
    need: spec.consecutive ?? 1,
  };
  const { need } = timing;
  const deadline = clock() + timing.waitMs;
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
    const { why, got } = await attempt(check, result, ctx);
    failures = why === undefined ? 0 : failures + 1;
    const streak = need > 1 ? `, ${result.successes}/${need} in a row` : '';
    if (why === undefined && result.successes >= need) {
      log(`✓ ${name}: ${got} (attempt ${result.attempts}${streak})`);
      return { ...result, passed: true };
    }
    const left = deadline - clock();
    const { delay, giveUp } = pace(why, failures, timing, left, random);
    if (giveUp) {
      if (why === undefined)
        result.reason = `only ${result.successes} of ${need} consecutive successes before the ${formatDuration(timing.waitMs)} deadline`;
      log(`✗ ${name}: ${result.reason} (attempt ${result.attempts}, giving up)`);
      return result;
    }
    log(
      why === undefined
        ? `… ${name}: ${got} (${result.successes}/${need} in a row), next in ${formatDuration(delay)}`
        : `✗ ${name}: ${why} (attempt ${result.attempts}); retrying in ${formatDuration(delay)}, ${formatDuration(Math.max(0, left))} left`,
    );
    await sleep(delay, signal);
  }
}

/** Redacts every form a secret of the gate could show in (raw, base64, URI-encoded). */
function secretCleaner(spec: GateSpec): (text: string) => string {
  const secrets = secretValues(
    [
      ...spec.checks,
      ...(spec.load?.check ? [spec.load.check] : []),
      ...(spec.distribution?.check ? [spec.distribution.check] : []),
    ],
    spec.auth,
  );
  const forms = [...new Set(secrets.flatMap(secretForms))];
  return (text: string) => (forms.length ? redact(text, forms) : text);
}

/** The load phase and the distribution, each only when everything before it passed. */
async function laterPhases(spec: ValidGate, report: GateReport, ctx: Ctx): Promise<void> {
  const first = spec.checks[0] as Check;
  const { signal, log } = ctx.deps;
  if (!report.reason && spec.load) {
    const load = { tls: spec.tls, auth: spec.auth, signal, log };
    report.load = await runLoad(spec.load, spec.load.check ?? first, load);
    if (!report.load.passed) report.reason = `load phase failed: ${report.load.reasons.join('; ')}`;
  }
  if (!report.reason && spec.distribution) {
    const check = spec.distribution.check ?? first;
    report.distribution = await runDistribution(spec.distribution, check, { ...ctx, signal });
    if (!report.distribution.passed) report.reason = `traffic distribution: ${report.distribution.reason}`;
  }
}

/**
 * Runs a health gate: every check must pass (retrying until `waitMs`), then the optional load phase
 * and traffic-distribution assertion run. Validates the spec first (unless validateGate already
 * returned it) and throws on bad input before sending anything; the spec is never changed.
 * Rejects with the signal's reason when cancelled; otherwise resolves with a report.
 */
export async function runGate(given: GateSpec, deps: GateDeps = {}): Promise<GateReport> {
  const spec = validateGate(given);
  const clock = deps.clock ?? systemClock;
  const clean = secretCleaner(spec);
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
    }
    await laterPhases(spec, report, ctx);
    report.passed = report.reason === undefined;
    if (report.reason) report.reason = clean(report.reason);
  } finally {
    ctx.transport.close();
    report.durationMs = Math.max(0, clock() - started);
  }
  return report;
}
