import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { runGate, type GateSpec } from '@hac/probe';
import {
  closedPort,
  JSON_DOC,
  LARGE_BODY_END,
  startTestServer,
  type TestServer,
  unconnectablePort,
} from '../../support/http-servers.js';

/** Real requests, virtual time: sleeping advances the clock instantly. */
function virtualTime() {
  let now = 0;
  const slept: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      slept.push(ms);
      now += ms;
    },
    slept,
    random: () => 0.5,
  };
}

let plain: TestServer;
let tls: TestServer;

beforeAll(async () => {
  plain = await startTestServer({
    flapFailures: 3,
    expectAuthorization: `Basic ${Buffer.from('deploy:pa55-w0rd!').toString('base64')}`,
  });
  tls = await startTestServer({ tls: true });
});
afterAll(async () => {
  await plain.close();
  await tls.close();
});

const gate = (spec: Partial<GateSpec> & Pick<GateSpec, 'checks'>, t = virtualTime()) =>
  runGate(spec, { clock: t.clock, sleep: t.sleep, random: t.random });

describe('checks against a real server', () => {
  test('a healthy endpoint passes on the first attempt', async () => {
    const r = await gate({ checks: [{ url: plain.url('/ok'), contains: 'ok' }] });
    expect(r.passed).toBe(true);
    expect(r.checks[0]).toMatchObject({ passed: true, status: 200, attempts: 1 });
  });

  test('connection refused fails with a clear reason', async () => {
    const port = await closedPort();
    const r = await gate({ checks: [{ url: `http://127.0.0.1:${port}/` }] });
    expect(r.passed).toBe(false);
    expect(r.checks[0]?.reason).toBe('expected a response, got connection refused');
    expect(r.reason).toContain('1 of 1 checks failed');
  });

  test('a response slower than the timeout fails', async () => {
    const r = await gate({ checks: [{ url: plain.url('/slow?ms=3000'), timeoutMs: 100 }] });
    expect(r.passed).toBe(false);
    expect(r.checks[0]?.reason).toContain('no response within the 100ms timeout');
    expect(r.checks[0]?.status).toBeUndefined(); // cut at the deadline, not answered after 3 s
  });

  test('max latency fails a response that is slow but within the timeout', async () => {
    const r = await gate({ checks: [{ url: plain.url('/slow?ms=150'), maxLatencyMs: 50 }] });
    expect(r.checks[0]?.reason).toMatch(/^expected latency <= 50ms, got \d+ms$/);
  });

  test('a flapping server passes once it recovers, after N consecutive successes', async () => {
    plain.reset();
    const t = virtualTime();
    const r = await gate(
      { checks: [{ url: plain.url('/flap') }], waitMs: 60_000, intervalMs: 1000, consecutive: 2 },
      t,
    );
    expect(r.passed).toBe(true);
    expect(r.checks[0]).toMatchObject({ attempts: 5, successes: 2, status: 200 });
    expect(plain.countOf('/flap')).toBe(5);
    // backoff after failures 1, 2, 3 (jitter 0.5 -> 3/4 of the cap), then the plain interval between successes
    expect(t.slept).toEqual([750, 1500, 3000, 1000]);
  });

  test('a server that never recovers fails at the deadline with the last reason', async () => {
    plain.reset();
    const t = virtualTime();
    const r = await gate({ checks: [{ url: plain.url('/down') }], waitMs: 30_000, intervalMs: 1000 }, t);
    expect(r.passed).toBe(false);
    expect(r.checks[0]?.reason).toBe('expected status 2xx, got 503');
    expect(t.slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30_000);
    expect(r.checks[0]?.attempts).toBe(plain.countOf('/down'));
    expect(r.checks[0]?.attempts).toBeGreaterThan(3);
  });

  test.each([
    [{ expectStatus: '2xx' }, '/status/500', 'expected status 2xx, got 500'],
    [{ expectStatus: '500-599' }, '/status/500', undefined],
    [{ expectStatus: '200,404' }, '/nothing-here', undefined],
    [{ contains: 'healthy' }, '/ok', 'expected the body to contain "healthy", got "ok" (2 chars)'],
    [{ regex: '^o.$' }, '/ok', undefined],
    [{ regex: '^\\d+$' }, '/ok', 'expected the body to match /^\\d+$/, got "ok" (2 chars)'],
    [
      {
        json: [
          { path: '$.version', equals: '2.0' },
          { path: '$.items[0].name', equals: 'a b' },
        ],
      },
      '/json',
      undefined,
    ],
    [{ json: [{ path: '$.version', equals: '3.0' }] }, '/json', 'expected $.version == "3.0", got "2.0"'],
    [
      { json: [{ path: '$.missing', equals: 1 }] },
      '/json',
      'expected $.missing == 1, got no value at $.missing',
    ],
    [{ json: [{ path: '$.version', equals: '2.0' }] }, '/ok', 'expected a JSON body, got "ok" (2 chars)'],
  ])('expectations %j on %s', async (expectations, path, reason) => {
    const r = await gate({ checks: [{ url: plain.url(path), ...expectations }] });
    expect(r.checks[0]?.reason).toBe(reason);
    expect(r.passed).toBe(reason === undefined);
  });

  test('the JSON document served is what the json expectations read', () => {
    expect(JSON_DOC.version).toBe('2.0');
  });

  test('a 5 MB body is read to the end for contains', async () => {
    const r = await gate({ checks: [{ url: plain.url('/large'), contains: LARGE_BODY_END }] });
    expect(r.passed).toBe(true);
  });
});

