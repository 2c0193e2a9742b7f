// Prometheus scrapes the sandbox exporter, whose values tests set.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { requireSandbox, uniqueName, type SandboxEnv } from '../support/sandbox.js';

let sb: SandboxEnv;

async function query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${sb.prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  expect(body.status).toBe('success');
  return body.data.result;
}

async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('sandbox Prometheus', () => {
  beforeAll(() => {
    sb = requireSandbox(['prometheus', 'exporter']);
  });

  test('answers a query for a value set on the exporter', async () => {
    const run = uniqueName('prom');
    const value = Math.round(Math.random() * 1e6) / 100;
    const set = await fetch(
      `${sb.exporterUrl}/set?name=hac_sandbox_test_value&labels=${encodeURIComponent(`run=${run},kind=gauge`)}&value=${value}`,
      { method: 'POST' },
    );
    expect(set.status).toBe(200);
    const scraped = await (await fetch(`${sb.exporterUrl}/metrics`)).text();
    expect(scraped).toContain(`hac_sandbox_test_value{kind="gauge",run="${run}"} ${value}`);

    const result = await eventually(async () => {
      const r = await query(`hac_sandbox_test_value{run="${run}"}`);
      return r.length ? r : undefined;
    }, 'Prometheus to scrape the value');
    expect(result).toHaveLength(1);
    expect(Number(result[0]!.value[1])).toBe(value);

    // a new value replaces the old one at the next scrape
    await fetch(`${sb.exporterUrl}/set`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'hac_sandbox_test_value',
        labels: { run, kind: 'gauge' },
        value: value + 1,
      }),
    });
    await eventually(async () => {
      const r = await query(`hac_sandbox_test_value{run="${run}"}`);
      return Number(r[0]?.value[1]) === value + 1 ? true : undefined;
    }, 'Prometheus to scrape the updated value');
  }, 60000);

  test('counters incremented on the exporter give a rate', async () => {
    const run = uniqueName('prom-rate');
    const inc = () =>
      fetch(
        `${sb.exporterUrl}/inc?name=hac_sandbox_requests_total&type=counter&labels=${encodeURIComponent(`run=${run}`)}&value=10`,
        {
          method: 'POST',
        },
      );
    expect((await inc()).status).toBe(200);
    const result = await eventually(
      async () => {
        await inc();
        const r = await query(`increase(hac_sandbox_requests_total{run="${run}"}[30s])`);
        return r.length && Number(r[0]!.value[1]) > 0 ? r : undefined;
      },
      'a positive increase()',
      30000,
    );
    expect(Number(result[0]!.value[1])).toBeGreaterThan(0);
    const bad = await fetch(`${sb.exporterUrl}/set?name=bad-name&value=1`, { method: 'POST' });
    expect(bad.status).toBe(400);
  }, 60000);
});
