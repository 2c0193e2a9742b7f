// The smoke-test reader's pieces on their own: each cross-input rule, the inline defaults, and the
// gate built from the values.
import { describe, expect, test } from '@jest/globals';
import { InputError, readInputs, type Rule } from '@hac/toolkit';
import {
  basicAuthPair,
  concurrencyWithinRequests,
  distributionBoundsNeedPattern,
  distributionMinAtMostMax,
  insecureWithoutCa,
  loadLimitsNeedLoad,
  oneAuthMethod,
  oneCaSource,
  oneCheckSource,
  oneDistributionPattern,
  readSmokeValues,
  smokeRules,
  spec,
  type SmokeValues,
} from '../../../packages/probe/inputs.js';
import {
  inlineExpectations,
  readSmokeInputs,
  smokeGate,
  withDefaults,
} from '../../../packages/probe/resolve.js';

const URL = 'http://127.0.0.1:1/';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';

/** The problems one rule finds in raw inputs, as [input, expected] pairs (inputs parsed on their own first). */
function problemsOf(rule: Rule<SmokeValues>, raw: Record<string, string>): Array<[string, string]> {
  const source = (n: string) => raw[n] ?? '';
  let values: SmokeValues;
  const failed = new Set<string>();
  try {
    values = readInputs(spec, source);
  } catch (err) {
    for (const p of (err as InputError).problems) failed.add(p.input);
    values = readInputs(spec, (n) => (failed.has(n) ? '' : source(n)));
  }
  const found: Array<[string, string]> = [];
  rule(values, { add: (input, _v, expected) => found.push([input, expected]) }, { raw: source, failed });
  return found;
}

type Row = [string, Record<string, string>, Array<[string, RegExp]>];

const table: Array<[string, Rule<SmokeValues>, Row[]]> = [
  [
    'oneCheckSource',
    oneCheckSource,
    [
      ['url alone', { url: URL }, []],
      ['checks alone', { checks: `- ${URL}` }, []],
      ['checks-file alone', { 'checks-file': 'c.yml' }, []],
      ['none', {}, [['url', /a URL to check/]]],
      ['blank url', { url: '  ' }, [['url', /a URL to check/]]],
      ['url and checks', { url: URL, checks: `- ${URL}` }, [['checks', /got url and checks/]]],
      ['checks and file', { checks: `- ${URL}`, 'checks-file': 'c.yml' }, [['checks-file', /only one of/]]],
    ],
  ],
  [
    'concurrencyWithinRequests',
    concurrencyWithinRequests,
    [
      ['default concurrency above requests (clamped)', { 'load-requests': '3' }, []],
      ['explicit, within', { 'load-requests': '10', 'load-concurrency': '10' }, []],
      [
        'explicit, above',
        { 'load-requests': '10', 'load-concurrency': '20' },
        [['load-concurrency', /at most load-requests \(10\)/]],
      ],
      ['no load phase', { 'load-concurrency': '20' }, []],
      ['requests failed on their own', { 'load-requests': 'x', 'load-concurrency': '20' }, []],
    ],
  ],
  [
    'loadLimitsNeedLoad',
    loadLimitsNeedLoad,
    [
      ['limits with a load phase', { 'load-requests': '5', 'max-p95': '1s', 'max-error-rate': '0.1' }, []],
      ['max-p95 alone', { 'max-p95': '1s' }, [['max-p95', /load-requests > 0/]]],
      [
        'both alone',
        { 'max-p95': '1s', 'max-error-rate': '0' },
        [
          ['max-p95', /no load phase/],
          ['max-error-rate', /no load phase/],
        ],
      ],
      ['a bad limit is reported on its own', { 'max-p95': 'soon' }, []],
    ],
  ],
  [
    'oneDistributionPattern',
    oneDistributionPattern,
    [
      ['match', { 'distribution-match': 'v2' }, []],
      ['regex', { 'distribution-regex': 'v[0-9]' }, []],
      [
        'both',
        { 'distribution-match': 'v2', 'distribution-regex': 'v2' },
        [['distribution-regex', /not both/]],
      ],
    ],
  ],
  [
    'distributionBoundsNeedPattern',
    distributionBoundsNeedPattern,
    [
      ['bounds with a pattern', { 'distribution-match': 'v2', 'distribution-min': '0.2' }, []],
      [
        'min alone',
        { 'distribution-min': '0.2' },
        [['distribution-min', /distribution-match or distribution-regex/]],
      ],
      ['samples alone', { 'distribution-samples': '5' }, [['distribution-samples', /to be used with/]]],
      ['nothing', {}, []],
    ],
  ],
  [
    'distributionMinAtMostMax',
    distributionMinAtMostMax,
    [
      ['min below max', { 'distribution-min': '0.2', 'distribution-max': '0.5' }, []],
      ['equal', { 'distribution-min': '0.5', 'distribution-max': '0.5' }, []],
      [
        'min above max',
        { 'distribution-min': '0.6', 'distribution-max': '0.5' },
        [['distribution-min', /at most distribution-max \(0\.5\)/]],
      ],
      ['max failed on its own', { 'distribution-min': '0.6', 'distribution-max': '2' }, []],
    ],
  ],
  [
    'oneCaSource',
    oneCaSource,
    [
      ['ca', { ca: PEM }, []],
      ['ca-file', { 'ca-file': 'ca.pem' }, []],
      ['both', { ca: PEM, 'ca-file': 'ca.pem' }, [['ca-file', /either ca or ca-file/]]],
    ],
  ],
  [
    'insecureWithoutCa',
    insecureWithoutCa,
    [
      ['insecure alone', { insecure: 'true' }, []],
      ['insecure false with ca', { insecure: 'false', ca: PEM }, []],
      ['insecure with ca', { insecure: 'true', ca: PEM }, [['insecure', /false when ca or ca-file/]]],
      [
        'insecure with ca-file',
        { insecure: 'true', 'ca-file': 'ca.pem' },
        [['insecure', /skip verification/]],
      ],
    ],
  ],
  [
    'basicAuthPair',
    basicAuthPair,
    [
      ['both', { username: 'u', password: 'p' }, []],
      ['neither', {}, []],
      ['username alone', { username: 'u' }, [['password', /since username "u" is given/]]],
      ['password alone', { password: 'p' }, [['username', /since password is given/]]],
    ],
  ],
  [
    'oneAuthMethod',
    oneAuthMethod,
    [
      ['bearer alone', { 'bearer-token': 'tok' }, []],
      ['bearer and username', { 'bearer-token': 'tok', username: 'u' }, [['bearer-token', /not both/]]],
      ['bearer and password', { 'bearer-token': 'tok', password: 'p' }, [['bearer-token', /not both/]]],
    ],
  ],
];

