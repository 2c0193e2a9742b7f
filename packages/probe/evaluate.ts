import type { Check } from './types.js';
import type { Outcome } from './http.js';
import { parseStatusSpec } from './status.js';
import { evalJsonPath, jsonEqual, parseJsonPath } from './jsonpath.js';

const SNIPPET = 120;

/** A short, single-line excerpt of a body for error messages. */
export function snippet(body: string | undefined, clean: (text: string) => string = (t) => t): string {
  if (body === undefined) return '(no body)';
  if (body === '') return 'an empty body';
  // Redact the whole body before cutting it, so that no part of a secret can show.
  const one = clean(body).replace(/\s+/g, ' ').trim();
  return (
    JSON.stringify(one.length > SNIPPET ? `${one.slice(0, SNIPPET)}...` : one) + ` (${body.length} chars)`
  );
}

/**
 * Returns why the outcome fails the check ("expected X, got Y"), or undefined when it passes.
 * `clean` redacts secrets from body excerpts.
 */
export function evaluate(
  check: Check,
  outcome: Outcome,
  clean: (text: string) => string = (t) => t,
): string | undefined {
  if (!outcome.ok) return `expected a response, got ${outcome.error}`;
  const status = parseStatusSpec(check.expectStatus ?? '2xx');
  if (!status.test(outcome.status)) {
    const where =
      outcome.status >= 300 && outcome.status < 400 && outcome.headers.location
        ? ` to ${outcome.headers.location}`
        : '';
    return `expected status ${status.text}, got ${outcome.status}${where}`;
  }
  if (check.maxLatencyMs !== undefined && outcome.latencyMs > check.maxLatencyMs)
    return `expected latency <= ${check.maxLatencyMs}ms, got ${Math.round(outcome.latencyMs)}ms`;
  const body = outcome.body ?? '';
  const cut = outcome.truncated ? ' (body was cut at the size limit)' : '';
  if (check.contains !== undefined && !body.includes(check.contains))
    return `expected the body to contain ${JSON.stringify(check.contains)}, got ${snippet(body, clean)}${cut}`;
  if (check.regex !== undefined && !new RegExp(check.regex).test(body))
    return `expected the body to match /${check.regex}/, got ${snippet(body, clean)}${cut}`;
  if (check.json?.length) {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch {
      return `expected a JSON body, got ${snippet(body, clean)}${cut}`;
    }
    for (const { path, equals } of check.json) {
      const found = evalJsonPath(doc, parseJsonPath(path));
      if (!found.found) return `expected ${path} == ${JSON.stringify(equals)}, got no value at ${path}`;
      if (!jsonEqual(found.value, equals))
        return `expected ${path} == ${JSON.stringify(equals)}, got ${clean(JSON.stringify(found.value) ?? 'undefined').slice(0, SNIPPET)}`;
    }
  }
  return undefined;
}
