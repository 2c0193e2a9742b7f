import { describe, test, expect } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  parseMetrics,
  renderQuery,
  evaluateMetric,
  queryPrometheus,
  runMetrics,
  type MetricSpec,
} from '../../../packages/k8s/canary/metrics.js';
import { closedPort, unconnectablePort } from '../../support/http-servers.js';

describe('parseMetrics', () => {
  test('a full list', () => {
    expect(
      parseMetrics(`
- name: errors
  query: sum(rate(errors{app="{{app}}"}[1m]))
  max: 0.01
- {name: rps, query: "sum(rate(x[1m]))", min: 1, max: 100, on-empty: pass, on-nan: pass}
`),
    ).toEqual([
      {
        name: 'errors',
        query: 'sum(rate(errors{app="{{app}}"}[1m]))',
        max: 0.01,
        onEmpty: 'fail',
        onNaN: 'fail',
      },
      { name: 'rps', query: 'sum(rate(x[1m]))', min: 1, max: 100, onEmpty: 'pass', onNaN: 'pass' },
    ]);
  });
  test('empty input means no metrics', () => expect(parseMetrics('  ')).toEqual([]));

  test.each([
    ['- [unclosed', /not valid YAML/],
    ['name: x', /expected a YAML list/],
    ['- 5', /item 1 is not a mapping/],
    ['- {query: up, max: 1}', /"name" must be/],
    ['- {name: a, max: 1}', /"query" must be/],
    ['- {name: a, query: up}', /give "max" and\/or "min"/],
    ['- {name: a, query: up, max: "1"}', /"max" must be a finite number/],
    ['- {name: a, query: up, min: 2, max: 1}', /"min" is greater/],
    ['- {name: a, query: up, max: 1, threshold: 2}', /unknown key "threshold"/],
    ['- {name: a, query: up, max: 1, on-nan: maybe}', /"on-nan" must be fail or pass/],
    ['- {name: a, query: up, max: 1}\n- {name: a, query: up, max: 1}', /duplicate name "a"/],
  ])('%j is rejected', (raw, why) => {
    expect(() => parseMetrics(raw)).toThrow(why);
  });
});

describe('renderQuery', () => {
  test('substitutes known placeholders', () => {
    expect(renderQuery('x{app="{{ app }}",ns="{{namespace}}"}', { app: 'web', namespace: 'n' })).toBe(
      'x{app="web",ns="n"}',
    );
  });
  test('rejects unknown ones', () => {
    expect(() => renderQuery('{{ pod }}', { app: 'web' })).toThrow(/unknown placeholder \{\{ pod \}\}/);
  });
});

describe('evaluateMetric', () => {
  const spec = (over: Partial<MetricSpec> = {}): MetricSpec => ({
    name: 'm',
    query: 'q',
    max: 0.01,
    onEmpty: 'fail',
    onNaN: 'fail',
    ...over,
  });
  const vec = (...values: string[]) => ({
    resultType: 'vector' as const,
    result: values.map((v) => ({ metric: {}, value: [0, v] })),
  });
  test.each([
    ['under max', spec(), vec('0.005'), true, /^$/],
    ['at max', spec(), vec('0.01'), true, /^$/],
    ['over max', spec(), vec('0.02'), false, /value 0.02 is not <= 0.01/],
    ['one series of two over', spec(), vec('0', '0.5'), false, /0.5/],
    ['under min', spec({ max: undefined, min: 10 }), vec('3'), false, /not >= 10/],
    ['scalar', spec(), { resultType: 'scalar' as const, result: [0, '0'] }, true, /^$/],
    ['empty fails by default', spec(), vec(), false, /no data/],
    ['empty may pass', spec({ onEmpty: 'pass' }), vec(), true, /on-empty: pass/],
    ['NaN fails by default', spec(), vec('NaN'), false, /NaN/],
    ['NaN may pass', spec({ onNaN: 'pass' }), vec('NaN'), true, /on-nan/],
    ['+Inf is over any max', spec(), vec('+Inf'), false, /Infinity/],
    ['a matrix is refused', spec(), { resultType: 'matrix' as const, result: [] }, false, /instant vector/],
  ])('%s', (_name, s, data, passed, reason) => {
    const r = evaluateMetric(s, 'q', data);
    expect(r.passed).toBe(passed);
    expect(r.reason ?? '').toMatch(reason);
  });
});

