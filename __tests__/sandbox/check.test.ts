// scripts/sandbox/check.mjs runs its checks at once: a slow command in one (the docker CLI on a
// loaded machine) must not hold up another's HTTP request until its deadline fires. The docker
// CLI here is a stand-in that takes 2.5 s per call (a delay the real one shows only under load);
// the registry is a local server that answers at once.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { REPO_ROOT } from '../support/sandbox.js';

const CHECK = path.join(REPO_ROOT, 'scripts', 'sandbox', 'check.mjs');
let dir: string;
let server: http.Server;
let registry: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-check-'));
  fs.writeFileSync(path.join(dir, 'docker'), '#!/bin/sh\nsleep 2.5\necho 29.0.0\n', { mode: 0o755 });
  server = http.createServer((_req, res) => res.end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a check waiting on a slow command does not time out the others', async () => {
  const started = Date.now();
  const out = await new Promise<string>((resolve) => {
    execFile(
      process.execPath,
      // the registry's request is under way when the docker check starts
      [CHECK, 'registry', 'docker'],
      {
        encoding: 'utf8',
        timeout: 30_000,
        env: {
          ...process.env,
          PATH: `${dir}:${process.env.PATH}`,
          HAC_DOCKER_HOST: 'unix:///run/hac-test-docker.sock',
          HAC_REGISTRY: registry,
        },
      },
      (_err, stdout) => resolve(stdout),
    );
  });
  const report = JSON.parse(out) as {
    ok: boolean;
    results: { name: string; ok: boolean; reason?: string }[];
  };
  expect(report.results).toEqual([
    { name: 'registry', ok: true },
    { name: 'docker', ok: true },
  ]);
  expect(report.ok).toBe(true);
  // the two docker calls took 5 s one after the other, longer than the registry's 4 s deadline
  expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
});
