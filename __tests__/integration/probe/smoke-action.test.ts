// The smoke-test action end to end, in-process: its engine run the way main.ts runs it, against
// real servers, with the runner's deps writing the GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and
// stdout captured to prove no secret leaks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { runEngine, type ActionDeps } from '@hac/toolkit';
import { runnerDeps } from '../../../packages/toolkit/action.js';

import { smokeTestMain } from '../../../packages/probe/entry.js';
import { startTestServer, type TestServer } from '../../support/http-servers.js';

const USER = 'deployer';
const PASSWORD = 'S3cr3t-Pa55word!';
const TOKEN = 'tok-9f8e7d6c5b4a';
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

let plain: TestServer;
let tls: TestServer;
let dir: string;
let stdout: string[];
let restore: () => void;
let savedEnv: NodeJS.ProcessEnv;
// @actions/core caches the summary file path on first use: one file for the suite, emptied per test.
const summaryFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hac-smoke-summary-')), 'summary');

beforeAll(async () => {
  plain = await startTestServer({ expectAuthorization: `Basic ${BASIC}` });
  tls = await startTestServer({ tls: true, expectAuthorization: `Bearer ${TOKEN}` });
});
afterAll(async () => {
  await plain.close();
  await tls.close();
  fs.rmSync(path.dirname(summaryFile), { recursive: true, force: true });
});

