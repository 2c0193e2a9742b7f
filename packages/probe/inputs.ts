// The smoke-test action's inputs: their names, types and forms, and the cross-input rules. Reading
// and validation only; the checks and files they name are resolved after (resolve.ts).
import {
  ALLOW_OUTSIDE_WORKSPACE,
  input,
  parseYamlBounded,
  readInputs,
  workspaceInputs,
  type Field,
  type InputSource,
  type Rule,
  type Values,
} from '@hac/toolkit';
import { parseHeaders } from './headers.js';
import { parseJsonExpectation } from './jsonpath.js';
import { parseStatusSpec } from './status.js';
import type { JsonExpectation } from './types.js';

export const Inputs = {
  Url: 'url',
  Checks: 'checks',
  ChecksFile: 'checks-file',
  Method: 'method',
  Headers: 'headers',
  Body: 'body',
  ExpectStatus: 'expect-status',
  Contains: 'contains',
  Regex: 'regex',
  JsonPath: 'json-path',
  MaxLatency: 'max-latency',
  Timeout: 'timeout',
  FollowRedirects: 'follow-redirects',
  WaitFor: 'wait-for',
  Interval: 'interval',
  Consecutive: 'consecutive',
  LoadRequests: 'load-requests',
  LoadConcurrency: 'load-concurrency',
  MaxP95: 'max-p95',
  MaxErrorRate: 'max-error-rate',
  DistributionMatch: 'distribution-match',
  DistributionRegex: 'distribution-regex',
  DistributionMin: 'distribution-min',
  DistributionMax: 'distribution-max',
  DistributionSamples: 'distribution-samples',
  Ca: 'ca',
  CaFile: 'ca-file',
  Insecure: 'insecure',
  Username: 'username',
  Password: 'password',
  BearerToken: 'bearer-token',
  Title: 'title',
  AllowOutsideWorkspace: ALLOW_OUTSIDE_WORKSPACE,
} as const;

export const Outputs = { Passed: 'passed', Report: 'report', P50: 'p50', P95: 'p95', P99: 'p99' } as const;

export const URL_INPUT_FORM = 'one or more absolute http:// or https:// URLs, one per line';
const STATUS_FORM = 'status codes, ranges or classes such as 2xx or 200,301-308 (each 100-599)';
const JSON_PATH_FORM = 'PATH == VALUE lines such as $.version == "2.0", or a YAML list of {path, equals}';

/** Parses the json-path input: `PATH == VALUE` lines, or a YAML/JSON list of {path, equals}. */
export function parseJsonPathInput(raw: string): JsonExpectation[] {
  const text = raw.trim();
  if (text === '') return [];
  if (text.startsWith('$'))
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map(parseJsonExpectation);
  const doc: unknown = parseYamlBounded(text);
  const items = Array.isArray(doc) ? doc : [doc];
  return items.map((item) => {
    if (typeof item === 'string') return parseJsonExpectation(item);
    if (
      !item ||
      typeof item !== 'object' ||
      !('path' in item) ||
      !('equals' in item) ||
      Object.keys(item).length !== 2
    )
      throw new Error('not {path, equals}');
    const path = String((item as { path: unknown }).path);
    parseJsonExpectation(`${path} == null`);
    return { path, equals: (item as { equals: unknown }).equals };
  });
}

function custom<T>(expected: string, parse: (raw: string) => T, secret = false): Field<T> {
  return { expected, parse, secret };
}

/** A regular expression input: undefined when empty, throws when it does not compile. */
function regexSource(raw: string): string | undefined {
  if (raw === '') return undefined;
  new RegExp(raw);
  return raw;
}

