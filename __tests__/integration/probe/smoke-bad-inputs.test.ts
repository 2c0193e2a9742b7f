// Every bad input is reported as one clear error naming the input, its value and the expected
// form, before a single request is sent.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { InputError, type ActionDeps } from '@hac/toolkit';

import { smokeDeps, smokeSteps } from '../../support/smoke-deps.js';
import { startTestServer, type TestServer } from '../../support/http-servers.js';

let server: TestServer;
let dir: string;
let caFile: string;
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';

beforeAll(async () => {
  server = await startTestServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-smoke-bad-'));
  caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, PEM);
  fs.writeFileSync(
    path.join(dir, 'bad-checks.yml'),
    '- url: http://127.0.0.1:1/\n  expect-status: 2xx\n  retries: 3\n',
  );
  fs.symlinkSync('/etc/passwd', path.join(dir, 'passwd-link.yml'));
  fs.writeFileSync(path.join(dir, 'deep.yml'), '['.repeat(1_000_000));
  fs.writeFileSync(path.join(dir, 'huge.yml'), `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
  fs.writeFileSync(path.join(dir, 'plain.yml'), 'SECRET_TOKEN=abc123\n');
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Deps for a step with these inputs: log lines kept, and no output or summary may be written. */
function deps(values: Record<string, string>, cwd?: string, lines: string[] = []): ActionDeps {
  return smokeDeps(values, {
    cwd,
    lines,
    setOutputs: () => {
      throw new Error('no output may be set for bad input');
    },
    writeSummary: async () => {
      throw new Error('no summary may be written for bad input');
    },
  });
}

type Case = [string, () => Record<string, string>, string, RegExp];
const ok = () => server.url('/ok');

// [description, inputs, input named in the error, what the message must say]
const cases: Case[] = [
  [
    'url and checks both',
    () => ({ url: ok(), checks: `- url: ${ok()}` }),
    'checks',
    /only one of url, checks or checks-file/,
  ],
  ['neither url nor checks', () => ({}), 'url', /a URL to check, or a list of checks/],
  [
    'min above max',
    () => ({ url: ok(), 'distribution-match': 'v2', 'distribution-min': '0.5', 'distribution-max': '0.2' }),
    'distribution-min',
    /got "0\.5"; expected at most distribution-max \(0\.2\)/,
  ],
  [
    'bad status range',
    () => ({ url: ok(), 'expect-status': '2xx,700' }),
    'expect-status',
    /got "2xx,700"; expected status codes/,
  ],
  [
    'backwards status range',
    () => ({ url: ok(), 'expect-status': '308-301' }),
    'expect-status',
    /got "308-301"/,
  ],
  [
    'invalid regex',
    () => ({ url: ok(), regex: '([a-z' }),
    'regex',
    /got "\(\[a-z"; expected a JavaScript regular expression/,
  ],
  [
    'malformed URL',
    () => ({ url: 'http//missing-colon' }),
    'url',
    /got "http\/\/missing-colon"; expected one or more absolute http/,
  ],
  ['non-http scheme', () => ({ url: 'ftp://127.0.0.1/file' }), 'url', /uses scheme ftp/],
  [
    'credentials in the URL',
    () => ({ url: ok().replace('//', '//user:pw@') }),
    'url',
    /must not carry credentials/,
  ],
  [
    'concurrency above requests',
    () => ({ url: ok(), 'load-requests': '10', 'load-concurrency': '20' }),
    'load-concurrency',
    /got "20"; expected at most load-requests \(10\)/,
  ],
  [
    'ca and ca-file both',
    () => ({ url: ok(), ca: PEM, 'ca-file': caFile }),
    'ca-file',
    /either ca or ca-file, not both/,
  ],
  [
    'insecure with ca',
    () => ({ url: ok(), ca: PEM, insecure: 'true' }),
    'insecure',
    /false when ca or ca-file is given/,
  ],
  [
    'bad duration',
    () => ({ url: ok(), 'wait-for': '5 minutes' }),
    'wait-for',
    /got "5 minutes"; expected a duration such as 30s/,
  ],
  [
    'negative number',
    () => ({ url: ok(), 'load-requests': '-5' }),
    'load-requests',
    /got "-5"; expected an integer from 0/,
  ],
  [
    'negative error rate',
    () => ({ url: ok(), 'load-requests': '5', 'max-error-rate': '-0.1' }),
    'max-error-rate',
    /expected a number from 0 to 1/,
  ],
  [
    'username without password',
    () => ({ url: ok(), username: 'deploy' }),
    'password',
    /expected a password, since username "deploy" is given/,
  ],
  [
    'bearer and basic both',
    () => ({ url: ok(), username: 'u', password: 'p4ss', 'bearer-token': 'tok3n' }),
    'bearer-token',
    /got "\*\*\*"; expected either bearer-token or username\/password/,
  ],
  [
    'bad json-path',
    () => ({ url: ok(), 'json-path': '$.a[x] == 1' }),
    'json-path',
    /got "\$\.a\[x\] == 1"; expected PATH == VALUE/,
  ],
  [
    'unreadable checks-file',
    () => ({ 'checks-file': path.join(dir, 'nope.yml') }),
    'checks-file',
    /expected a readable file .*nope\.yml: ENOENT/,
  ],
  [
    'malformed checks YAML',
    () => ({ checks: '- url: [unclosed' }),
    'checks',
    /checks are not valid YAML or JSON/,
  ],
  [
    'unknown key in a check',
    () => ({ checks: `- url: ${ok()}\n  expect_status: 200` }),
    'checks',
    /check #1: unknown key "expect_status"; expected one of name, url/,
  ],
  [
    'unknown key in a checks-file',
    () => ({ 'checks-file': path.join(dir, 'bad-checks.yml') }),
    'checks-file',
    /unknown key "retries"/,
  ],
  [
    'bad status inside a check',
    () => ({ checks: `- name: home\n  url: ${ok()}\n  expect-status: abc` }),
    'checks',
    /check "home": expect-status: "abc" is not a status/,
  ],
  [
    'distribution bounds without a pattern',
    () => ({ url: ok(), 'distribution-min': '0.2' }),
    'distribution-min',
    /to be used with distribution-match or distribution-regex/,
  ],
  [
    'max-p95 without a load phase',
    () => ({ url: ok(), 'max-p95': '200ms' }),
    'max-p95',
    /to be used with load-requests > 0/,
  ],
  [
    'header line without a colon',
    () => ({ url: ok(), headers: 'X-Trace abc' }),
    'headers',
    /got "\*\*\*"; expected a YAML map \(Name: value\)/,
  ],
  [
    'zero consecutive',
    () => ({ url: ok(), consecutive: '0' }),
    'consecutive',
    /got "0"; expected an integer from 1 to 1000/,
  ],
  [
    'zero timeout',
    () => ({ url: ok(), timeout: '0s' }),
    'timeout',
    /expected a duration such as 30s, 5m or 1h30m \(at least 1ms/,
  ],
  ['ca that is not PEM', () => ({ url: ok(), ca: 'not a cert' }), 'ca', /expected PEM certificates/],
  [
    'ca-file that is missing',
    () => ({ url: ok(), 'ca-file': path.join(dir, 'missing.pem') }),
    'ca-file',
    /a readable PEM file: .*missing\.pem: ENOENT/,
  ],
  [
    'checks-file with .. out of the workspace',
    () => ({ 'checks-file': '../../../../../../etc/passwd' }),
    'checks-file',
    /a path inside the workspace .*resolves outside it .*allow-paths-outside-workspace: true/,
  ],
  [
    'absolute checks-file out of the workspace',
    () => ({ 'checks-file': '/etc/passwd' }),
    'checks-file',
    /got "\/etc\/passwd"; expected .*a path inside the workspace/,
  ],
  [
    'checks-file that is a symlink out of the workspace',
    () => ({ 'checks-file': 'passwd-link.yml' }),
    'checks-file',
    /resolves outside it \(through a symlink to \/etc\/passwd\)/,
  ],
  [
    'ca-file out of the workspace',
    () => ({ url: ok(), 'ca-file': '/etc/ssl/certs/ca-certificates.crt' }),
    'ca-file',
    /a readable PEM file: a path inside the workspace/,
  ],
  [
    '1 MB of nesting in a checks-file',
    () => ({ 'checks-file': 'deep.yml' }),
    'checks-file',
    /checks are nested more than 200 levels deep/,
  ],
  [
    'a checks-file above the size limit',
    () => ({ 'checks-file': 'huge.yml' }),
    'checks-file',
    /a file of at most 1 MiB; .*huge\.yml has 2 MiB/,
  ],
  [
    'a checks-file of plain text',
    () => ({ 'checks-file': 'plain.yml' }),
    'checks-file',
    /the file holds plain text, not a list of checks/,
  ],
  [
    'inline checks nested too deeply',
    () => ({ checks: '{a: '.repeat(300) }),
    'checks',
    /checks are nested more than 200 levels deep/,
  ],
  [
    'an alias bomb in checks',
    () => ({ checks: aliasBomb() }),
    'checks',
    /more than 100 aliases are expanded/,
  ],
  [
    'an inline input above the size limit',
    () => ({ url: ok(), body: 'x'.repeat(300 * 1024) }),
    'body',
    /got "300 KiB of text"; expected at most 256 KiB of text/,
  ],
  [
    'a bearer-token with CRLF',
    () => ({ url: ok(), 'bearer-token': 'tok3n\r\nX-Injected: 1' }),
    'bearer-token',
    /got "\*\*\*"; expected a bearer token on one line, without control characters/,
  ],
  [
    'a password with a control character',
    () => ({ url: ok(), username: 'u', password: 'p4ss\u0007word' }),
    'password',
    /got "\*\*\*"; expected a password on one line/,
  ],
  [
    'a header value with CR',
    () => ({ url: ok(), headers: 'X-Trace: a\rb' }),
    'headers',
    /got "\*\*\*"; expected a YAML map/,
  ],
  [
    'a header value with ESC',
    () => ({ url: ok(), headers: 'X-Trace: a\u001bb' }),
    'headers',
    /got "\*\*\*"; expected a YAML map/,
  ],
  [
    'insecure that is not a boolean',
    () => ({ url: ok(), insecure: 'yes' }),
    'insecure',
    /got "yes"; expected true or false/,
  ],
];

test.each(cases)(
  '%s: one error naming the input, and zero requests',
  async (_what, inputs, name, message) => {
    server.reset();
    const values = inputs();
    const logs: string[] = [];
    const err = await smokeSteps(deps(values, dir, logs));
    expect(err).toBeInstanceOf(InputError);
    const problems = (err as InputError).problems;
    expect(problems.map((p) => p.input)).toEqual([name]);
    expect((err as InputError).message).toMatch(new RegExp(`input "${name}": got `));
    expect((err as InputError).message).toMatch(message);
    expect(server.count()).toBe(0);
    expect(logs).toEqual([]);
  },
);

/** Nine levels of nine aliases each: 9^9 nodes once expanded. */
function aliasBomb(): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `- url: http://127.0.0.1/\n  json:\n    $.x: {${lines.join(', ').replace(/: &/g, ': &')}}`;
}

test('no error quotes a file it refused, and URL credentials are never echoed', async () => {
  for (const values of [
    { 'checks-file': '/etc/passwd' },
    { 'checks-file': 'passwd-link.yml' },
    { 'checks-file': 'plain.yml' },
    { url: 'http://admin:s3cr3t-pw@127.0.0.1:1/' },
    { checks: '- url: http://admin:s3cr3t-pw@127.0.0.1:1/' },
  ] as Record<string, string>[]) {
    const err = (await smokeSteps(deps(values, dir))) as InputError;
    expect(err).toBeInstanceOf(InputError);
    const text = `${err.message}\n${JSON.stringify(err.problems)}`;
    for (const leak of ['root:', 'SECRET_TOKEN', 'abc123', 's3cr3t-pw']) expect(text).not.toContain(leak);
  }
});

test('allow-paths-outside-workspace: true reads a checks-file outside the workspace', async () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-smoke-outside-'));
  fs.writeFileSync(path.join(outside, 'checks.yml'), '- url: http://127.0.0.1:1/\n  retries: 3\n');
  const read = (allow: string) =>
    smokeSteps(
      deps({ 'checks-file': path.join(outside, 'checks.yml'), 'allow-paths-outside-workspace': allow }, dir),
    );
  try {
    // Read: the error is about its content (an unknown key), not about where it is.
    expect(((await read('true')) as InputError).message).toMatch(/unknown key "retries"/);
    expect(((await read('false')) as InputError).message).toMatch(/resolves outside it/);
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('there are at least 15 bad-input cases', () => expect(cases.length).toBeGreaterThanOrEqual(15));

test('several bad inputs are reported together', async () => {
  server.reset();
  const values: Record<string, string> = { url: ok(), regex: '(', 'wait-for': 'soon', consecutive: '-1' };
  const err = await smokeSteps(deps(values));
  expect((err as InputError).problems.map((p) => p.input).sort()).toEqual([
    'consecutive',
    'regex',
    'wait-for',
  ]);
  expect(server.count()).toBe(0);
});
