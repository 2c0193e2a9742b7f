import type { GateSpec } from './types.js';
import { checkRegex, validateCheck } from './checks.js';

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

/** Checks a whole gate before anything is sent; throws an Error naming the bad field. */
export function validateGate(spec: GateSpec): void {
  if (!Array.isArray(spec.checks) || spec.checks.length === 0)
    throw new Error('checks: the gate has no checks; expected at least one');
  spec.checks = spec.checks.map((c, i) => validateCheck(c, c.name ? `check "${c.name}"` : `check #${i + 1}`));
  nonNegative(spec.waitMs, 'waitMs');
  if (spec.intervalMs !== undefined && !(spec.intervalMs > 0))
    throw new Error(`intervalMs: ${spec.intervalMs} is not > 0`);
  positiveInt(spec.consecutive, 'consecutive');
  if (spec.load) {
    const l = spec.load;
    positiveInt(l.requests, 'load.requests');
    positiveInt(l.concurrency, 'load.concurrency');
    if (l.concurrency > l.requests)
      throw new Error(
        `load.concurrency: ${l.concurrency} is more than load.requests (${l.requests}); expected at most ${l.requests}`,
      );
    nonNegative(l.maxP95Ms, 'load.maxP95Ms');
    fraction(l.maxErrorRate, 'load.maxErrorRate');
    if (l.check) l.check = validateCheck(l.check, 'load.check');
  }
  if (spec.distribution) {
    const d = spec.distribution;
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
    if (d.check) d.check = validateCheck(d.check, 'distribution.check');
  }
  if (spec.tls?.ca !== undefined && spec.tls.insecure)
    throw new Error('tls: ca and insecure were both given; trust the CA, or skip verification, not both');
  if (spec.tls?.ca !== undefined && !/-----BEGIN CERTIFICATE-----/.test(spec.tls.ca))
    throw new Error('tls.ca: not a PEM certificate; expected text starting with -----BEGIN CERTIFICATE-----');
  if (spec.auth) {
    if ('bearer' in spec.auth) {
      if (!spec.auth.bearer) throw new Error('auth.bearer: empty; expected a token');
    } else if (!spec.auth.username || !spec.auth.password) {
      throw new Error('auth: basic auth needs both username and password');
    }
  }
}