describe.each(table)('%s', (_name, rule, rows) => {
  test.each(rows)('%s', (_what, raw, want) => {
    const got = problemsOf(rule, raw);
    expect(got.map(([input]) => input)).toEqual(want.map(([input]) => input));
    got.forEach(([, expected], i) => expect(expected).toMatch((want[i] as [string, RegExp])[1]));
  });
});

test('every rule is in the reader, once, and the table covers each', () => {
  expect(new Set(smokeRules).size).toBe(smokeRules.length);
  expect(table.map(([, rule]) => smokeRules.indexOf(rule))).toEqual(smokeRules.map((_, i) => i));
});

test('readSmokeValues lists the problems of every rule together', () => {
  const err = (() => {
    try {
      readSmokeValues((n) => ({ username: 'u', 'max-p95': '1s' })[n] ?? '');
    } catch (e) {
      return e as InputError;
    }
    throw new Error('no error');
  })();
  expect(err.problems.map((p) => p.input)).toEqual(['url', 'max-p95', 'password']);
});

describe('withDefaults', () => {
  test.each([
    ['inline only', { method: 'POST' }, { url: URL }, { url: URL, method: 'POST' }],
    [
      'the check wins',
      { method: 'POST', body: 'a' },
      { url: URL, method: 'GET' },
      { url: URL, method: 'GET', body: 'a' },
    ],
    [
      'headers merge by name, the check wins',
      { headers: { a: '1', b: '2' } },
      { url: URL, headers: { b: '3' } },
      { url: URL, headers: { a: '1', b: '3' } },
    ],
    ['no headers at all', {}, { url: URL }, { url: URL }],
  ])('%s', (_what, defaults, check, want) => {
    const before = structuredClone(check);
    expect(withDefaults(defaults, check)).toEqual(want);
    expect(check).toEqual(before);
  });
});

