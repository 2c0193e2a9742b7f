import type { JsonExpectation } from './types.js';

/** One step of a JSONPath subset: an object key or an array index. */
export type PathStep = string | number;

export const JSON_PATH_FORM = 'a JSONPath such as $.version, $.items[0].id or $["a key"]';
export const JSON_EXPECTATION_FORM = 'PATH == VALUE, e.g. $.version == "2.0" or $.ready == true';

/** Parses "$.a.b[0]['c d']" into steps; throws naming the bad path. */
export function parseJsonPath(path: string): PathStep[] {
  const text = path.trim();
  if (!text.startsWith('$'))
    throw new Error(`JSON path "${path}" must start with $; expected ${JSON_PATH_FORM}`);
  const steps: PathStep[] = [];
  const re = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*'((?:[^'\\]|\\.)*)'\s*\]/y;
  let pos = 1;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m)
      throw new Error(`JSON path "${path}" is malformed at "${text.slice(pos)}"; expected ${JSON_PATH_FORM}`);
    if (m[1] !== undefined) steps.push(m[1]);
    else if (m[2] !== undefined) steps.push(Number(m[2]));
    else if (m[3] !== undefined) steps.push(JSON.parse(`"${m[3]}"`) as string);
    else steps.push((m[4] as string).replace(/\\(.)/g, '$1'));
    pos = re.lastIndex;
  }
  return steps;
}

const MISSING = Symbol('missing');

/** Follows `steps` into `value`; returns `undefined` and `found: false` when a step is missing. */
export function evalJsonPath(value: unknown, steps: readonly PathStep[]): { found: boolean; value: unknown } {
  let cur: unknown = value;
  for (const step of steps) {
    if (cur === null || typeof cur !== 'object') return { found: false, value: undefined };
    const next: unknown =
      typeof step === 'number'
        ? Array.isArray(cur)
          ? (cur[step] ?? MISSING)
          : MISSING
        : Object.prototype.hasOwnProperty.call(cur, step)
          ? (cur as Record<string, unknown>)[step]
          : MISSING;
    if (next === MISSING) return { found: false, value: undefined };
    cur = next;
  }
  return { found: true, value: cur };
}

/**
 * Parses `$.version == "2.0"`: the right side is JSON (strings quoted, numbers, true/false/null,
 * arrays, objects) or, when not valid JSON, a bare string.
 */
export function parseJsonExpectation(text: string): JsonExpectation {
  const m = /^\s*(\$\S*)\s*==\s*(.*?)\s*$/s.exec(text);
  if (!m) throw new Error(`"${text}" is not a JSON expectation; expected ${JSON_EXPECTATION_FORM}`);
  const path = m[1] as string;
  parseJsonPath(path);
  const raw = m[2] as string;
  if (raw === '') throw new Error(`"${text}" has no value after ==; expected ${JSON_EXPECTATION_FORM}`);
  let equals: unknown;
  try {
    equals = JSON.parse(raw);
  } catch {
    equals = raw.replace(/^'(.*)'$/s, '$1');
  }
  return { path, equals };
}

/** Deep equality for JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  return keys.length === Object.keys(bo).length && keys.every((k) => k in bo && jsonEqual(ao[k], bo[k]));
}