describe('queryPrometheus', () => {
  async function server(answers: [number, unknown][]) {
    const seen: string[] = [];
    const srv = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${body}`);
        const [code, json] = answers.shift() ?? [500, {}];
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    return { url, seen, close: () => new Promise((r) => srv.close(r)) };
  }
  const ok = { status: 'success', data: { resultType: 'vector', result: [] } };

  test('retries 503 then succeeds', async () => {
    const s = await server([
      [503, { status: 'error', error: 'busy' }],
      [200, ok],
    ]);
    try {
      const data = await queryPrometheus('up', { url: s.url, sleep: async () => {} });
      expect(data).toEqual(ok.data);
      expect(s.seen).toHaveLength(2);
      expect(s.seen[0]).toBe('POST /api/v1/query query=up');
    } finally {
      await s.close();
    }
  });

  test('a 400 (bad PromQL) fails at once with the server message', async () => {
    const s = await server([
      [400, { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' }],
    ]);
    try {
      await expect(queryPrometheus('sum(', { url: s.url, sleep: async () => {} })).rejects.toThrow(
        /bad_data: parse error at char 5/,
      );
      expect(s.seen).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  async function raw(handler: http.RequestListener) {
    let hits = 0;
    const srv = http.createServer((req, res) => (hits++, handler(req, res)));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    const close = () => (srv.closeAllConnections(), new Promise((r) => srv.close(r)));
    return { url, hits: () => hits, close };
  }

  test('a server that accepts and never answers fails at the response deadline, naming the URL and what to check', async () => {
    const s = await raw(() => undefined);
    try {
      const err = (await queryPrometheus('up', {
        url: s.url,
        timeoutMs: 300,
        attempts: 2,
        sleep: async () => {},
      }).catch((e: unknown) => e)) as Error;
      expect(err.message).toContain(`Prometheus at ${s.url} is unreachable`);
      expect(err.message).toContain(`no response within the 300ms timeout from ${s.url}/api/v1/query`);
      expect(err.message).toContain('check prometheus-url');
      expect(s.hits()).toBe(2);
    } finally {
      await s.close();
    }
  });

  test('headers then a stalled body fails at the response deadline', async () => {
    const s = await raw((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 500 });
      res.write('{"status":"succ');
    });
    try {
      await expect(queryPrometheus('up', { url: s.url, timeoutMs: 300, attempts: 1 })).rejects.toThrow(
        /the body did not end within the 300ms timeout .*status 200 came, then the body stalled/,
      );
    } finally {
      await s.close();
    }
  });

  test('a port whose handshake never completes fails at the connect timeout', async () => {
    const hole = await unconnectablePort();
    try {
      const url = `http://127.0.0.1:${hole.port}`;
      await expect(queryPrometheus('up', { url, connectTimeoutMs: 300, attempts: 1 })).rejects.toThrow(
        `could not connect to ${url} within the 300ms connect timeout`,
      );
    } finally {
      await hole.close();
    }
  });

  test('an HTML page fails at once (no retry) saying it is not the Prometheus API', async () => {
    const s = await raw((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html><body>Grafana login</body></html>');
    });
    try {
      const err = (await queryPrometheus('up', { url: s.url, sleep: async () => {} }).catch(
        (e: unknown) => e,
      )) as Error;
      expect(err.message).toMatch(
        new RegExp(`^${s.url} did not answer as the Prometheus API: HTTP 200 text/html`),
      );
      expect(err.message).toContain('Grafana login');
      expect(err.message).toContain('check prometheus-url');
      expect(s.hits()).toBe(1);
    } finally {
      await s.close();
    }
  });

  test('an unreachable Prometheus fails the metric of a step, never a silent pass', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const results = await runMetrics(
      [{ name: 'errors', query: 'up', max: 1, onEmpty: 'fail', onNaN: 'fail' }],
      {},
      {
        url,
        attempts: 1,
      },
    );
    expect(results).toEqual([
      expect.objectContaining({
        name: 'errors',
        passed: false,
        reason: expect.stringContaining('connection refused'),
      }),
    ]);
  });

  test('an unreachable server is retried, then reported', async () => {
    let sleeps = 0;
    await expect(
      queryPrometheus('up', { url: 'http://127.0.0.1:1', attempts: 3, sleep: async () => void sleeps++ }),
    ).rejects.toThrow(/unreachable/);
    expect(sleeps).toBe(2);
  });
});
