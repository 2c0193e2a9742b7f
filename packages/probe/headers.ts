export const HEADERS_FORM = 'a YAML map (Name: value) or "Name: value" lines';

/** The longest JSON headers object parsed, in characters. */
const HEADERS_LIMIT = 64 * 1024;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Checks a header name and value; throws naming the bad header. */
export function checkHeader(name: string, value: string): void {
  if (!TOKEN.test(name)) throw new Error(`"${name}" is not a valid header name; expected ${HEADERS_FORM}`);
  if (/[\r\n]/.test(value)) throw new Error(`header "${name}" has a line break in its value`);
  // HTTP allows a tab inside a value; no other control character.
  if (/[^\P{Cc}\t]/u.test(value)) throw new Error(`header "${name}" has a control character in its value`);
}

/**
 * Parses headers given as "Name: value" lines (a YAML map in block form is the same text).
 * Flow maps and JSON objects ({...}) are accepted too. Throws naming the bad line.
 */
export function parseHeaders(text: string): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  if (trimmed.startsWith('{')) {
    let obj: unknown;
    if (trimmed.length > HEADERS_LIMIT)
      throw new Error(`headers are longer than ${HEADERS_LIMIT} characters; expected ${HEADERS_FORM}`);
    try {
      obj = JSON.parse(trimmed);
    } catch {
      throw new Error(`headers are not valid JSON; expected ${HEADERS_FORM}`);
    }
    return headerRecord(obj);
  }
  const out: Record<string, string> = {};
  for (const line of trimmed.split(/\r?\n/)) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const idx = line.indexOf(':');
    if (idx <= 0)
      throw new Error(`header line "${line.trim()}" has no "Name: value"; expected ${HEADERS_FORM}`);
    const name = line.slice(0, idx).trim();
    const value = unquote(line.slice(idx + 1).trim());
    checkHeader(name, value);
    out[name] = value;
  }
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) {
    if (v.startsWith('"')) {
      try {
        return JSON.parse(v) as string;
      } catch {
        return v.slice(1, -1);
      }
    }
    return v.slice(1, -1).replace(/''/g, "'");
  }
  return v;
}

/** Validates an object of headers (from YAML/JSON); values may be strings, numbers or booleans. */
export function headerRecord(obj: unknown): Record<string, string> {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw new Error(`headers must be a map; expected ${HEADERS_FORM}`);
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(obj as Record<string, unknown>)) {
    if (!['string', 'number', 'boolean'].includes(typeof v))
      throw new Error(`header "${name}" must have a string value, not ${v === null ? 'null' : typeof v}`);
    checkHeader(name, String(v));
    out[name] = String(v);
  }
  return out;
}

/** Header names whose values are credentials: never logged, and redacted from anything written. */
export function isSensitiveHeader(name: string): boolean {
  return /authorization|cookie|token|secret|password|api[-_]?key|session|signature|credential/i.test(name);
}