/** Every input with its type, default and expected form. */
export const spec = {
  [Inputs.Url]: input.list({ newlineOnly: true, expected: URL_INPUT_FORM }),
  [Inputs.Checks]: input.string({ trim: false }),
  [Inputs.ChecksFile]: input.string(),
  [Inputs.Method]: input.optional(
    input.string({ pattern: /^[A-Za-z]+$/, expected: 'an HTTP method such as GET, POST or HEAD' }),
  ),
  [Inputs.Headers]: custom('a YAML map (Name: value) or "Name: value" lines', parseHeaders, true),
  [Inputs.Body]: input.optional(input.string({ trim: false })),
  [Inputs.ExpectStatus]: custom(STATUS_FORM, (raw) =>
    raw.trim() === '' ? undefined : parseStatusSpec(raw).text,
  ),
  [Inputs.Contains]: input.optional(input.string({ trim: false })),
  [Inputs.Regex]: custom('a JavaScript regular expression', regexSource),
  [Inputs.JsonPath]: custom(JSON_PATH_FORM, parseJsonPathInput),
  [Inputs.MaxLatency]: input.optional(input.duration({ min: '1ms' })),
  [Inputs.Timeout]: input.duration({ default: '10s', min: '1ms', max: '1h' }),
  [Inputs.FollowRedirects]: input.boolean(true),
  [Inputs.WaitFor]: input.duration({ default: '0s', max: '6h' }),
  [Inputs.Interval]: input.duration({ default: '2s', min: '1ms', max: '10m' }),
  [Inputs.Consecutive]: input.integer({ min: 1, max: 1000, default: 1 }),
  [Inputs.LoadRequests]: input.integer({ min: 0, max: 10_000_000, default: 0 }),
  [Inputs.LoadConcurrency]: input.integer({ min: 1, max: 10_000, default: 10 }),
  [Inputs.MaxP95]: input.optional(input.duration({ min: '1ms' })),
  [Inputs.MaxErrorRate]: input.number({ min: 0, max: 1, default: 0 }),
  [Inputs.DistributionMatch]: input.optional(input.string({ trim: false })),
  [Inputs.DistributionRegex]: custom('a JavaScript regular expression', regexSource),
  [Inputs.DistributionMin]: input.number({ min: 0, max: 1, default: 0 }),
  [Inputs.DistributionMax]: input.number({ min: 0, max: 1, default: 1 }),
  [Inputs.DistributionSamples]: input.integer({ min: 1, max: 100_000, default: 100 }),
  [Inputs.Ca]: input.optional(
    input.string({
      pattern: /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/,
      expected: 'PEM certificates (-----BEGIN CERTIFICATE----- ...)',
    }),
  ),
  [Inputs.CaFile]: input.string(),
  [Inputs.Insecure]: input.boolean(false),
  [Inputs.Username]: input.string({
    pattern: /^[^\p{Cc}:]+$/u,
    expected: 'a user name on one line, without ":" or control characters',
  }),
  [Inputs.Password]: input.credential({ expected: 'a password', trim: false }),
  [Inputs.BearerToken]: input.credential({ expected: 'a bearer token' }),
  [Inputs.Title]: input.string({ default: 'Smoke test' }),
  ...workspaceInputs,
};

export type SmokeValues = Values<typeof spec>;
type SmokeRule = Rule<SmokeValues>;

/** The inputs the checks and the CA are resolved from (see readSmokeInputs). */
export const SOURCE_INPUTS = [
  Inputs.Url,
  Inputs.Checks,
  Inputs.ChecksFile,
  Inputs.Method,
  Inputs.Headers,
  Inputs.Body,
  Inputs.ExpectStatus,
  Inputs.Contains,
  Inputs.Regex,
  Inputs.JsonPath,
  Inputs.MaxLatency,
  Inputs.Timeout,
  Inputs.FollowRedirects,
  Inputs.Ca,
  Inputs.CaFile,
  Inputs.AllowOutsideWorkspace,
] as const;

type SourceSpec = Pick<typeof spec, (typeof SOURCE_INPUTS)[number]>;
export type SourceValues = Values<SourceSpec>;
export const sourceSpec = Object.fromEntries(SOURCE_INPUTS.map((n) => [n, spec[n]])) as SourceSpec;

/** Where the checks come from: exactly one of url, checks and checks-file. */
export const oneCheckSource: Rule<object> = (_v, problems, { raw }) => {
  const given = [Inputs.Url, Inputs.Checks, Inputs.ChecksFile].filter((n) => raw(n).trim() !== '');
  if (given.length === 1) return;
  const second = given[1];
  if (second === undefined)
    problems.add(Inputs.Url, '', 'a URL to check, or a list of checks in checks or checks-file');
  else
    problems.add(
      second,
      raw(second).trim(),
      `only one of url, checks or checks-file (got ${given.join(' and ')})`,
    );
};

/** An explicit concurrency above the request count is a mistake (the default is clamped). */
export const concurrencyWithinRequests: SmokeRule = (v, problems, { raw, failed }) => {
  const requests = v[Inputs.LoadRequests];
  const given = raw(Inputs.LoadConcurrency).trim();
  if (given === '' || failed.has(Inputs.LoadRequests) || failed.has(Inputs.LoadConcurrency)) return;
  if (requests > 0 && v[Inputs.LoadConcurrency] > requests)
    problems.add(Inputs.LoadConcurrency, given, `at most load-requests (${requests})`);
};

