// The sandbox exporter's generated series (per-pod canary and baseline values drawn from chosen
// distributions at each scrape) and fleet-wide spikes. A private exporter process runs the
// current code on its own port, so this does not touch the shared one.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../support/sandbox.js';

const EXPORTER = path.join(REPO_ROOT, 'scripts', 'sandbox', 'exporter.mjs');
let dir: string;
let child: ChildProcess | undefined;
let base: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function start(): Promise<void> {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn(
    process.execPath,
    [EXPORTER, '--port', String(port), '--state', path.join(dir, 'state.json')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child!.once('exit', (code) => reject(new Error(`exporter exited with ${code}`)));
    child!.stdout!.once('data', () => resolve());
  });
}

async function stop(): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child!.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function call(method: string, route: string, body?: unknown) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The value of each series of `name` in one scrape, keyed by its pod label. */
async function scrape(name: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}\\{(.*)\\} (\\S+)$`).exec(line);
    if (m) out[/pod="([^"]+)"/.exec(m[1]!)![1]!] = Number(m[2]);
  }
  return out;
}

const pod = (role: string, i: number) => ({
  role,
  pod: `web-${role}-${i}`,
  app: 'web',
  version: role === 'canary' ? 'v2' : 'v1',
});

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-exporter-'));
  await start();
});
afterAll(async () => {
  await stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('exporter generated series', () => {
  test('each scrape draws a new value; seeded series repeat; the mean follows the distribution', async () => {
    for (const [role, mean] of [
      ['canary', 130],
      ['baseline', 100],
    ] as const)
      for (const i of [0, 1]) {
        const r = await call('PUT', '/series', {
          name: 'hac_judge_latency_ms',
          labels: pod(role, i),
          distribution: { kind: 'normal', mean, sd: 5 },
          seed: 7 + i,
        });
        expect(r.status).toBe(200);
      }
    const scrapes = [];
    for (let k = 0; k < 200; k++) scrapes.push(await scrape('hac_judge_latency_ms'));
    const canary0 = scrapes.map((s) => s['web-canary-0']!);
    const baseline0 = scrapes.map((s) => s['web-baseline-0']!);
    expect(new Set(canary0).size).toBe(200);
    const avg = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(avg(canary0)).toBeGreaterThan(128);
    expect(avg(canary0)).toBeLessThan(132);
    expect(avg(baseline0)).toBeGreaterThan(98);
    expect(avg(baseline0)).toBeLessThan(102);
    // the same seed gives the same stream (canary-0 and baseline-0 share seed 7: same noise, other mean)
    expect(canary0[0]! - 130).toBeCloseTo(baseline0[0]! - 100, 9);
  });

  test('lognormal and spikes', async () => {
    await call('PUT', '/series', {
      name: 'hac_judge_lognormal',
      labels: pod('canary', 0),
      distribution: { kind: 'lognormal', median: 50, sigma: 0.5 },
    });
    await call('PUT', '/series', {
      name: 'hac_judge_lognormal',
      labels: pod('baseline', 0),
      distribution: {
        kind: 'spikes',
        base: { kind: 'normal', mean: 10, sd: 0 },
        probability: 0.5,
        factor: 10,
      },
    });
    const values = [];
    for (let k = 0; k < 100; k++) values.push(await scrape('hac_judge_lognormal'));
    const logn = values.map((v) => v['web-canary-0']!).sort((a, b) => a - b);
    expect(logn[0]).toBeGreaterThan(0);
    expect(logn[50]).toBeGreaterThan(35);
    expect(logn[50]).toBeLessThan(70);
    const spiky = new Set(values.map((v) => v['web-baseline-0']));
    expect(spiky).toEqual(new Set([10, 100]));
  });

  test('a fleet-wide spike multiplies every matching series for its duration', async () => {
    for (const role of ['canary', 'baseline'])
      await call('PUT', '/series', {
        name: 'hac_judge_flat',
        labels: pod(role, 0),
        distribution: { kind: 'normal', mean: 10, sd: 0 },
      });
    await call('PUT', '/series', {
      name: 'hac_judge_flat',
      labels: { ...pod('canary', 1), app: 'other' },
      distribution: { kind: 'normal', mean: 10, sd: 0 },
    });
    const spike = await call('POST', '/spike', {
      name: 'hac_judge_flat',
      factor: 3,
      seconds: 1,
      match: { app: 'web' },
    });
    expect(spike.status).toBe(200);
    expect(await scrape('hac_judge_flat')).toEqual({
      'web-canary-0': 30,
      'web-baseline-0': 30,
      'web-canary-1': 10,
    });
    await new Promise((r) => setTimeout(r, 1100));
    expect(await scrape('hac_judge_flat')).toEqual({
      'web-canary-0': 10,
      'web-baseline-0': 10,
      'web-canary-1': 10,
    });
  });

  test.each([
    [{ name: 'x', distribution: { kind: 'uniform' } }, /bad kind "uniform"/],
    [{ name: 'x', distribution: { kind: 'normal', mean: 'a', sd: 1 } }, /bad mean "a"/],
    [{ name: 'x', distribution: { kind: 'normal', mean: 1, sd: -1 } }, /bad sd -1/],
    [{ name: 'x', distribution: { kind: 'lognormal', median: 0, sigma: 1 } }, /bad median 0/],
    [{ name: 'bad-name', distribution: { kind: 'normal', mean: 1, sd: 1 } }, /bad metric name/],
    [{ name: 'x', type: 'counter', distribution: { kind: 'normal', mean: 1, sd: 1 } }, /gauges/],
  ])('a bad series %j is refused with 400', async (body, error) => {
    const r = await call('PUT', '/series', body);
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(error);
  });

  test.each([
    [{ name: 'x', factor: 2, seconds: 0 }, /bad seconds/],
    [{ name: 'x', factor: 'big', seconds: 1 }, /bad factor/],
  ])('a bad spike %j is refused with 400', async (body, error) => {
    const r = await call('POST', '/spike', body);
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(error);
  });

  test('static values keep working beside generated ones; DELETE /series drops only generated ones', async () => {
    expect((await call('POST', '/set?name=hac_judge_mixed&labels=pod%3Dstatic&value=5')).status).toBe(200);
    await call('PUT', '/series', {
      name: 'hac_judge_mixed',
      labels: pod('canary', 0),
      distribution: { kind: 'normal', mean: 1, sd: 0 },
    });
    expect(await scrape('hac_judge_mixed')).toEqual({ static: 5, 'web-canary-0': 1 });
    await call('PUT', '/series', {
      name: 'hac_judge_mixed',
      labels: pod('baseline', 0),
      distribution: { kind: 'normal', mean: 2, sd: 0 },
    });
    expect((await call('DELETE', '/series?name=hac_judge_mixed&labels=role%3Dcanary')).status).toBe(200);
    expect(await scrape('hac_judge_mixed')).toEqual({ static: 5, 'web-baseline-0': 2 });
    expect((await call('DELETE', '/series?name=hac_judge_mixed')).status).toBe(200);
    expect(await scrape('hac_judge_mixed')).toEqual({ static: 5 });
  });

  test('generated series survive a restart (state file), with their seed', async () => {
    await call('PUT', '/series', {
      name: 'hac_judge_kept',
      labels: pod('baseline', 0),
      distribution: { kind: 'normal', mean: 100, sd: 10 },
      seed: 42,
    });
    const before = (await scrape('hac_judge_kept'))['web-baseline-0'];
    await stop();
    await start();
    expect((await scrape('hac_judge_kept'))['web-baseline-0']).toBe(before);
  });
});