describe('redirects', () => {
  test('are followed by default', async () => {
    const r = await gate({ checks: [{ url: plain.url('/redirect'), contains: 'ok' }] });
    expect(r.checks[0]).toMatchObject({ passed: true, status: 200 });
  });

  test('are not followed when followRedirects is false', async () => {
    const r = await gate({ checks: [{ url: plain.url('/redirect'), followRedirects: false }] });
    expect(r.checks[0]?.reason).toBe('expected status 2xx, got 302 to /ok');
    const r2 = await gate({
      checks: [{ url: plain.url('/redirect'), followRedirects: false, expectStatus: '301-308' }],
    });
    expect(r2.passed).toBe(true);
  });

  test('a redirect loop fails', async () => {
    const r = await gate({ checks: [{ url: plain.url('/redirect-loop') }] });
    expect(r.passed).toBe(false);
    expect(r.checks[0]?.reason).toMatch(/redirect/);
  });
});

describe('TLS with a self-signed certificate', () => {
  test('fails without the CA, naming the fix', async () => {
    const r = await gate({ checks: [{ url: tls.url('/ok') }] });
    expect(r.passed).toBe(false);
    expect(r.checks[0]?.reason).toMatch(
      /TLS verification failed: \w+ \(trust the server's CA with ca\/ca-file/,
    );
  });

  test('passes with the CA', async () => {
    const r = await gate({ checks: [{ url: tls.url('/ok'), contains: 'ok' }], tls: { ca: tls.ca } });
    expect(r.passed).toBe(true);
  });

  test('passes with insecure', async () => {
    const r = await gate({ checks: [{ url: tls.url('/ok') }], tls: { insecure: true } });
    expect(r.passed).toBe(true);
  });
});

describe('load phase', () => {
  test('reports latency percentiles, rps and passes within thresholds', async () => {
    plain.reset();
    const r = await gate({
      checks: [{ url: plain.url('/ok') }],
      load: { requests: 400, concurrency: 8, maxP95Ms: 5000, maxErrorRate: 0 },
    });
    expect(r.passed).toBe(true);
    expect(r.load).toMatchObject({ passed: true, requests: 400, errors: 0, statuses: { '200': 400 } });
    expect(r.load!.p50).toBeGreaterThan(0);
    expect(r.load!.p50).toBeLessThanOrEqual(r.load!.p95);
    expect(r.load!.p95).toBeLessThanOrEqual(r.load!.p99);
    expect(r.load!.rps).toBeGreaterThan(0);
    expect(plain.countOf('/ok')).toBe(401);
  });

  test('fails when the error rate is above the limit', async () => {
    const r = await gate({
      checks: [{ url: plain.url('/ok') }],
      load: { requests: 50, concurrency: 5, maxErrorRate: 0.1, check: { url: plain.url('/status/500') } },
    });
    expect(r.passed).toBe(false);
    expect(r.reason).toBe('load phase failed: error rate 100% is above the 10% limit (50 of 50 requests)');
    expect(r.load?.statuses).toEqual({ '500': 50 });
  });

  test('fails when p95 is above the limit', async () => {
    const r = await gate({
      checks: [{ url: plain.url('/ok') }],
      load: { requests: 20, concurrency: 4, maxP95Ms: 10, check: { url: plain.url('/slow?ms=40') } },
    });
    expect(r.passed).toBe(false);
    expect(r.reason).toMatch(/^load phase failed: p95 latency [\d.]+ms is above the 10ms limit$/);
  });

  test('counts transport errors', async () => {
    const port = await closedPort();
    const r = await gate({
      checks: [{ url: plain.url('/ok') }],
      load: { requests: 10, concurrency: 2, check: { url: `http://127.0.0.1:${port}/` } },
    });
    expect(r.load).toMatchObject({ passed: false, errors: 10, statuses: { error: 10 } });
  });
});

describe('traffic distribution', () => {
  test('measures an exact 1-in-4 split and passes within bounds', async () => {
    plain.reset();
    const r = await gate({
      checks: [{ url: plain.url('/ok') }],
      distribution: {
        match: 'version 2.0',
        min: 0.2,
        max: 0.3,
        samples: 200,
        check: { url: plain.url('/version') },
      },
    });
    expect(r.distribution).toMatchObject({
      passed: true,
      samples: 200,
      matched: 50,
      errors: 0,
      fraction: 0.25,
    });
    expect(r.passed).toBe(true);
  });

  test('fails outside the bounds, saying what it measured', async () => {
    plain.reset();
    const r = await gate({
      checks: [{ url: plain.url('/ok') }],
      distribution: {
        regex: 'version 2\\.\\d',
        min: 0.4,
        max: 0.6,
        samples: 100,
        check: { url: plain.url('/version') },
      },
    });
    expect(r.passed).toBe(false);
    expect(r.reason).toBe(
      'traffic distribution: expected 40%–60% of responses to match /version 2\\.\\d/, got 25% (25 of 100)',
    );
  });
});

describe('auth and secrets', () => {
  test('basic auth is sent, and a server echoing it back never leaks it into the report', async () => {
    const auth = { username: 'deploy', password: 'pa55-w0rd!' };
    const r = await gate({
      checks: [{ url: plain.url('/auth') }, { url: plain.url('/echo-headers'), contains: 'never-there' }],
      auth,
    });
    expect(r.checks[0]?.passed).toBe(true);
    const text = JSON.stringify(r);
    expect(text).toContain('***');
    for (const leak of ['pa55-w0rd!', Buffer.from('deploy:pa55-w0rd!').toString('base64')])
      expect(text).not.toContain(leak);
  });

  test('credential headers of a check are redacted too', async () => {
    const r = await gate({
      checks: [
        { url: plain.url('/echo-headers'), headers: { 'X-Api-Key': 'k3y-value-123' }, contains: 'zzz' },
      ],
    });
    expect(JSON.stringify(r)).not.toContain('k3y-value-123');
  });
});

describe('deadlines', () => {
  // URLs of checks cannot carry credentials (refused by validation); basic auth must not leak either.
  const auth = { username: 'deploy', password: 's3cr3t-pw' };
  // The reasons name which deadline passed and its length: the check's own, not a default one.
  const one = async (url: string, timeoutMs: number) => {
    const started = Date.now();
    const r = await gate({ checks: [{ name: 'probe', url, timeoutMs }], auth });
    return { r, reason: r.checks[0]?.reason ?? '', elapsed: Date.now() - started };
  };

  test('a server that accepts and never answers fails at the response deadline, naming the URL', async () => {
    const { r, reason } = await one(plain.url('/silent'), 300);
    expect(r.passed).toBe(false);
    expect(reason).toContain('no response within the 300ms timeout');
    expect(reason).toContain(`from ${plain.url('/silent')} `);
    expect(reason).toContain('sent no status line');
    expect(JSON.stringify(r)).not.toContain('s3cr3t-pw');
  });

  test('headers then a stalled body fails at the response deadline, saying the body stalled', async () => {
    const { reason } = await one(plain.url('/stall-body'), 300);
    expect(reason).toContain('the body did not end within the 300ms timeout');
    expect(reason).toContain('status 200 came, then the body stalled');
    expect(reason).not.toContain('s3cr3t-pw');
  });

  test('a body check on a stalled body fails the same way', async () => {
    const r = await gate({ checks: [{ url: plain.url('/stall-body'), contains: 'x', timeoutMs: 300 }] });
    expect(r.checks[0]?.reason).toContain('the body did not end within the 300ms timeout');
  });

  test('a port that never completes the handshake fails at the connect timeout', async () => {
    const hole = await unconnectablePort();
    try {
      const { reason } = await one(`http://127.0.0.1:${hole.port}/x`, 400);
      expect(reason).toContain(
        `could not connect to http://127.0.0.1:${hole.port} within the 400ms connect timeout`,
      );
      expect(reason).toContain('check the host and port');
    } finally {
      await hole.close();
    }
  });

  test('the connect timeout defaults to 5s, below a longer check timeout', async () => {
    const hole = await unconnectablePort();
    try {
      const { reason, elapsed } = await one(`http://127.0.0.1:${hole.port}/x`, 60_000);
      expect(reason).toContain('within the 5000ms connect timeout');
      // it waited for the 5 s connect deadline, and ended far before the 60 s check timeout
      expect(elapsed).toBeGreaterThanOrEqual(4900);
      expect(elapsed).toBeLessThan(60_000 / 3);
    } finally {
      await hole.close();
    }
  }, 30_000);

  test('a closed port fails at once with connection refused', async () => {
    // the refusal itself, not a deadline (a deadline's reason names it)
    const { reason } = await one(`http://127.0.0.1:${await closedPort()}/x`, 10_000);
    expect(reason).toBe('expected a response, got connection refused');
  });
});

describe('cancellation and bad specs', () => {
  test('an abort during the wait rejects with the signal reason', async () => {
    const ctl = new AbortController();
    const p = runGate(
      { checks: [{ url: plain.url('/down') }], waitMs: 60_000, intervalMs: 50 },
      { signal: ctl.signal },
    );
    setTimeout(() => ctl.abort(new Error('cancelled by test')), 100);
    await expect(p).rejects.toThrow('cancelled by test');
  });

  test('an abort during a slow request ends it promptly', async () => {
    const ctl = new AbortController();
    const started = Date.now();
    const p = runGate(
      { checks: [{ url: plain.url('/slow?ms=60000'), timeoutMs: 120_000 }] },
      { signal: ctl.signal },
    );
    setTimeout(() => ctl.abort(new Error('stop')), 100);
    await expect(p).rejects.toThrow('stop');
    // ended by the abort at 100 ms, not by the 60 s answer or the 120 s timeout
    expect(Date.now() - started).toBeLessThan(60_000 / 3);
  });

  test('an invalid spec throws before any request', async () => {
    plain.reset();
    await expect(
      runGate({
        checks: [{ url: plain.url('/ok') }],
        distribution: { match: 'x', min: 0.5, max: 0.2, samples: 10 },
      }),
    ).rejects.toThrow('distribution.min: 0.5 is more than distribution.max (0.2)');
    expect(plain.count()).toBe(0);
  });
});
