import type { Check, DistributionSpec, GateSpec, LoadSpec, TlsSpec, Auth } from './types.js';
import { checkRegex, isValidatedCheck, validateCheck } from './checks.js';

declare const VALID: unique symbol;

/** A gate validateGate returned: a frozen copy that runGate sends as it is, without validating it again. */
export type ValidGate = Readonly<GateSpec> & { readonly [VALID]: true };

const validGates = new WeakSet<object>();

/** Whether `spec` is one validateGate returned. */
export function isValidGate(spec: GateSpec): spec is ValidGate {
  return validGates.has(spec);
}

function nonNegative(v: number | undefined, field: string): void {
  if (v !== undefined && (!Number.isFinite(v) || v < 0))
    throw new Error(`${field}: ${v} is negative; expected a number >= 0`);
}

function positiveInt(v: number | undefined, field: string): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < 1))
    throw new Error(`${field}: ${v} is not an integer >= 1`);
}

function fraction(v: number | undefined, field: string): void {
  if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 1))
    throw new Error(`${field}: ${v} is not a fraction; expected a number from 0 to 1`);
}

/** A check validated once: one validateCheck already returned is taken as it is. */
function validOnce(check: Check, where: string): Check {
  return isValidatedCheck(check) ? check : validateCheck(check, where);
}

function validLoad(l: LoadSpec): LoadSpec {
  positiveInt(l.requests, 'load.requests');
  positiveInt(l.concurrency, 'load.concurrency');
  if (l.concurrency > l.requests)
    throw new Error(
      `load.concurrency: ${l.concurrency} is more than load.requests (${l.requests}); expected at most ${l.requests}`,
    );
  nonNegative(l.maxP95Ms, 'load.maxP95Ms');
  fraction(l.maxErrorRate, 'load.maxErrorRate');
  return Object.freeze(l.check ? { ...l, check: validOnce(l.check, 'load.check') } : { ...l });
}

function validDistribution(d: DistributionSpec): DistributionSpec {
  positiveInt(d.samples, 'distribution.samples');
  positiveInt(d.concurrency, 'distribution.concurrency');
  fraction(d.min, 'distribution.min');
  fraction(d.max, 'distribution.max');
  fraction(d.maxErrorRate, 'distribution.maxErrorRate');
  if (d.min > d.max)
    throw new Error(
      `distribution.min: ${d.min} is more than distribution.max (${d.max}); expected min <= max`,
    );
  if ((d.match === undefined) === (d.regex === undefined))
    throw new Error('distribution: give exactly one of match (text) or regex');
  if (d.regex !== undefined) checkRegex(d.regex, 'distribution.regex');
  return Object.freeze(d.check ? { ...d, check: validOnce(d.check, 'distribution.check') } : { ...d });
}

function validTls(tls: TlsSpec): TlsSpec {
  if (tls.ca !== undefined && tls.insecure)
    throw new Error('tls: ca and insecure were both given; trust the CA, or skip verification, not both');
  if (tls.ca !== undefined && !/-----BEGIN CERTIFICATE-----/.test(tls.ca))
    throw new Error('tls.ca: not a PEM certificate; expected text starting with -----BEGIN CERTIFICATE-----');
  return Object.freeze({ ...tls });
}

function validAuth(auth: Auth): Auth {
  if ('bearer' in auth) {
    if (!auth.bearer) throw new Error('auth.bearer: empty; expected a token');
  } else if (!auth.username || !auth.password) {
    throw new Error('auth: basic auth needs both username and password');
  }
  return Object.freeze({ ...auth });
}

/**
 * Checks a whole gate before anything is sent; throws an Error naming the bad field. Returns the
 * gate normalized, as a new frozen object: the spec given is never changed, and a gate that is
 * already valid is returned as it is.
 */
export function validateGate(spec: GateSpec): ValidGate {
  if (isValidGate(spec)) return spec;
  if (!Array.isArray(spec.checks) || spec.checks.length === 0)
    throw new Error('checks: the gate has no checks; expected at least one');
  const checks = spec.checks.map((c, i) => validOnce(c, c.name ? `check "${c.name}"` : `check #${i + 1}`));
  nonNegative(spec.waitMs, 'waitMs');
  if (spec.intervalMs !== undefined && !(spec.intervalMs > 0))
    throw new Error(`intervalMs: ${spec.intervalMs} is not > 0`);
  positiveInt(spec.consecutive, 'consecutive');
  const gate: GateSpec = { ...spec, checks: Object.freeze(checks) as Check[] };
  if (spec.load) gate.load = validLoad(spec.load);
  if (spec.distribution) gate.distribution = validDistribution(spec.distribution);
  if (spec.tls) gate.tls = validTls(spec.tls);
  if (spec.auth) gate.auth = validAuth(spec.auth);
  Object.freeze(gate);
  validGates.add(gate);
  return gate as ValidGate;
}