beforeEach(() => {
  savedEnv = { ...process.env };
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-smoke-'));
  process.env.GITHUB_WORKSPACE = dir;
  process.env.GITHUB_OUTPUT = path.join(dir, 'output');
  process.env.GITHUB_STEP_SUMMARY = summaryFile;
  fs.writeFileSync(process.env.GITHUB_OUTPUT, '');
  fs.writeFileSync(process.env.GITHUB_STEP_SUMMARY, '');
  for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_')) delete process.env[k];
  stdout = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  restore = () => void (process.stdout.write = write);
});
afterEach(() => {
  restore();
  process.env = savedEnv;
  process.exitCode = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Sets inputs the way the runner does: INPUT_<NAME uppercased, spaces to _>. */
function inputs(values: Record<string, string>): void {
  for (const [k, v] of Object.entries(values)) process.env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
}

/** Outputs from the GITHUB_OUTPUT file (name<<delimiter ... delimiter). */
function outputs(): Record<string, string> {
  const text = fs.readFileSync(process.env.GITHUB_OUTPUT as string, 'utf8');
  const out: Record<string, string> = {};
  const re = /^(.+?)<<(.+)\n([\s\S]*?)\n\2$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out[m[1] as string] = m[3] as string;
  return out;
}

const summary = () => fs.readFileSync(process.env.GITHUB_STEP_SUMMARY as string, 'utf8');
/** Stdout without the runner's own ::add-mask:: commands, which are how secrets get masked. */
const logged = () =>
  stdout
    .join('')
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');

const signal = () => new AbortController().signal;

/** The runner's deps (read when called, so the inputs set so far), with the test's signal. */
function deps(signal: AbortSignal): ActionDeps {
  const r = runnerDeps(process.env);
  const { env, inputs, clock, sleep, log, state, setOutputs, writeSummary } = r;
  return { env, inputs, clock, sleep, log, signal, state, setOutputs, writeSummary };
}

/** What actions/smoke-test/main.ts does, with the test's signal. */
const smoke = (s: AbortSignal = signal()) => runEngine(smokeTestMain, deps(s));

describe('smoke-test action', () => {
  test('passes: checks, load phase and distribution; outputs and summary written', async () => {
    plain.reset();
    inputs({
      url: `${plain.url('/ok')}\n${plain.url('/json')}`,
      'expect-status': '200',
      'load-requests': '200',
      'load-concurrency': '10',
      'max-p95': '2s',
      'distribution-match': 'ok',
      'distribution-samples': '20',
      'distribution-min': '0.9',
    });
    await smoke();
    expect(logged()).not.toContain('::error');
    expect(process.exitCode).toBeUndefined();
    const out = outputs();
    expect(out.passed).toBe('true');
    const report = JSON.parse(out.report as string);
    expect(report.checks).toHaveLength(2);
    expect(report.load).toMatchObject({ requests: 200, concurrency: 10, errors: 0 });
    expect(report.distribution).toMatchObject({ matched: 20, fraction: 1 });
    expect(Number(out.p95)).toBe(report.load.p95);
    expect(Number(out.p50)).toBeGreaterThan(0);
    expect(out.p99).toBeDefined();
    const s = summary();
    expect(s).toContain('| Check | URL | Status | Latency | Attempts | Result | Why |');
    expect(s).toContain(`| GET ${plain.url('/json')} | GET ${plain.url('/json')} | 200 |`);
    expect(s).toContain('### Load phase');
    expect(s).toContain('### Traffic distribution');
    expect(plain.countOf('/ok')).toBe(1 + 200 + 20);
  });

  test('fails with an annotation per failed check saying what was expected and what came back', async () => {
    inputs({
      checks: `- name: home\n  url: ${plain.url('/ok')}\n  contains: welcome\n- name: api\n  url: ${plain.url('/status/503')}\n- url: ${plain.url('/ok')}`,
    });
    await smoke();
    expect(process.exitCode).toBe(1);
    const log = logged();
    expect(log).toContain('::error title=Check failed%3A home::GET');
    expect(log).toContain('expected the body to contain "welcome", got "ok" (2 chars) after 1 attempt');
    expect(log).toContain('::error title=Check failed%3A api::');
    expect(log).toContain('expected status 2xx, got 503');
    expect(log).toMatch(/::error::Smoke test failed: 2 of 3 checks failed; home: /);
    expect(log).toContain('::error title=hac%3A next step::See the failed checks in the job summary');
    expect(outputs().passed).toBe('false');
    expect(summary()).toContain('| home |');
    expect(summary()).toContain('❌ fail');
  });

  test('basic-auth secrets never appear in stdout, outputs or the summary, even when the server echoes them', async () => {
    inputs({
      checks: `- url: ${plain.url('/auth')}\n- url: ${plain.url('/echo-headers')}\n  contains: impossible-text\n- url: ${plain.url('/echo-headers')}\n  json:\n    - path: $.authorization\n      equals: nope`,
      username: USER,
      password: PASSWORD,
      'load-requests': '0',
    });
    await smoke();
    expect(process.exitCode).toBe(1);
    // The credentials were sent (the /auth check passed) ...
    const report = JSON.parse(outputs().report as string);
    expect(report.checks[0].passed).toBe(true);
    // ... and masked the runner's way ...
    expect(stdout.join('')).toContain(`::add-mask::${PASSWORD}`);
    // ... and appear nowhere else in any form.
    const everything = [
      logged(),
      fs.readFileSync(process.env.GITHUB_OUTPUT as string, 'utf8'),
      summary(),
    ].join('\n');
    expect(everything).toContain('***');
    for (const leak of [
      PASSWORD,
      BASIC,
      BASIC.replace(/=+$/, ''),
      Buffer.from(PASSWORD).toString('base64'),
      encodeURIComponent(PASSWORD),
    ])
      expect(everything).not.toContain(leak);
    expect(everything).not.toContain(BASIC.slice(0, 12));
  });

  test('bearer token over HTTPS with a CA file: passes, and the token never appears', async () => {
    const caFile = path.join(dir, 'ca.pem');
    fs.writeFileSync(caFile, tls.ca as string);
    inputs({
      url: tls.url('/auth'),
      'bearer-token': TOKEN,
      'ca-file': caFile,
      contains: 'welcome',
    });
    await smoke();
    expect(process.exitCode).toBeUndefined();
    expect(outputs().passed).toBe('true');
    inputs({ url: tls.url('/echo-headers'), contains: 'zzz' });
    process.exitCode = undefined;
    await smoke();
    expect(process.exitCode).toBe(1);
    const everything = [
      logged(),
      fs.readFileSync(process.env.GITHUB_OUTPUT as string, 'utf8'),
      summary(),
    ].join('\n');
    for (const leak of [TOKEN, Buffer.from(TOKEN).toString('base64')]) expect(everything).not.toContain(leak);
  });

  test('self-signed TLS without a CA fails with a hint to give the CA', async () => {
    inputs({ url: tls.url('/ok') });
    await smoke();
    expect(process.exitCode).toBe(1);
    expect(logged()).toContain("::error title=hac%3A next step::Give the server's CA with ca or ca-file");
  });

  test('insecure: true accepts the self-signed certificate', async () => {
    inputs({ url: tls.url('/ok'), insecure: 'true' });
    await smoke();
    expect(process.exitCode).toBeUndefined();
  });

  test('a load phase over its threshold fails the step', async () => {
    inputs({ url: plain.url('/ok'), 'load-requests': '50', 'load-concurrency': '5', 'max-p95': '1ms' });
    // p95 of 1ms can pass on a fast machine; a slow endpoint makes the failure certain
    inputs({ url: plain.url('/slow?ms=20') });
    await smoke();
    expect(process.exitCode).toBe(1);
    expect(logged()).toMatch(
      /::error title=Load phase failed::.*p95 latency [\d.]+ms is above the 1ms limit/,
    );
    expect(Number(outputs().p95)).toBeGreaterThan(1);
  });

  test('cancellation aborts a request pending on a server that never answers', async () => {
    inputs({ url: plain.url('/silent'), timeout: '5m', 'wait-for': '0' });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error('received SIGTERM')), 300);
    const started = Date.now();
    await smoke(ctl.signal);
    // ended by the abort (the error says cancelled), far before the 5 min deadline it would wait out
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(process.exitCode).toBe(1);
    expect(logged()).toContain('Smoke test cancelled before it finished');
    expect(outputs().passed).toBe('false');
  });

  test('cancellation stops the wait and fails without a verdict', async () => {
    inputs({ url: plain.url('/status/503'), 'wait-for': '5m', interval: '50ms' });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error('received SIGTERM')), 150);
    const started = Date.now();
    await smoke(ctl.signal);
    // ended by the abort (the error says cancelled), far before the 5 min deadline it would wait out
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(process.exitCode).toBe(1);
    expect(logged()).toContain('Smoke test cancelled before it finished');
    expect(outputs().passed).toBe('false');
  });
});
