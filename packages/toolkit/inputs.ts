import { parseDuration, formatDuration } from './duration.js';
import { InputError, type InputProblem } from './errors.js';
import { inputEnvName } from './runner.js';
import { maskUrlCredentials, stripUrlCredentials } from './secrets.js';
import { formatBytes, INLINE_PARSE_LIMIT, parseYamlBounded } from './yaml.js';

/** Reads one raw input by name; returns '' when it is not set (what @actions/core's getInput does). */
export type InputSource = (name: string) => string;

/** A typed input: how to parse its raw text, and the form it expects (used in error messages). */
export interface Field<T> {
  readonly expected: string;
  readonly secret?: boolean;
  parse(raw: string): T;
}

class Invalid extends Error {}

function field<T>(expected: string, parse: (raw: string) => T, secret = false): Field<T> {
  return { expected, parse, secret };
}

function fail(): never {
  throw new Invalid();
}

export interface StringOptions {
  required?: boolean;
  default?: string;
  pattern?: RegExp;
  expected?: string;
  secret?: boolean;
  trim?: boolean;
}

/** A string; `required` rejects empty values; `pattern` constrains the form. */
export function string(opts: StringOptions & { required: true }): Field<string>;
export function string(opts?: StringOptions): Field<string>;
export function string(opts: StringOptions = {}): Field<string> {
  const expected =
    opts.expected ?? (opts.pattern ? `a value matching ${opts.pattern}` : 'a non-empty string');
  return field(
    expected,
    (raw) => {
      const value = opts.trim === false ? raw : raw.trim();
      if (value === '') {
        if (opts.required) fail();
        return opts.default ?? '';
      }
      if (opts.pattern && !opts.pattern.test(value)) fail();
      return value;
    },
    opts.secret ?? false,
  );
}

/** Control characters (CR, LF, NUL, tab, ESC, DEL, C1...): never valid in a header, token or credential. */
export const CONTROL_CHARACTERS = /\p{Cc}/u;

/**
 * A secret on one line (a token, password or credential): surrounding whitespace is trimmed, and
 * any control character left is an error (the value is shown as ***).
 */
export function credential(opts: { expected?: string; trim?: boolean } = {}): Field<string> {
  const what = opts.expected ?? 'a credential';
  return field(
    `${what} on one line, without control characters such as CR or LF`,
    (raw) => {
      const value = opts.trim === false ? raw : raw.trim();
      if (CONTROL_CHARACTERS.test(value)) fail();
      return value;
    },
    true,
  );
}

/** A YAML 1.2 core-schema boolean, as @actions/core's getBooleanInput accepts. */
export function boolean(def = false): Field<boolean> {
  return field('true or false', (raw) => {
    const v = raw.trim();
    if (v === '') return def;
    if (['true', 'True', 'TRUE'].includes(v)) return true;
    if (['false', 'False', 'FALSE'].includes(v)) return false;
    return fail();
  });
}

export interface IntOptions {
  min?: number;
  max?: number;
  default?: number;
}

/** An integer within [min, max]. */
export function integer(opts: IntOptions = {}): Field<number> {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = opts;
  const range =
    opts.min !== undefined && opts.max !== undefined
      ? ` from ${min} to ${max}`
      : opts.min !== undefined
        ? ` >= ${min}`
        : opts.max !== undefined
          ? ` <= ${max}`
          : '';
  return field(`an integer${range}`, (raw) => {
    const v = raw.trim();
    if (v === '') return opts.default ?? fail();
    if (!/^[-+]?\d+$/.test(v)) fail();
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min || n > max) fail();
    return n;
  });
}

/** A decimal number within [min, max]. */
export function number(opts: IntOptions = {}): Field<number> {
  const { min = -Infinity, max = Infinity } = opts;
  const range = opts.min !== undefined && opts.max !== undefined ? ` from ${min} to ${max}` : '';
  return field(`a number${range}`, (raw) => {
    const v = raw.trim();
    if (v === '') return opts.default ?? fail();
    if (!/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(v)) fail();
    const n = Number(v);
    if (n < min || n > max) fail();
    return n;
  });
}

