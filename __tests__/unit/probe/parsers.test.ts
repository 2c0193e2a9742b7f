import { describe, expect, test } from '@jest/globals';
import { parseChecks, validateCheck } from '../../../packages/probe/checks.js';
import { distributionVerdict } from '../../../packages/probe/distribution.js';
import { evaluate, snippet } from '../../../packages/probe/evaluate.js';
import { nextDelay, pace } from '../../../packages/probe/gate.js';
import { parseHeaders } from '../../../packages/probe/headers.js';
import { evalJsonPath, parseJsonExpectation, parseJsonPath } from '../../../packages/probe/jsonpath.js';
import { loadResult } from '../../../packages/probe/load.js';
import { percentile } from '../../../packages/probe/stats.js';
import { parseStatusSpec } from '../../../packages/probe/status.js';
import { gateAnnotations, gateSummary } from '../../../packages/probe/summary.js';
import type { GateReport } from '../../../packages/probe/types.js';
import { validateGate } from '../../../packages/probe/validate.js';

describe('parseStatusSpec', () => {
  test.each([
    ['2xx', [200, 204, 299], [199, 300, 404]],
    ['200,301-308', [200, 301, 304, 308], [201, 300, 309]],
    ['200 404', [200, 404], [201, 500]],
    ['5XX', [500, 503], [499]],
  ])('%s', (spec, yes, no) => {
    const m = parseStatusSpec(spec);
    for (const s of yes) expect(m.test(s)).toBe(true);
    for (const s of no) expect(m.test(s)).toBe(false);
  });

  test.each([
    ['', /empty status list/],
    ['2xy', /"2xy" is not a status/],
    ['700', /out of range/],
    ['308-301', /runs backwards/],
    ['6xx', /"6xx" is not a status/],
  ])('rejects %j', (spec, msg) => expect(() => parseStatusSpec(spec)).toThrow(msg));
});

describe('JSON paths', () => {
  const doc = { a: { b: [{ c: 1 }, { 'd e': null }] }, v: '2.0' };
  test.each([
    ['$.v', true, '2.0'],
    ['$.a.b[0].c', true, 1],
    ['$.a.b[1]["d e"]', true, null],
    ["$.a.b[1]['d e']", true, null],
    ['$.a.b[5]', false, undefined],
    ['$.missing.x', false, undefined],
    ['$', true, doc],
  ])('%s', (path, found, value) => expect(evalJsonPath(doc, parseJsonPath(path))).toEqual({ found, value }));

  test.each(['v', '$.', '$.a[x]', '$..a', '$.a b'])('rejects %j', (p) =>
    expect(() => parseJsonPath(p)).toThrow(/JSON path|must start/),
  );

  test.each([
    ['$.version == "2.0"', { path: '$.version', equals: '2.0' }],
    ['$.ready == true', { path: '$.ready', equals: true }],
    ['$.n==3', { path: '$.n', equals: 3 }],
    ['$.tags == ["a","b"]', { path: '$.tags', equals: ['a', 'b'] }],
    ["$.name == 'web'", { path: '$.name', equals: 'web' }],
    ['$.name == web 1', { path: '$.name', equals: 'web 1' }],
  ])('expectation %s', (text, want) => expect(parseJsonExpectation(text)).toEqual(want));

  test.each(['version == 1', '$.v ==', '$.v = 1'])('rejects expectation %j', (t) =>
    expect(() => parseJsonExpectation(t)).toThrow(),
  );
});

describe('parseHeaders', () => {
  test.each([
    ['X-A: 1\nX-B:  two words ', { 'X-A': '1', 'X-B': 'two words' }],
    ['Accept: "application/json"', { Accept: 'application/json' }],
    ['{"X-A": "1"}', { 'X-A': '1' }],
    ['# comment\n\nX-A: a:b', { 'X-A': 'a:b' }],
    ['', {}],
  ])('%j', (text, want) => expect(parseHeaders(text)).toEqual(want));

  test.each([
    ['no colon', /has no "Name: value"/],
    ['Bad Name: 1', /not a valid header name/],
    ['{"X": {"y": 1}}', /must have a string value/],
  ])('rejects %j', (text, msg) => expect(() => parseHeaders(text)).toThrow(msg));
});

