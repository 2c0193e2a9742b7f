// The pure parts of SSM Run Command provisioning, and how build-ami's inputs turn into an SSM command.
import { describe, expect, test } from '@jest/globals';
import { ec2ClientConfig, resolveEndpoint } from '../../../packages/aws/client.js';
import { scriptCommands, RUN_SHELL_SCRIPT } from '../../../packages/aws/ami/ssm-spec.js';
import {
  checkDocumentParameters,
  commandComment,
  isRetryableSsmError,
  onlinePollDelays,
  sendCommandInput,
} from '../../../packages/aws/ami/ssm.js';
import { readBuildAmiInputs } from '../../../packages/aws/ami/inputs.js';

describe('sendCommandInput', () => {
  const spec = { document: RUN_SHELL_SCRIPT, parameters: { commands: ['echo a', 'echo b'] } };
  test.each<[string, number, number, number]>([
    ['what is left of the timeout', 600_000, 600, 600],
    ['at least 30 s', 5_000, 30, 30],
    ['executionTimeout at most 48 h', 400_000_000, 172_800, 172_800],
  ])('timeouts: %s', (_t, remainingMs, execution, delivery) => {
    const input = sendCommandInput(spec, 'i-0123456789abcdef0', 'c', remainingMs);
    expect(input.Parameters?.executionTimeout).toEqual([String(execution)]);
    expect(input.TimeoutSeconds).toBe(delivery);
    expect(input).toMatchObject({
      InstanceIds: ['i-0123456789abcdef0'],
      DocumentName: RUN_SHELL_SCRIPT,
      Comment: 'c',
    });
    expect(input.Parameters?.commands).toEqual(['echo a', 'echo b']);
  });

  test('an executionTimeout given by the user wins; other documents get none added', () => {
    const own = sendCommandInput(
      { document: RUN_SHELL_SCRIPT, parameters: { commands: ['x'], executionTimeout: ['99'] } },
      'i-1',
      'c',
      600_000,
    );
    expect(own.Parameters?.executionTimeout).toEqual(['99']);
    const custom = sendCommandInput({ document: 'my-doc', parameters: { a: ['1'] } }, 'i-1', 'c', 600_000);
    expect(custom.Parameters).toEqual({ a: ['1'] });
  });
});

test('Online polls back off from 5 s to 15 s, never faster', () => {
  expect(onlinePollDelays(6)).toEqual([5000, 7500, 11250, 15000, 15000, 15000]);
  expect(Math.min(...onlinePollDelays(50))).toBe(5000);
});

test("the command comment is stable per run and instance, and fits SSM's 100 characters", () => {
  const a = commandComment('org/repo/123/1/build', 'i-0123456789abcdef0');
  expect(a).toBe(commandComment('org/repo/123/1/build', 'i-0123456789abcdef0'));
  expect(a).not.toBe(commandComment('org/repo/123/2/build', 'i-0123456789abcdef0'));
  expect(a.length).toBeLessThanOrEqual(100);
  expect(a).toMatch(/^hac build-ami [0-9a-f]{16}$/);
});

describe('checkDocumentParameters', () => {
  const declared = [{ Name: 'message' }, { Name: 'greeting', DefaultValue: 'hi' }];
  test.each<[string, Record<string, string[]>, string[]]>([
    ['all good', { message: ['x'] }, []],
    ['optional given', { message: ['x'], greeting: ['yo'] }, []],
    ['required missing', {}, ['doc requires the parameter "message"']],
    [
      'unknown name',
      { message: ['x'], msg: ['y'] },
      ['"msg" is not a parameter of doc (it has: message, greeting)'],
    ],
  ])('%s', (_t, given, problems) => {
    expect(checkDocumentParameters('doc', declared, given)).toEqual(problems);
  });
});

describe('isRetryableSsmError', () => {
  const service = (name: string, status: number) =>
    Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
  test.each<[string, unknown, boolean]>([
    ['throttling', service('ThrottlingException', 400), true],
    ['a 500', service('InternalServerError', 500), true],
    ['a 503', service('ServiceUnavailable', 503), true],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['an answerless SDK wrapper error', new Error('AWS SDK error wrapper for TimeoutError'), true],
    ['an invalid document', service('InvalidDocument', 400), false],
    ['an invalid instance', service('InvalidInstanceId', 400), false],
    ['access denied', service('AccessDeniedException', 400), false],
    ['no credentials', Object.assign(new Error('x'), { name: 'CredentialsProviderError' }), false],
  ])('%s -> %s', (_t, err, retry) => {
    expect(isRetryableSsmError(err)).toBe(retry);
  });
});