test.each([
  [{}, { timeoutMs: 10_000, followRedirects: true }],
  [
    {
      method: 'head',
      'expect-status': '200',
      'max-latency': '1s',
      timeout: '2s',
      'follow-redirects': 'false',
    },
    { method: 'HEAD', expectStatus: '200', maxLatencyMs: 1000, timeoutMs: 2000, followRedirects: false },
  ],
  [
    { contains: 'ok', 'json-path': '$.v == 2' },
    { contains: 'ok', json: [{ path: '$.v', equals: 2 }] },
  ],
])('inlineExpectations(%j)', (raw, want) => {
  const v = readInputs(spec, (n) => (raw as Record<string, string>)[n] ?? '');
  expect(inlineExpectations(v)).toEqual({ timeoutMs: 10_000, followRedirects: true, ...want });
});

test.each([
  [{ url: URL }, {}],
  [{ url: URL, 'load-requests': '3' }, { load: { requests: 3, concurrency: 3, maxErrorRate: 0 } }],
  [{ url: URL, 'distribution-regex': 'v2' }, { distribution: { regex: 'v2', min: 0, max: 1, samples: 100 } }],
  [{ url: URL, insecure: 'true' }, { tls: { insecure: true } }],
  [{ url: URL, 'bearer-token': 'tok' }, { auth: { bearer: 'tok' } }],
  [{ url: URL, username: 'u', password: 'p' }, { auth: { username: 'u', password: 'p' } }],
])('smokeGate(%j)', (raw, want) => {
  const v = readSmokeValues((n) => (raw as Record<string, string>)[n] ?? '');
  const gate = smokeGate(v, [{ url: URL }], undefined);
  expect(gate).toEqual({ checks: [{ url: URL }], waitMs: 0, intervalMs: 2000, consecutive: 1, ...want });
});

test('the gate the reader returns is frozen: nothing can change it between reading and sending', () => {
  const { gate } = readSmokeInputs((n) => ({ url: URL, headers: 'X-A: 1' })[n] ?? '', { env: {} });
  expect(Object.isFrozen(gate)).toBe(true);
  expect(Object.isFrozen(gate.checks)).toBe(true);
  expect(Object.isFrozen(gate.checks[0])).toBe(true);
  expect(gate.checks[0]).toEqual({
    url: URL,
    headers: { 'X-A': '1' },
    timeoutMs: 10_000,
    followRedirects: true,
  });
});

describe('one error names every invalid input, checks and files included', () => {
  const problemsOf = (raw: Record<string, string>) => {
    try {
      readSmokeInputs((n) => raw[n] ?? '', { cwd: '/nonexistent-hac-workspace', env: {} });
    } catch (err) {
      return (err as InputError).problems.map((p) => [p.input, p.expected]);
    }
    return [];
  };
  test.each([
    [
      'a bad url beside a bad duration',
      { url: 'ftp://h/', 'wait-for': 'soon' },
      ['wait-for', 'url'],
      /uses scheme ftp/,
    ],
    [
      'a bad check beside a bad count',
      { checks: '- url: http://h/\n  retries: 3', consecutive: '0' },
      ['consecutive', 'checks'],
      /unknown key "retries"/,
    ],
    [
      'a missing checks-file beside a rule',
      { 'checks-file': 'c.yml', username: 'u' },
      ['password', 'checks-file'],
      /ENOENT/,
    ],
    [
      'a missing ca-file beside a bad rate',
      { url: URL, 'ca-file': 'ca.pem', 'max-error-rate': '2' },
      ['max-error-rate', 'ca-file'],
      /ENOENT/,
    ],
  ])('%s', (_what, raw, inputs, last) => {
    const got = problemsOf(raw);
    expect(got.map(([input]) => input)).toEqual(inputs);
    expect(got.at(-1)?.[1]).toMatch(last);
  });

  test.each([
    [
      'the check source itself is broken',
      { url: 'ftp://h/', checks: '- http://h/', 'wait-for': 'soon' },
      ['wait-for', 'checks'],
    ],
    ['an inline default is broken', { url: 'ftp://h/', timeout: 'soon' }, ['timeout']],
    ['everything else is valid', { url: 'ftp://h/' }, ['url']],
  ])('only once, and only when it can be read: %s', (_what, raw, inputs) => {
    expect(problemsOf(raw).map(([input]) => input)).toEqual(inputs);
  });
});
