import { INLINE_PARSE_LIMIT, parseDuration, parseYamlBounded } from '@hac/toolkit';
import type { Check, JsonExpectation } from './types.js';
import { parseStatusSpec } from './status.js';
import { JSON_EXPECTATION_FORM, parseJsonExpectation, parseJsonPath } from './jsonpath.js';
import { checkHeader, headerRecord } from './headers.js';

/** The keys a check may have in YAML/JSON, with their aliases, mapped to Check fields. */
export const CHECK_KEYS: Record<string, keyof Check> = {
  name: 'name',
  url: 'url',
  method: 'method',
  headers: 'headers',
  body: 'body',
  'expect-status': 'expectStatus',
  expectStatus: 'expectStatus',
  status: 'expectStatus',
  contains: 'contains',
  regex: 'regex',
  json: 'json',
  'json-path': 'json',
  'max-latency': 'maxLatencyMs',
  maxLatencyMs: 'maxLatencyMs',
  timeout: 'timeoutMs',
  timeoutMs: 'timeoutMs',
  'follow-redirects': 'followRedirects',
  followRedirects: 'followRedirects',
};

export const CHECKS_FORM =
  'a YAML or JSON list of checks, each a map with url and optionally name, method, headers, body, expect-status, contains, regex, json, max-latency, timeout, follow-redirects';

const METHOD = /^[A-Z]+$/;
export const URL_FORM = 'an absolute http:// or https:// URL without credentials';

/** Checks a URL; returns it parsed. Throws naming the URL and the expected form. */
export function checkUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`"${url}" is not a URL; expected ${URL_FORM}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new Error(`"${url}" uses scheme ${u.protocol.slice(0, -1)}; expected ${URL_FORM}`);
  if (u.username || u.password)
    throw new Error(
      `the URL of a check must not carry credentials; use the username/password or bearer-token inputs`,
    );
  return u;
}

/** Validates a regular expression source; throws naming it. */
export function checkRegex(source: string, what?: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw new Error(
      `${what ? `${what}: ` : ''}/${source}/ is not a valid regular expression (${(err as Error).message})`,
    );
  }
}

/** The checks validateCheck returned (frozen): validateGate takes them as they are. */
const validated = new WeakSet<Check>();

/** Whether `check` is one validateCheck returned, so it needs no second validation. */
export function isValidatedCheck(check: Check): boolean {
  return validated.has(check);
}

/** A frozen copy that nobody else holds, recorded as validated. */
function sealed(check: Check): Check {
  const out: Check = { ...check };
  if (check.headers) out.headers = Object.freeze({ ...check.headers });
  if (check.json)
    out.json = Object.freeze(check.json.map((j) => Object.freeze({ ...j }))) as JsonExpectation[];
  Object.freeze(out);
  validated.add(out);
  return out;
}

/**
 * Validates a check (from code or from parsed YAML) and returns it normalized, as a new frozen
 * object (the one given is never changed). Throws an Error naming the check, the bad field, its
 * value and the expected form.
 */
export function validateCheck(check: Check, where = 'check'): Check {
  const at = (field: string, msg: string) => new Error(`${where}: ${field}: ${msg}`);
  if (typeof check.url !== 'string' || check.url.trim() === '')
    throw at('url', `missing; expected ${URL_FORM}`);
  try {
    checkUrl(check.url.trim());
  } catch (err) {
    throw at('url', (err as Error).message);
  }
  const out: Check = { ...check, url: check.url.trim() };
  if (check.method !== undefined) {
    const m = String(check.method).trim().toUpperCase();
    if (!METHOD.test(m))
      throw at('method', `"${check.method}" is not an HTTP method; expected e.g. GET, POST, HEAD`);
    out.method = m;
  }
  if (check.expectStatus !== undefined) {
    try {
      parseStatusSpec(check.expectStatus);
    } catch (err) {
      throw at('expect-status', (err as Error).message);
    }
  }
  if (check.regex !== undefined) {
    try {
      checkRegex(String(check.regex));
    } catch (err) {
      throw at('regex', (err as Error).message);
    }
  }
  if (check.headers !== undefined) {
    try {
      for (const [n, v] of Object.entries(check.headers)) checkHeader(n, String(v));
    } catch (err) {
      throw at('headers', (err as Error).message);
    }
  }
  for (const [field, v] of [
    ['max-latency', check.maxLatencyMs],
    ['timeout', check.timeoutMs],
  ] as const) {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v <= 0))
      throw at(field, `${JSON.stringify(v)} is not a positive duration; expected e.g. 500ms or 10s`);
  }
  if (check.json !== undefined) {
    for (const j of check.json) {
      try {
        parseJsonPath(j.path);
      } catch (err) {
        throw at('json', (err as Error).message);
      }
    }
  }
  return sealed(out);
}

function durationValue(v: unknown, field: string): number {
  if (typeof v === 'number') return v * 1000;
  if (typeof v !== 'string')
    throw new Error(`${field}: ${JSON.stringify(v)} is not a duration; expected e.g. 500ms, 10s`);
  try {
    return parseDuration(v);
  } catch {
    throw new Error(`${field}: "${v}" is not a duration; expected e.g. 500ms, 10s`);
  }
}

/** Parses the `json` field: a list of {path, equals} or "PATH == VALUE" strings, or a map of path to value. */
export function jsonExpectations(v: unknown): JsonExpectation[] {
  if (typeof v === 'string') return [parseJsonExpectation(v)];
  if (Array.isArray(v)) {
    return v.map((item) => {
      if (typeof item === 'string') return parseJsonExpectation(item);
      if (item && typeof item === 'object' && 'path' in item && 'equals' in item) {
        const keys = Object.keys(item).filter((k) => k !== 'path' && k !== 'equals');
        if (keys.length)
          throw new Error(`unknown key "${keys[0]}" in a JSON expectation; expected {path, equals}`);
        const path = String((item as { path: unknown }).path);
        parseJsonPath(path);
        return { path, equals: (item as { equals: unknown }).equals };
      }
      throw new Error(
        `${JSON.stringify(item)} is not a JSON expectation; expected {path, equals} or ${JSON_EXPECTATION_FORM}`,
      );
    });
  }
  if (v && typeof v === 'object') {
    return Object.entries(v).map(([path, equals]) => {
      parseJsonPath(path);
      return { path, equals };
    });
  }
  throw new Error(
    `${JSON.stringify(v)} is not a JSON expectation; expected {path, equals} or ${JSON_EXPECTATION_FORM}`,
  );
}

/** One check as written (converted to a Check, not validated yet) and how errors name it. */
export interface CheckItem {
  check: Check;
  where: string;
}

/** Turns one parsed YAML/JSON item into a Check, without validating it (see validateCheck). */
export function checkItem(item: unknown, index: number): CheckItem {
  const where = `check #${index + 1}`;
  if (typeof item === 'string') return { check: { url: item }, where };
  if (item === null || typeof item !== 'object' || Array.isArray(item))
    throw new Error(`${where}: ${JSON.stringify(item)} is not a map; expected ${CHECKS_FORM}`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item as Record<string, unknown>)) {
    const field = CHECK_KEYS[key];
    if (!field) {
      const known = [...new Set(Object.keys(CHECK_KEYS).filter((k) => !/[A-Z]/.test(k)))].join(', ');
      throw new Error(`${where}: unknown key "${key}"; expected one of ${known}`);
    }
    try {
      out[field] = fieldValue(field, value);
    } catch (err) {
      throw new Error(`${where}: ${key}: ${(err as Error).message}`);
    }
  }
  if (out.url === undefined) throw new Error(`${where}: url is missing; expected ${URL_FORM}`);
  const label = typeof out.name === 'string' ? `check "${out.name}"` : where;
  return { check: out as unknown as Check, where: label };
}

