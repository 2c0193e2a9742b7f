import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

// The root action (the Marketplace entry point) runs the committed dist/hac bundle, which runs the
// chosen action's own bundle with that action's inputs. Exercised here as the runner would.
const root = path.resolve(import.meta.dirname, '../../..');
let server: http.Server;
let url: string;
let requests = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    requests++;
    res.end('ipsvc version 2.0.0');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

// The test server lives in this process, so the bundle runs asynchronously (spawnSync would block it).
async function runRoot(inputs: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-root-'));
  const files = { GITHUB_OUTPUT: 'output', GITHUB_STATE: 'state', GITHUB_STEP_SUMMARY: 'summary' };
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const [k, f] of Object.entries(files)) {
    env[k] = path.join(dir, f);
    fs.writeFileSync(env[k] as string, '');
  }
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const res = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'dist/hac/index.js')], { env });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('close', (status) => resolve({ status, stdout }));
  });
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  const out = {
    status: res.status,
    stdout: res.stdout,
    output: read('output'),
    state: read('state'),
    summary: read('summary'),
  };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

describe('root action', () => {
  test('runs smoke-test with the forwarded inputs and its outputs and summary', async () => {
    const r = await runRoot({ action: 'smoke-test', url, contains: 'version 2.0.0' });
    expect(r.status).toBe(0);
    expect(r.output).toMatch(/passed<<ghadelimiter_[\s\S]*\ntrue\n/);
    expect(r.summary).toContain(url);
    expect(r.state).toMatch(/hac-action<<ghadelimiter_[\s\S]*"smoke-test"/);
    expect(requests).toBeGreaterThan(0);
  });

  test('the chosen action failing fails the step', async () => {
    const r = await runRoot({ action: 'smoke-test', url, contains: 'version 9' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('::error');
  });

  test.each([
    [{ action: 'smoke-tst', url: 'http://127.0.0.1:1/' }, 'input "action": got "smoke-tst"; expected one of'],
    [
      { action: 'smoke-test', url: 'http://127.0.0.1:1/', steps: '10,50' },
      'hac/smoke-test has no input "steps"',
    ],
  ])('one clear error for %j, and no request', async (inputs, message) => {
    const before = requests;
    const r = await runRoot(inputs);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(message);
    expect(requests).toBe(before);
  });
});
