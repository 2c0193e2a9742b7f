import { describe, expect, test } from '@jest/globals';
import { ActionError } from '@hac/toolkit';
import { checkNameTemplate, nameVariables, renderName } from '../../../packages/aws/ami/name.js';
import { describeAwsError, dryRun } from '../../../packages/aws/errors.js';
import { ec2ClientConfig, resolveEndpoint, resolveRegion } from '../../../packages/aws/client.js';
import { idPattern, isId, type IdKind } from '../../../packages/aws/ids.js';
import {
  isShellScript,
  wrapUserData,
  SUCCESS_MARKER,
  FAILURE_MARKER,
} from '../../../packages/aws/ami/userdata.js';
import { isValidRegion } from '../../../packages/aws/regions.js';
import { runTags, defaultRunId } from '../../../packages/aws/tags.js';

describe('regions', () => {
  test.each([
    ['us-east-1', true],
    ['eu-central-2', true],
    ['us-gov-west-1', true],
    ['us-east-9', false],
    ['useast1', false],
    ['US-EAST-1', false],
    ['', false],
  ])('isValidRegion(%j) = %s', (r, ok) => expect(isValidRegion(r, { env: {} })).toBe(ok));

  test('HAC_AWS_EXTRA_REGIONS allows a newer region', () => {
    expect(isValidRegion('xx-new-1', { env: { HAC_AWS_EXTRA_REGIONS: 'xx-new-1' } })).toBe(true);
  });

  test.each<[string | undefined, NodeJS.ProcessEnv, string | RegExp]>([
    ['eu-west-1', { AWS_REGION: 'us-east-1' }, 'eu-west-1'],
    ['', { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'us-west-1' }, 'us-east-2'],
    [undefined, { AWS_DEFAULT_REGION: 'us-west-1' }, 'us-west-1'],
    ['', {}, /No AWS region/],
    ['', { AWS_DEFAULT_REGION: 'moon-1' }, /Unknown AWS region "moon-1" \(from AWS_DEFAULT_REGION\)/],
  ])('resolveRegion(%j, %j)', (input, env, expected) => {
    if (typeof expected === 'string') expect(resolveRegion(input, env)).toBe(expected);
    else expect(() => resolveRegion(input, env)).toThrow(expected);
  });

  test('endpoint: input, then AWS_ENDPOINT_URL_EC2, then AWS_ENDPOINT_URL; bad URLs rejected', () => {
    expect(resolveEndpoint('http://a:1', { AWS_ENDPOINT_URL: 'http://b:2' })).toBe('http://a:1');
    expect(resolveEndpoint('', { AWS_ENDPOINT_URL_EC2: 'http://c:3', AWS_ENDPOINT_URL: 'http://b:2' })).toBe(
      'http://c:3',
    );
    expect(resolveEndpoint('', {})).toBeUndefined();
    expect(() => resolveEndpoint('ftp://x', {})).toThrow(ActionError);
  });

  test('client config: adaptive retry, attempts, endpoint', () => {
    expect(
      ec2ClientConfig({
        region: 'us-east-1',
        maxAttempts: 4,
        env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:1' },
      }),
    ).toMatchObject({
      region: 'us-east-1',
      retryMode: 'adaptive',
      maxAttempts: 4,
      endpoint: 'http://127.0.0.1:1',
    });
    expect(ec2ClientConfig({ region: 'us-east-1', env: {} })).not.toHaveProperty('endpoint');
  });
});

describe('ids', () => {
  test.each<[IdKind, string, boolean]>([
    ['ami', 'ami-0123456789abcdef0', true],
    ['ami', 'ami-12345678', true],
    ['ami', 'ami-123', false],
    ['ami', 'AMI-12345678', false],
    ['instance', 'i-0123456789abcdef0', true],
    ['securityGroup', 'sg-0123abcd', true],
    ['subnet', 'subnet-0123456789abcdef0', true],
    ['allocation', 'eipalloc-0123456789abcdef0', true],
    ['launchTemplate', 'lt-0123456789abcdef0', true],
    ['snapshot', 'snap-0123456789abcdef0', true],
    ['networkInterface', 'eni-0123456789abcdef0', true],
    ['networkInterface', 'eni-0123456789abcdef', false],
    ['instance', 'ami-0123456789abcdef0', false],
  ])('%s %s -> %s', (kind, id, ok) => {
    expect(isId(kind, id)).toBe(ok);
    expect(idPattern(kind).test(id)).toBe(ok);
  });
});