function fieldValue(field: keyof Check, value: unknown): unknown {
  switch (field) {
    case 'headers':
      return headerRecord(value);
    case 'json':
      return jsonExpectations(value);
    case 'maxLatencyMs':
    case 'timeoutMs':
      return durationValue(value, field === 'timeoutMs' ? 'timeout' : 'max-latency');
    case 'followRedirects':
      if (typeof value !== 'boolean') throw new Error(`${JSON.stringify(value)} is not true or false`);
      return value;
    case 'expectStatus':
      if (Array.isArray(value)) return value.map(String).join(',');
      if (typeof value === 'number' || typeof value === 'string') return String(value);
      throw new Error(`${JSON.stringify(value)} is not a status list`);
    default:
      if (typeof value !== 'string' && typeof value !== 'number')
        throw new Error(`${JSON.stringify(value)} is not a string`);
      return String(value);
  }
}

export interface ParseChecksOptions {
  /** The largest text accepted, in bytes (default: the toolkit's inline limit). */
  maxBytes?: number;
  /** The text is a file's: a document that is not a list or a map is refused without quoting it. */
  fromFile?: boolean;
}

/** The items of a YAML or JSON list of checks (a single map counts as a list of one). */
export function checkDocument(text: string, opts: ParseChecksOptions = {}): unknown[] {
  let doc: unknown;
  try {
    doc = parseYamlBounded(text, opts.maxBytes ?? INLINE_PARSE_LIMIT);
  } catch (err) {
    throw new Error(`checks are ${(err as Error).message}; expected ${CHECKS_FORM}`);
  }
  if (doc === null || doc === undefined) throw new Error(`no checks given; expected ${CHECKS_FORM}`);
  if (opts.fromFile && typeof doc !== 'object')
    throw new Error(`the file holds plain text, not a list of checks; expected ${CHECKS_FORM}`);
  const items = Array.isArray(doc) ? doc : [doc];
  if (items.length === 0) throw new Error(`the list of checks is empty; expected ${CHECKS_FORM}`);
  return items;
}

/**
 * Parses a YAML or JSON list of checks (a single map, or a bare URL per item, is accepted too).
 * Throws an Error naming the check, the bad field, its value and the expected form.
 */
export function parseChecks(text: string, opts: ParseChecksOptions = {}): Check[] {
  return checkDocument(text, opts).map((item, i) => {
    const { check, where } = checkItem(item, i);
    return validateCheck(check, where);
  });
}