export interface DurationOptions {
  default?: string;
  min?: string;
  max?: string;
}

/** A duration such as `30s`, `5m` or `1h30m` (a bare number means seconds). Returns milliseconds. */
export function duration(opts: DurationOptions = {}): Field<number> {
  const min = opts.min === undefined ? 0 : parseDuration(opts.min);
  const max = opts.max === undefined ? Infinity : parseDuration(opts.max);
  let expected = 'a duration such as 30s, 5m or 1h30m';
  if (opts.min !== undefined || opts.max !== undefined) {
    expected += ` (${opts.min !== undefined ? `at least ${formatDuration(min)}` : ''}${
      opts.min !== undefined && opts.max !== undefined ? ', ' : ''
    }${opts.max !== undefined ? `at most ${formatDuration(max)}` : ''})`;
  }
  return field(expected, (raw) => {
    const v = raw.trim();
    const text = v === '' ? (opts.default ?? fail()) : v;
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch {
      return fail();
    }
    if (ms < min || ms > max) fail();
    return ms;
  });
}

/** Splits a comma- or newline-separated list, dropping blanks. */
export function splitList(raw: string): string[] {
  return raw
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export interface ListOptions<T> {
  required?: boolean;
  item?: Field<T>;
  expected?: string;
  /** Split on newlines only (items may contain commas). */
  newlineOnly?: boolean;
}

/** A list given with commas or newlines; each item is parsed by `item` when given. */
export function list(opts?: ListOptions<string>): Field<string[]>;
export function list<T>(opts: ListOptions<T> & { item: Field<T> }): Field<T[]>;
export function list<T>(opts: ListOptions<T> = {}): Field<T[]> {
  const expected =
    opts.expected ??
    `a ${opts.newlineOnly ? 'newline' : 'comma- or newline'}-separated list${opts.item ? ` of ${opts.item.expected}` : ''}`;
  return field(expected, (raw) => {
    const items = opts.newlineOnly
      ? raw
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean)
      : splitList(raw);
    if (items.length === 0 && opts.required) fail();
    if (!opts.item) return items as T[];
    const item = opts.item;
    return items.map((s) => {
      try {
        return item.parse(s);
      } catch {
        return fail();
      }
    });
  });
}

/** One of a fixed set of values. */
export function oneOf<const T extends string>(values: readonly T[], def?: T): Field<T> {
  return field(`one of ${values.map((v) => `"${v}"`).join(', ')}`, (raw) => {
    const v = raw.trim();
    if (v === '') return def ?? fail();
    if (!(values as readonly string[]).includes(v)) fail();
    return v as T;
  });
}

/** A YAML or JSON block (JSON is YAML). Returns undefined when empty unless required. */
export function structured<T = unknown>(
  opts: { required?: boolean; expected?: string; check?: (v: unknown) => v is T } = {},
): Field<T | undefined> {
  return field(opts.expected ?? 'a YAML or JSON document', (raw) => {
    if (raw.trim() === '') return opts.required ? fail() : undefined;
    let value: unknown;
    try {
      value = parseYamlBounded(raw);
    } catch {
      return fail();
    }
    if (opts.check && !opts.check(value)) fail();
    return value as T;
  });
}

/** Wraps a field so that an empty input yields undefined instead of a default or an error. */
export function optional<T>(inner: Field<T>): Field<T | undefined> {
  return {
    expected: inner.expected,
    secret: inner.secret,
    parse: (raw) => (raw.trim() === '' ? undefined : inner.parse(raw)),
  };
}

/** Wraps a field with a custom parser that maps its value; throwing rejects the value. */
export function map<T, U>(inner: Field<T>, fn: (v: T) => U, expected?: string): Field<U> {
  return {
    expected: expected ?? inner.expected,
    secret: inner.secret,
    parse: (raw) => {
      const v = inner.parse(raw);
      try {
        return fn(v);
      } catch {
        return fail();
      }
    },
  };
}