describe('parseChecks', () => {
  test('YAML with every key and its aliases', () => {
    const checks = parseChecks(`
- name: api
  url: https://x.example/api
  method: post
  headers: { X-A: 1 }
  body: '{}'
  expect-status: [200, 201]
  contains: ok
  regex: ^o
  json: { $.v: "2" }
  max-latency: 500ms
  timeout: 2
  follow-redirects: false
- http://y.example/
`);
    expect(checks).toEqual([
      {
        name: 'api',
        url: 'https://x.example/api',
        method: 'POST',
        headers: { 'X-A': '1' },
        body: '{}',
        expectStatus: '200,201',
        contains: 'ok',
        regex: '^o',
        json: [{ path: '$.v', equals: '2' }],
        maxLatencyMs: 500,
        timeoutMs: 2000,
        followRedirects: false,
      },
      { url: 'http://y.example/' },
    ]);
  });

  test('JSON, a single map, and json as a list of strings', () => {
    expect(parseChecks('{"url": "http://a/", "json": ["$.x == 1"]}')).toEqual([
      { url: 'http://a/', json: [{ path: '$.x', equals: 1 }] },
    ]);
  });

  test.each([
    ['- url: [', /not valid YAML or JSON/],
    ['[]', /list of checks is empty/],
    ['', /no checks given/],
    ['- name: a', /check #1: url is missing/],
    ['- url: http://a/\n  retries: 2', /check #1: unknown key "retries"; expected one of name, url, method/],
    ['- url: mailto:x@y', /uses scheme mailto/],
    [
      '- name: n\n  url: http://a/\n  regex: "("',
      /check "n": regex: \/\(\/ is not a valid regular expression/,
    ],
    ['- url: http://a/\n  timeout: soon', /timeout: "soon" is not a duration/],
    [
      '- url: http://a/\n  follow-redirects: yes please',
      /follow-redirects: "yes please" is not true or false/,
    ],
    ['- url: http://a/\n  json: [{path: "$.x", equal: 1}]', /not a JSON expectation/],
    ['- 42', /"42" is not a URL|check #1/],
  ])('rejects %j', (text, msg) => expect(() => parseChecks(text)).toThrow(msg));

  test('validateCheck rejects credentials in the URL and bad methods', () => {
    expect(() => validateCheck({ url: 'http://u:p@a/' })).toThrow(/must not carry credentials/);
    expect(() => validateCheck({ url: 'http://a/', method: 'GE T' })).toThrow(/not an HTTP method/);
  });
});

describe('backoff', () => {
  test.each([
    [0, 1000, 0.5, 1000],
    [1, 1000, 0, 500],
    [1, 1000, 1, 1000],
    [3, 1000, 0.5, 3000],
    [10, 1000, 1, 15000],
    [10, 60000, 1, 60000],
  ])('failures=%d interval=%d random=%d -> %d', (f, i, r, want) =>
    expect(nextDelay(f, i, () => r)).toBe(want),
  );
});

describe('pace (after an attempt: wait, or give up before the deadline)', () => {
  const timing = (waitMs: number, need = 1) => ({ waitMs, intervalMs: 1000, need });
  test.each([
    ['a failure with time left waits', 'bad', 1, timing(60_000), 30_000, { delay: 750, giveUp: false }],
    ['a failure past the deadline gives up', 'bad', 1, timing(60_000), 500, { delay: 750, giveUp: true }],
    ['a failure with no wait is final', 'bad', 1, timing(0), 0, { delay: 750, giveUp: true }],
    ['backoff after 3 failures', 'bad', 3, timing(60_000), 30_000, { delay: 3000, giveUp: false }],
    [
      'a success short of the streak waits the interval',
      undefined,
      0,
      timing(60_000, 3),
      30_000,
      { delay: 1000, giveUp: false },
    ],
    [
      'a success with no wait still gets its rounds',
      undefined,
      0,
      timing(0, 3),
      -5,
      { delay: 1000, giveUp: false },
    ],
    [
      'a success past a real deadline gives up',
      undefined,
      0,
      timing(5000, 3),
      500,
      { delay: 1000, giveUp: true },
    ],
  ])('%s', (_what, why, failures, t, left, want) =>
    expect(pace(why, failures, t, left, () => 0.5)).toEqual(want),
  );
});

describe('evaluate', () => {
  const ok = (body: string, status = 200, latencyMs = 5) => ({
    ok: true as const,
    status,
    headers: {},
    body,
    truncated: false,
    latencyMs,
  });
  test.each([
    [{ url: 'http://a/' }, ok('x'), undefined],
    [
      { url: 'http://a/' },
      { ok: false as const, error: 'connection refused', latencyMs: 1 },
      'expected a response, got connection refused',
    ],
    [{ url: 'http://a/', maxLatencyMs: 3 }, ok('x'), 'expected latency <= 3ms, got 5ms'],
    [{ url: 'http://a/', expectStatus: '200' }, ok('x', 500), 'expected status 200, got 500'],
    [{ url: 'http://a/', contains: 'y' }, ok('x'), 'expected the body to contain "y", got "x" (1 chars)'],
    [{ url: 'http://a/', json: [{ path: '$.a', equals: { b: [1] } }] }, ok('{"a":{"b":[1]}}'), undefined],
    [{ url: 'http://a/', json: [{ path: '$.a', equals: 2 }] }, ok('{"a":1}'), 'expected $.a == 2, got 1'],
  ])('%j', (check, outcome, want) => expect(evaluate(check, outcome)).toBe(want));

  test('snippets are cut, single-line, and redacted before cutting', () => {
    expect(snippet('a\n  b')).toBe('"a b" (5 chars)');
    expect(snippet('x'.repeat(200))).toMatch(/^"x{120}\.\.\." \(200 chars\)$/);
    const secret = 'S3CRET-VALUE';
    const body = `${'y'.repeat(110)}${secret}`;
    expect(snippet(body, (t) => t.split(secret).join('***'))).not.toContain('S3CR');
  });
});

describe('validateGate', () => {
  const base = { checks: [{ url: 'http://a/' }] };
  test.each([
    [{ checks: [] }, /no checks/],
    [{ ...base, waitMs: -1 }, /waitMs: -1 is negative/],
    [{ ...base, consecutive: 0 }, /consecutive: 0 is not an integer >= 1/],
    [
      { ...base, load: { requests: 5, concurrency: 10 } },
      /load.concurrency: 10 is more than load.requests \(5\)/,
    ],
    [
      { ...base, load: { requests: 5, concurrency: 1, maxErrorRate: 2 } },
      /load.maxErrorRate: 2 is not a fraction/,
    ],
    [
      { ...base, distribution: { min: 0.5, max: 0.2, samples: 10, match: 'x' } },
      /distribution.min: 0.5 is more than/,
    ],
    [{ ...base, distribution: { min: 0, max: 1, samples: 10 } }, /exactly one of match/],
    [{ ...base, tls: { ca: '-----BEGIN CERTIFICATE-----', insecure: true } }, /ca and insecure/],
    [{ ...base, tls: { ca: 'nope' } }, /not a PEM certificate/],
    [{ ...base, auth: { username: 'u', password: '' } }, /needs both username and password/],
    [{ checks: [{ url: 'ftp://a/' }] }, /check #1: url: "ftp:\/\/a\/" uses scheme ftp/],
  ])('rejects %j', (spec, msg) => expect(() => validateGate(spec as never)).toThrow(msg));
});

describe('statistics and verdicts', () => {
  test.each([
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 95, 4],
    [[5], 99, 5],
    [[], 50, 0],
    [Array.from({ length: 100 }, (_, i) => i + 1), 95, 95],
  ])('percentile(%j, %d) = %d', (xs, p, want) => expect(percentile(xs, p)).toBe(want));

  test('loadResult computes rates and thresholds', () => {
    const r = loadResult(
      { requests: 4, concurrency: 2, maxP95Ms: 3, maxErrorRate: 0.2 },
      'http://a/',
      Float64Array.from([1, 2, 3, 4]),
      1,
      { '200': 3, '500': 1 },
      2000,
    );
    expect(r).toMatchObject({ rps: 2, p50: 2, p95: 4, errorRate: 0.25, passed: false });
    expect(r.reasons).toEqual([
      'error rate 25% is above the 20% limit (1 of 4 requests)',
      'p95 latency 4ms is above the 3ms limit',
    ]);
  });

  test.each([
    [25, 0, 0.2, 0.3, undefined],
    [25, 0, 0.3, 0.4, 'expected 30%–40% of responses to match "v2", got 25% (25 of 100)'],
    [20, 20, 0.2, 0.3, '20 of 100 samples failed (20%, limit 0%)'],
    [0, 100, 0, 1, 'none of 100 samples got an expected response'],
  ])('distribution: %d matched, %d errors, [%d, %d]', (matched, errors, min, max, reason) => {
    expect(
      distributionVerdict({ match: 'v2', min, max, samples: 100 }, 'http://a/', matched, errors).reason,
    ).toBe(reason);
  });
});

describe('gateSummary and gateAnnotations', () => {
  const report: GateReport = {
    passed: false,
    reason: '1 of 2 checks failed; api: expected status 2xx, got 503',
    durationMs: 1200,
    checks: [
      {
        name: 'home',
        url: 'http://a/',
        method: 'GET',
        passed: true,
        status: 200,
        latencyMs: 12.3,
        attempts: 1,
        successes: 1,
      },
      {
        name: 'api',
        url: 'http://a/api',
        method: 'GET',
        passed: false,
        status: 503,
        latencyMs: 4,
        attempts: 7,
        successes: 0,
        reason: 'expected status 2xx, got 503',
      },
    ],
  };
  test('one row per check with url, status, latency, attempts, result and why', () => {
    const md = gateSummary(report, 'Gate').toString();
    expect(md).toContain('## ❌ Gate');
    expect(md).toContain('| home | GET http://a/ | 200 | 12 ms | 1 | ✅ pass |  |');
    expect(md).toContain(
      '| api | GET http://a/api | 503 | 4 ms | 7 | ❌ fail | expected status 2xx, got 503 |',
    );
  });
  test('one annotation per failed check', () => {
    expect(gateAnnotations(report)).toEqual([
      {
        title: 'Check failed: api',
        message: 'GET http://a/api: expected status 2xx, got 503 after 7 attempts',
      },
    ]);
  });
});