describe('SSM endpoints', () => {
  test.each<[string, string, NodeJS.ProcessEnv, string | undefined]>([
    ['none', '', {}, undefined],
    ['the input', 'http://127.0.0.1:1', {}, 'http://127.0.0.1:1'],
    [
      'AWS_ENDPOINT_URL_SSM before the input',
      'http://in:1',
      { AWS_ENDPOINT_URL_SSM: 'http://ssm:2' },
      'http://ssm:2',
    ],
    ['AWS_ENDPOINT_URL_EC2 is not for SSM', '', { AWS_ENDPOINT_URL_EC2: 'http://ec2:3' }, undefined],
    ['AWS_ENDPOINT_URL last', '', { AWS_ENDPOINT_URL: 'http://all:4' }, 'http://all:4'],
  ])('%s', (_t, input, env, expected) => {
    expect(resolveEndpoint(input, env, 'SSM')).toBe(expected);
    expect(ec2ClientConfig({ region: 'eu-west-1', endpoint: input, env }, 'SSM').endpoint).toBe(expected);
  });

  test('EC2 keeps its order: the input, then AWS_ENDPOINT_URL_EC2', () => {
    expect(resolveEndpoint('http://in:1', { AWS_ENDPOINT_URL_SSM: 'http://ssm:2' })).toBe('http://in:1');
    expect(resolveEndpoint('', { AWS_ENDPOINT_URL_EC2: 'http://ec2:3' })).toBe('http://ec2:3');
  });
});

test.each<[string, string[]]>([
  ['echo a\necho b\n', ['echo a', 'echo b']],
  ['echo a\r\necho b\r\n\r\n', ['echo a', 'echo b']],
  ['if true; then\n  echo x\nfi', ['if true; then', '  echo x', 'fi']],
])('scriptCommands(%j)', (script, lines) => {
  expect(scriptCommands(script)).toEqual(lines);
});

describe('build-ami inputs with SSM', () => {
  const env = { AWS_REGION: 'eu-west-1', GITHUB_REPOSITORY: 'org/web' };
  const read = (raw: Record<string, string>) =>
    readBuildAmiInputs((n) => raw[n] ?? (n === 'shutdown' ? 'true' : ''), { env, cwd: '/' });

  test('ssm-commands become AWS-RunShellScript commands; no user data is needed', () => {
    const v = read({
      'base-ami': 'ami-0123456789abcdef0',
      'iam-instance-profile': 'builder',
      'ssm-commands': 'apt-get update\napt-get install -y nginx\n',
    });
    expect(v.native?.ssm).toEqual({
      document: RUN_SHELL_SCRIPT,
      parameters: { commands: ['apt-get update', 'apt-get install -y nginx'] },
    });
    expect(v.native?.userData).toBe('');
  });

  test('user data beside SSM runs as given: no power-off wrapper', () => {
    const v = read({
      'base-ami': 'ami-0123456789abcdef0',
      'iam-instance-profile': 'builder',
      'ssm-commands': 'echo provision',
      'user-data': '#!/bin/bash\nsnap install amazon-ssm-agent --classic\n',
    });
    expect(v.native?.userData).toBe('#!/bin/bash\nsnap install amazon-ssm-agent --classic\n');
  });

  test('a custom document takes ssm-parameters as lists of strings', () => {
    const v = read({
      'base-ami': 'ami-0123456789abcdef0',
      'iam-instance-profile': 'arn:aws:iam::123456789012:instance-profile/builder',
      'ssm-document': 'Company-Provision',
      'ssm-parameters': 'release: 42\nflags: [a, true]\n',
    });
    expect(v.native?.ssm).toEqual({
      document: 'Company-Provision',
      parameters: { release: ['42'], flags: ['a', 'true'] },
    });
  });

  test('without SSM inputs the user data is wrapped and there is no SSM command', () => {
    const v = read({ 'base-ami': 'ami-0123456789abcdef0', 'user-data': 'echo hi' });
    expect(v.native?.ssm).toBeUndefined();
    expect(v.native?.userData).toContain('shutdown -h now');
  });
});