describe('tags and run ids', () => {
  test('run tags win over extras', () => {
    expect(runTags('r1', 'p', { 'hac:run-id': 'spoof', team: 'x' })).toEqual([
      { Key: 'hac:run-id', Value: 'r1' },
      { Key: 'team', Value: 'x' },
      { Key: 'hac:purpose', Value: 'p' },
    ]);
  });
  test('defaultRunId', () => {
    expect(
      defaultRunId({
        GITHUB_RUN_ID: '42',
        GITHUB_RUN_ATTEMPT: '2',
        GITHUB_REPOSITORY: 'o/r',
        GITHUB_JOB: 'ami',
      }),
    ).toBe('o/r/42/2/ami');
    expect(defaultRunId({}, () => 'abc')).toBe('local-abc');
  });
});

describe('name templates', () => {
  const now = new Date('2024-06-10T14:59:59.123Z');
  const vars = nameVariables('web', now, {
    GITHUB_SHA: '3f9c2ab1234',
    GITHUB_RUN_NUMBER: '7',
    GITHUB_REF_NAME: 'feature/x',
  });
  test.each([
    ['{{app}}-{{timestamp}}-{{sha}}', 'web-20240610145959-3f9c2ab'],
    ['{{ app }} {{date}} run {{run-number}}', 'web 2024-06-10 run 7'],
    ['{{app}}-{{ref}}', 'web-feature-x'],
  ])('renderName(%j) = %j', (t, name) => {
    expect(checkNameTemplate(t)).toBe(true);
    expect(renderName(t, vars)).toBe(name);
  });
  test.each(['{{app}}-{{branch}}', '{{app}}#1', '', '{{app}}-{{sha}}-{x}'])(
    'checkNameTemplate(%j) = false',
    (t) => {
      expect(checkNameTemplate(t)).toBe(false);
    },
  );
});

describe('user data', () => {
  test.each([
    ['#!/bin/bash\necho', true],
    ['#!/usr/bin/env bash\necho', true],
    ['#!/bin/sh\necho', true],
    ['apt-get update', true],
    ['#!/usr/bin/python3\nprint()', false],
    ['#cloud-config\nruncmd: []', false],
    ['Content-Type: multipart/mixed', false],
  ])('isShellScript(%j) = %s', (s, ok) => expect(isShellScript(s)).toBe(ok));

  test('the wrapper powers off only on success and removes the script first', () => {
    const w = wrapUserData('apt-get install -y nginx', () => 'x');
    expect(w).toContain(
      'cat > "$script" <<\'HAC_PROVISION_x\'\n#!/bin/bash\napt-get install -y nginx\nHAC_PROVISION_x',
    );
    const success = w.slice(w.indexOf('if "$script"'), w.indexOf('else'));
    const failure = w.slice(w.indexOf('else'));
    expect(success).toContain('shutdown -h now');
    expect(success).toContain(SUCCESS_MARKER);
    expect(success.indexOf('rm -f')).toBeLessThan(success.indexOf('shutdown'));
    expect(failure).not.toContain('shutdown');
    expect(failure).toContain(FAILURE_MARKER);
  });
});

describe('AWS errors', () => {
  const svc = (name: string, message: string, status: number, attempts = 1) =>
    Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status, attempts } });
  test.each([
    [
      svc('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403),
      /RunInstances failed: UnauthorizedOperation: You are not authorized.*\(HTTP 403\)/,
      /IAM permission/,
    ],
    [
      svc('RequestLimitExceeded', 'Request limit exceeded.', 503, 6),
      /RequestLimitExceeded.*after 6 attempts/,
      /throttling/,
    ],
    [svc('InternalError', 'An internal error has occurred.', 500), /InternalError/, /server errors/],
    [
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      /socket hang up/,
      /could not be reached/,
    ],
    [
      svc('CredentialsProviderError', 'Could not load credentials from any providers', 0),
      /no AWS credentials were found.*AWS_ACCESS_KEY_ID/,
      /configure-aws-credentials/,
    ],
    [
      svc('InvalidAMIID.NotFound', "The image id '[ami-1]' does not exist", 400),
      /InvalidAMIID.NotFound/,
      /AMI id/,
    ],
  ])('describeAwsError %#', (err, message, hint) => {
    const e = describeAwsError(err, 'RunInstances');
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(hint);
  });

  test('dryRun: DryRunOperation is ok, a denial throws, a call that ran is "unsupported"', async () => {
    await expect(
      dryRun('X', () => Promise.reject(svc('DryRunOperation', 'would have succeeded', 412))),
    ).resolves.toBe('ok');
    await expect(dryRun('X', () => Promise.resolve({}))).resolves.toBe('unsupported');
    await expect(dryRun('X', () => Promise.reject(svc('UnauthorizedOperation', 'no', 403)))).rejects.toThrow(
      /X \(dry run\) failed: UnauthorizedOperation/,
    );
  });
});