/** The largest value any input may have (parsed or not): larger text is an input error. */
export const INPUT_LIMIT = INLINE_PARSE_LIMIT;

export type Spec = Record<string, Field<unknown>>;
export type Values<S extends Spec> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/** Collects cross-input problems after each input parsed on its own. */
export interface Problems {
  add(input: string, value: string, expected: string): void;
}

/** What a rule sees beside the parsed values: the raw text, and the inputs that already failed. */
export interface RuleContext {
  raw: (name: string) => string;
  failed: ReadonlySet<string>;
}

/**
 * One cross-input rule: a small named function that adds a problem when the values break it
 * (`requireTogether`, `atMostOneOf`, ...). Each is table-tested on its own.
 */
export type Rule<V> = (values: V, problems: Problems, ctx: RuleContext) => void;

/**
 * Reads and parses every input in `spec`. All problems (each input, then every cross-input rule in
 * order) are reported together in one InputError. Nothing else happens here: resolving files, git
 * context or tags comes after, on the typed values.
 */
export function readInputs<S extends Spec>(
  spec: S,
  source: InputSource,
  rules: Rule<Values<S>> | readonly Rule<Values<S>>[] = [],
): Values<S> {
  const validate = (values: Values<S>, problems: Problems, ctx: RuleContext): void => {
    for (const rule of typeof rules === 'function' ? [rules] : rules) rule(values, problems, ctx);
  };
  const problems: InputProblem[] = [];
  const values: Record<string, unknown> = {};
  const rawOf = (name: string) => source(name) ?? '';
  for (const [name, f] of Object.entries(spec)) {
    const raw = rawOf(name);
    const bytes = raw.length > INPUT_LIMIT / 4 ? Buffer.byteLength(raw) : 0;
    if (bytes > INPUT_LIMIT) {
      const expected = `at most ${formatBytes(INPUT_LIMIT)} of text (${f.expected})`;
      problems.push({ input: name, value: `${formatBytes(bytes)} of text`, expected });
      continue;
    }
    try {
      values[name] = f.parse(raw);
    } catch (err) {
      if (!(err instanceof Invalid) && !(err instanceof Error)) throw err;
      problems.push({ input: name, value: f.secret ? '***' : raw.trim(), expected: f.expected });
    }
  }
  if (typeof rules === 'function' || rules.length > 0) {
    // Cross-input rules run even when some inputs failed, so that one error lists everything;
    // `failed` lets a rule skip inputs that already have a problem.
    const failed = new Set(problems.map((p) => p.input));
    const sink: Problems = {
      add: (input, value, expected) => {
        // An input that failed on its own is reported once, with its own problem.
        if (failed.has(input)) return;
        problems.push({ input, value: spec[input]?.secret ? '***' : String(value ?? ''), expected });
      },
    };
    try {
      validate(values as Values<S>, sink, { raw: rawOf, failed });
    } catch (err) {
      // A rule that trips over an input that already failed (its value is missing) is downstream
      // of that problem: report the problems found. With no problem yet, it is a bug: rethrow.
      if (problems.length === 0 || err instanceof InputError) throw err;
    }
  }
  if (problems.length > 0)
    throw new InputError(
      problems.map((p) => ({
        ...p,
        value: stripUrlCredentials(p.value),
        expected: stripUrlCredentials(p.expected),
      })),
    );
  return values as Values<S>;
}

/**
 * The standard source: the INPUT_<NAME> environment variables the runner sets. Credentials
 * embedded in a URL (http://user:pass@host/) are masked in the logs as soon as they are read.
 */
export function envInputs(
  env: NodeJS.ProcessEnv = process.env,
  mask: (text: string) => void = (text) => maskUrlCredentials(text),
): InputSource {
  return (name) => {
    const value = env[inputEnvName(name)] ?? '';
    mask(value);
    return value;
  };
}
