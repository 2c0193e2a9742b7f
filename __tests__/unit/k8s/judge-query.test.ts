// Range-query building and reading, and the transport's failures that the real Prometheus cannot
// be made to produce on demand (a hang past the deadline, a proxy's HTML page).
import { describe, expect, test } from '@jest/globals';
import {
  fetchStepSamples,
  queryRange,
  rangeUrl,
  readRangeAnswer,
  renderJudgeQuery,
  type FetchLike,
} from '../../../packages/k8s/canary/judge/prometheus.js';
import type { JudgeMetric } from '../../../packages/k8s/canary/judge/spec.js';

const W = { start: 1000, end: 1060, stepSeconds: 5 };
const target = { namespace: 'shop', app: 'web', canaryVersion: 'v2', baselineVersion: 'v1' };
const matrix = (...series: [number, string][][]) =>
  JSON.stringify({
    status: 'success',
    data: { resultType: 'matrix', result: series.map((values, i) => ({ metric: { i: String(i) }, values })) },
  });
const answer =
  (status: number, text: string): FetchLike =>
  async () => ({ status, text: async () => text });

describe('range queries', () => {
  test.each([
    ['x{role="{{role}}",v="{{ version }}"}', 'canary', 'x{role="canary",v="v2"}'],
    [
      'x{role="{{role}}",v="{{version}}",ns="{{namespace}}",app="{{app}}"}',
      'baseline',
      'x{role="baseline",v="v1",ns="shop",app="web"}',
    ],
  ] as const)('renderJudgeQuery(%s, %s)', (q, role, out) =>
    expect(renderJudgeQuery(q, target, role)).toBe(out),
  );

  test('rangeUrl keeps a base path and encodes the query', () => {
    expect(rangeUrl('http://prom:9090/prefix', 'up{a="b"}', W)).toBe(
      'http://prom:9090/prefix/api/v1/query_range?query=up%7Ba%3D%22b%22%7D&start=1000&end=1060&step=5s',
    );
  });

  test.each([
    [
      'one series',
      200,
      matrix([
        [1000, '1.5'],
        [1005, 'NaN'],
        [1010, '+Inf'],
      ]),
      { times: [1000, 1005, 1010], values: [1.5, NaN, Infinity] },
    ],
    ['no series is an empty one', 200, matrix(), { times: [], values: [] }],
  ])('readRangeAnswer: %s', (_w, status, text, out) => expect(readRangeAnswer(status, text)).toEqual(out));

  test.each([
    ['many series', 200, matrix([[1, '1']], [[1, '2']]), /2 series where one is expected; aggregate them/],
    [
      'an instant vector',
      200,
      JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }),
      /a vector result, not a matrix/,
    ],
    [
      'a Prometheus error',
      400,
      JSON.stringify({ status: 'error', error: 'parse error at char 3' }),
      /HTTP 400: parse error at char 3/,
    ],
    ['a proxy page', 502, '<html>bad gateway</html>', /HTTP 502, not a Prometheus answer/],
  ])('readRangeAnswer refuses %s', (_w, status, text, error) =>
    expect(() => readRangeAnswer(status, text)).toThrow(error),
  );

  test('an error names the endpoint without credentials, and the query', async () => {
    const seen: { url: string; auth: string | undefined }[] = [];
    const busy: FetchLike = async (url, init) => {
      seen.push({ url, auth: init.headers.authorization });
      return { status: 503, text: async () => '{"status":"error","error":"busy"}' };
    };
    const client = { url: 'http://user:secret@prom:9090/', fetch: busy };
    const err = await queryRange(client, 'up', W).catch((e: Error) => e);
    expect((err as Error).name).toBe('JudgeQueryError');
    expect((err as Error).message).toBe(
      'Prometheus range query to http://***@prom:9090/api/v1/query_range failed: HTTP 503: busy (query: up)',
    );
    expect((err as Error).message).not.toContain('secret');
    // the credentials travel as a Basic header, not in the URL
    expect(seen[0]!.url).toMatch(/^http:\/\/prom:9090\/api\/v1\/query_range\?query=up&/);
    expect(seen[0]!.auth).toBe(`Basic ${Buffer.from('user:secret').toString('base64')}`);
  });

  test('a hung request ends at the deadline', async () => {
    let reason: unknown;
    const hang: FetchLike = (_u, init) =>
      new Promise((_r, reject) =>
        init.signal.addEventListener('abort', () => {
          reason = init.signal.reason;
          reject(new Error('aborted'));
        }),
      );
    await expect(queryRange({ url: 'http://prom', fetch: hang, timeoutMs: 50 }, 'up', W)).rejects.toThrow(
      /failed: no answer within 50 ms \(query: up\)/,
    );
    // ended by the 50 ms deadline's own signal, not by the default 10 s one or a cancellation
    expect((reason as Error).name).toBe('TimeoutError');
  });

  test('fetchStepSamples turns a failed query into the metric error; cancellation throws', async () => {
    const metric: JudgeMetric = {
      name: 'm',
      query: 'x{role="{{role}}"}',
      bad: 'increase',
      tolerance: 1,
      weight: 1,
      critical: false,
      minSamples: 3,
      onError: 'fail',
    };
    const [s] = await fetchStepSamples(
      { url: 'http://prom', fetch: answer(500, 'oops') },
      [metric],
      target,
      W,
    );
    expect(s!.error).toMatch(/HTTP 500, not a Prometheus answer/);
    const ac = new AbortController();
    ac.abort();
    const hang: FetchLike = (_u, init) => Promise.reject(init.signal.reason as Error);
    await expect(
      fetchStepSamples({ url: 'http://prom', fetch: hang, signal: ac.signal }, [metric], target, W),
    ).rejects.toThrow(/cancelled/);
  });
});
