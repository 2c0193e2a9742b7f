// The smoke-test action's inputs: the only place they are read, parsed and cross-checked.
import {
  ALLOW_OUTSIDE_WORKSPACE,
  FILE_READ_LIMIT,
  input,
  parseYamlBounded,
  readInputs,
  readWorkspaceFile,
  workspaceInputs,
  type Field,
  type InputSource,
  type Values,
} from '@hac/toolkit';
import {
  parseChecks,
  parseHeaders,
  parseJsonExpectation,
  parseStatusSpec,
  secretValues,
  validateCheck,
  type Check,
  type GateSpec,
  type JsonExpectation,
} from '@hac/probe';

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

const URL_FORM = 'one or more absolute http:// or https:// URLs, one per line';
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
  [Inputs.Url]: input.list({ newlineOnly: true, expected: URL_FORM }),
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

export interface SmokeInputs {
  gate: GateSpec;
  title: string;
  /** Values to mask: credentials and credential-like header values. */
  secrets: string[];
}

export interface ContextDeps {
  /** The workspace: file inputs resolve inside it (default GITHUB_WORKSPACE, then the working directory). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** The per-check fields the inline inputs set (defaults for the checks of `checks`/`checks-file`). */
type V = Values<typeof spec>;

function inlineExpectations(v: V): Omit<Check, 'url'> {
  const c: Omit<Check, 'url'> = {};
  const method = v[Inputs.Method];
  if (method) c.method = method.toUpperCase();
  if (Object.keys(v[Inputs.Headers]).length) c.headers = v[Inputs.Headers];
  if (v[Inputs.Body] !== undefined) c.body = v[Inputs.Body];
  if (v[Inputs.ExpectStatus]) c.expectStatus = v[Inputs.ExpectStatus];
  if (v[Inputs.Contains] !== undefined) c.contains = v[Inputs.Contains];
  if (v[Inputs.Regex] !== undefined) c.regex = v[Inputs.Regex];
  if (v[Inputs.JsonPath].length) c.json = v[Inputs.JsonPath];
  if (v[Inputs.MaxLatency] !== undefined) c.maxLatencyMs = v[Inputs.MaxLatency];
  c.timeoutMs = v[Inputs.Timeout];
  c.followRedirects = v[Inputs.FollowRedirects];
  return c;
}

/**
 * Reads every input, applies the cross-input rules and builds the gate. Throws one InputError
 * listing every problem; nothing is sent before this returns.
 */
export function readSmokeInputs(source: InputSource, deps: ContextDeps = {}): SmokeInputs {
  let checks: Check[] = [];
  let ca: string | undefined;
  const v = readInputs(spec, source, (v, problems, { raw, failed }) => {
    const ok = (name: string) => !failed.has(name);
    const where = { root: deps.cwd, env: deps.env, allowOutside: v[Inputs.AllowOutsideWorkspace] };
    /** A file input's text; never its content in an error, only the path and what was expected. */
    const readFile = (file: string) => readWorkspaceFile(file, where).text;
    // Where the checks come from: exactly one of url, checks, checks-file.
    const given = [Inputs.Url, Inputs.Checks, Inputs.ChecksFile].filter((n) => raw(n).trim() !== '');
    if (given.length !== 1) {
      problems.add(
        given[1] ?? Inputs.Url,
        given.length ? raw(given[1] as string).trim() : '',
        given.length
          ? `only one of url, checks or checks-file (got ${given.join(' and ')})`
          : 'a URL to check, or a list of checks in checks or checks-file',
      );
    } else if (given[0] === Inputs.Url && ok(Inputs.Url)) {
      checks = [];
      for (const url of v[Inputs.Url]) {
        try {
          checks.push(validateCheck({ url }, 'url'));
        } catch (err) {
          problems.add(Inputs.Url, url, `${URL_FORM} (${(err as Error).message.replace(/^url: url: /, '')})`);
        }
      }
    } else if (given[0] === Inputs.Checks || given[0] === Inputs.ChecksFile) {
      const name = given[0];
      let text: string | undefined = v[Inputs.Checks];
      if (name === Inputs.ChecksFile) {
        try {
          text = readFile(v[Inputs.ChecksFile]);
        } catch (err) {
          problems.add(
            name,
            v[Inputs.ChecksFile],
            `a readable file with a YAML or JSON list of checks: ${(err as Error).message}`,
          );
          text = undefined;
        }
      }
      if (text !== undefined) {
        try {
          checks = parseChecks(
            text,
            name === Inputs.ChecksFile ? { fromFile: true, maxBytes: FILE_READ_LIMIT } : {},
          );
        } catch (err) {
          problems.add(
            name,
            name === Inputs.Checks ? text.trim() : v[Inputs.ChecksFile],
            `valid checks, but ${(err as Error).message}`,
          );
        }
      }
    }
    // Load phase.
    const requests = v[Inputs.LoadRequests];
    // An explicit concurrency above the request count is a mistake; the default is clamped.
    const explicit = raw(Inputs.LoadConcurrency).trim() !== '';
    if (
      explicit &&
      ok(Inputs.LoadRequests) &&
      ok(Inputs.LoadConcurrency) &&
      requests > 0 &&
      v[Inputs.LoadConcurrency] > requests
    )
      problems.add(
        Inputs.LoadConcurrency,
        raw(Inputs.LoadConcurrency).trim(),
        `at most load-requests (${requests})`,
      );
    if (requests === 0) {
      for (const n of [Inputs.MaxP95, Inputs.MaxErrorRate] as const)
        if (raw(n).trim() !== '' && ok(n))
          problems.add(n, raw(n).trim(), `to be used with load-requests > 0 (there is no load phase)`);
    }
    // Distribution.
    const hasDist = raw(Inputs.DistributionMatch) !== '' || raw(Inputs.DistributionRegex) !== '';
    if (raw(Inputs.DistributionMatch) !== '' && raw(Inputs.DistributionRegex) !== '')
      problems.add(
        Inputs.DistributionRegex,
        raw(Inputs.DistributionRegex),
        'either distribution-match or distribution-regex, not both',
      );
    if (!hasDist) {
      for (const n of [Inputs.DistributionMin, Inputs.DistributionMax, Inputs.DistributionSamples] as const)
        if (raw(n).trim() !== '' && ok(n))
          problems.add(n, raw(n).trim(), 'to be used with distribution-match or distribution-regex');
    }
    if (
      ok(Inputs.DistributionMin) &&
      ok(Inputs.DistributionMax) &&
      v[Inputs.DistributionMin] > v[Inputs.DistributionMax]
    )
      problems.add(
        Inputs.DistributionMin,
        raw(Inputs.DistributionMin).trim(),
        `at most distribution-max (${v[Inputs.DistributionMax]})`,
      );
    // TLS.
    if (raw(Inputs.Ca).trim() !== '' && raw(Inputs.CaFile).trim() !== '')
      problems.add(Inputs.CaFile, raw(Inputs.CaFile).trim(), 'either ca or ca-file, not both');
    else if (v[Inputs.CaFile] && ok(Inputs.CaFile)) {
      try {
        ca = readFile(v[Inputs.CaFile]);
        if (!/-----BEGIN CERTIFICATE-----/.test(ca))
          problems.add(
            Inputs.CaFile,
            v[Inputs.CaFile],
            'a file of PEM certificates (-----BEGIN CERTIFICATE----- ...)',
          );
      } catch (err) {
        problems.add(Inputs.CaFile, v[Inputs.CaFile], `a readable PEM file: ${(err as Error).message}`);
      }
    } else if (v[Inputs.Ca]) ca = v[Inputs.Ca];
    if (v[Inputs.Insecure] && (raw(Inputs.Ca).trim() !== '' || raw(Inputs.CaFile).trim() !== ''))
      problems.add(
        Inputs.Insecure,
        'true',
        'false when ca or ca-file is given (trust the CA, or skip verification, not both)',
      );
    // Auth.
    const user = v[Inputs.Username];
    const pass = raw(Inputs.Password);
    if (user && !pass) problems.add(Inputs.Password, '', `a password, since username "${user}" is given`);
    if (!user && pass) problems.add(Inputs.Username, '', 'a username, since password is given');
    if (raw(Inputs.BearerToken).trim() !== '' && (user || pass))
      problems.add(Inputs.BearerToken, '***', 'either bearer-token or username/password, not both');
  });

  const defaults = inlineExpectations(v);
  const fromList = v[Inputs.Url].length === 0;
  const gate: GateSpec = {
    // Inline inputs are defaults: a check of `checks` overrides what it sets itself.
    checks: checks.map((c) =>
      fromList
        ? { ...defaults, ...c, headers: { ...defaults.headers, ...c.headers } }
        : { ...defaults, ...c },
    ),
    waitMs: v[Inputs.WaitFor],
    intervalMs: v[Inputs.Interval],
    consecutive: v[Inputs.Consecutive],
  };
  for (const c of gate.checks) if (c.headers && Object.keys(c.headers).length === 0) delete c.headers;
  if (v[Inputs.LoadRequests] > 0)
    gate.load = {
      requests: v[Inputs.LoadRequests],
      concurrency: Math.min(v[Inputs.LoadConcurrency], v[Inputs.LoadRequests]),
      maxP95Ms: v[Inputs.MaxP95],
      maxErrorRate: v[Inputs.MaxErrorRate],
    };
  if (v[Inputs.DistributionMatch] !== undefined || v[Inputs.DistributionRegex] !== undefined)
    gate.distribution = {
      match: v[Inputs.DistributionMatch],
      regex: v[Inputs.DistributionRegex],
      min: v[Inputs.DistributionMin],
      max: v[Inputs.DistributionMax],
      samples: v[Inputs.DistributionSamples],
    };
  if (ca || v[Inputs.Insecure]) gate.tls = ca ? { ca } : { insecure: true };
  if (v[Inputs.BearerToken]) gate.auth = { bearer: v[Inputs.BearerToken] };
  else if (v[Inputs.Username]) gate.auth = { username: v[Inputs.Username], password: v[Inputs.Password] };
  return { gate, title: v[Inputs.Title], secrets: secretValues([...gate.checks], gate.auth) };
}