/** max-p95 and max-error-rate judge the load phase: they need load-requests > 0. */
export const loadLimitsNeedLoad: SmokeRule = (v, problems, { raw, failed }) => {
  if (v[Inputs.LoadRequests] !== 0) return;
  for (const n of [Inputs.MaxP95, Inputs.MaxErrorRate] as const)
    if (raw(n).trim() !== '' && !failed.has(n))
      problems.add(n, raw(n).trim(), 'to be used with load-requests > 0 (there is no load phase)');
};

/** The distribution matches text or a regular expression, not both. */
export const oneDistributionPattern: SmokeRule = (_v, problems, { raw }) => {
  if (raw(Inputs.DistributionMatch) !== '' && raw(Inputs.DistributionRegex) !== '')
    problems.add(
      Inputs.DistributionRegex,
      raw(Inputs.DistributionRegex),
      'either distribution-match or distribution-regex, not both',
    );
};

/** distribution-min, -max and -samples only mean something with a pattern to match. */
export const distributionBoundsNeedPattern: SmokeRule = (_v, problems, { raw, failed }) => {
  if (raw(Inputs.DistributionMatch) !== '' || raw(Inputs.DistributionRegex) !== '') return;
  for (const n of [Inputs.DistributionMin, Inputs.DistributionMax, Inputs.DistributionSamples] as const)
    if (raw(n).trim() !== '' && !failed.has(n))
      problems.add(n, raw(n).trim(), 'to be used with distribution-match or distribution-regex');
};

export const distributionMinAtMostMax: SmokeRule = (v, problems, { raw, failed }) => {
  if (failed.has(Inputs.DistributionMin) || failed.has(Inputs.DistributionMax)) return;
  if (v[Inputs.DistributionMin] > v[Inputs.DistributionMax])
    problems.add(
      Inputs.DistributionMin,
      raw(Inputs.DistributionMin).trim(),
      `at most distribution-max (${v[Inputs.DistributionMax]})`,
    );
};

export const oneCaSource: Rule<object> = (_v, problems, { raw }) => {
  if (raw(Inputs.Ca).trim() !== '' && raw(Inputs.CaFile).trim() !== '')
    problems.add(Inputs.CaFile, raw(Inputs.CaFile).trim(), 'either ca or ca-file, not both');
};

/** Trust the CA, or skip verification, not both. */
export const insecureWithoutCa: SmokeRule = (v, problems, { raw }) => {
  if (v[Inputs.Insecure] && (raw(Inputs.Ca).trim() !== '' || raw(Inputs.CaFile).trim() !== ''))
    problems.add(
      Inputs.Insecure,
      'true',
      'false when ca or ca-file is given (trust the CA, or skip verification, not both)',
    );
};

/** Basic auth needs both halves. */
export const basicAuthPair: SmokeRule = (v, problems, { raw }) => {
  const user = v[Inputs.Username];
  const pass = raw(Inputs.Password);
  if (user && !pass) problems.add(Inputs.Password, '', `a password, since username "${user}" is given`);
  if (!user && pass) problems.add(Inputs.Username, '', 'a username, since password is given');
};

export const oneAuthMethod: SmokeRule = (v, problems, { raw }) => {
  if (raw(Inputs.BearerToken).trim() !== '' && (v[Inputs.Username] || raw(Inputs.Password)))
    problems.add(Inputs.BearerToken, '***', 'either bearer-token or username/password, not both');
};

/** The cross-input rules, in the order their problems are listed. */
export const smokeRules: readonly SmokeRule[] = [
  oneCheckSource,
  concurrencyWithinRequests,
  loadLimitsNeedLoad,
  oneDistributionPattern,
  distributionBoundsNeedPattern,
  distributionMinAtMostMax,
  oneCaSource,
  insecureWithoutCa,
  basicAuthPair,
  oneAuthMethod,
];

/** Reads and validates every input: one InputError listing every problem, or the typed values. */
export function readSmokeValues(source: InputSource): SmokeValues {
  return readInputs(spec, source, smokeRules);
}

/** Reads only the inputs the checks and the CA come from, with the rules on them. */
export function readSourceValues(source: InputSource): SourceValues {
  return readInputs(sourceSpec, source, [oneCheckSource, oneCaSource]);
}
