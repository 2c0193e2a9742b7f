import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildRootBundle, runRoot } from '../../support/root-run.js';

// The root action (the Marketplace entry point) runs the root bundle, built here from the source,
// which runs the chosen action's own bundle with that action's inputs. Exercised as the runner would.
let bundle: string;
let distDir: string;
let server: http.Server;
let url: string;
let requests = 0;

beforeAll(async () => {
  ({ bundle, dir: distDir } = buildRootBundle());
  server = http.createServer((_req, res) => {
    requests++;
    res.end('ipsvc version 2.0.0');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}, 120_000);
afterAll(async () => {
  fs.rmSync(distDir, { recursive: true, force: true });
  await new Promise<void>((r) => server.close(() => r()));
});

describe('root action', () => {
  test('runs smoke-test with the forwarded inputs and its outputs and summary', async () => {
    const r = await runRoot(bundle, { 'hac-action': 'smoke-test', url, contains: 'version 2.0.0' });
    expect(r.status).toBe(0);
    expect(r.outputs.passed).toBe('true');
    expect(r.summary).toContain(url);
    expect(r.state).toMatch(/hac-action<<ghadelimiter_[\s\S]*"smoke-test"/);
    expect(r.stdout).not.toContain('::warning');
    expect(requests).toBeGreaterThan(0);
  });

  test('the legacy selector "action: smoke-test" still runs it, with a warning', async () => {
    const r = await runRoot(bundle, { action: 'smoke-test', url, contains: 'version 2.0.0' });
    expect(r.status).toBe(0);
    expect(r.outputs.passed).toBe('true');
    expect(r.stdout).toContain('::warning::');
    expect(r.stdout).toContain('use "hac-action: smoke-test"');
  });

  test('the chosen action failing fails the step', async () => {
    const r = await runRoot(bundle, { 'hac-action': 'smoke-test', url, contains: 'version 9' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('::error');
  });

  test.each([
    [
      { 'hac-action': 'smoke-tst', url: 'http://127.0.0.1:1/' },
      'input "hac-action": got "smoke-tst"; expected one of',
    ],
    [{ action: 'promote', app: 'web' }, 'input "hac-action": got an empty value'],
    [
      { 'hac-action': 'smoke-test', url: 'http://127.0.0.1:1/', steps: '10,50' },
      'hac/smoke-test has no input "steps"',
    ],
  ])('one clear error for %j, and no request', async (inputs, message) => {
    const before = requests;
    const r = await runRoot(bundle, inputs);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(message);
    expect(requests).toBe(before);
  });
});
