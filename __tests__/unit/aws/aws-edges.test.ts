// The AWS path at its edges, as pure functions: how an endpoint failure is described, what counts
// as the API answering, which hints an error gets, the request deadlines, progress lines on a fake
// clock, and one error for an input that decides which others apply.
import { describe, expect, test } from '@jest/globals';
import { InputError } from '@hac/toolkit';
import { describeAwsError } from '../../../packages/aws/errors.js';
import { ec2ClientConfig } from '../../../packages/aws/client.js';
import { readSwapConfig } from '../../../packages/aws/eip/config.js';
import {
  describeEndpointProblem,
  EndpointError,
  looksLikeApi,
  networkProblem,
  type EndpointProblem,
} from '../../../packages/aws/endpoint.js';
import { pollState, progressLine, withProgress, type Ticker } from '../../../packages/aws/progress.js';
import { nothingToSweep } from '../../../packages/aws/ami/state.js';
import { nothingToUndo } from '../../../packages/aws/eip/names.js';
import { readBuildAmiInputs } from '../../../packages/aws/ami/inputs.js';

const ctx = {
  service: 'EC2' as const,
  region: 'eu-west-1',
  connectTimeoutMs: 5000,
  requestTimeoutMs: 30_000,
};

describe('endpoint problems', () => {
  test.each<[unknown, EndpointProblem]>([
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'refused'],
    [Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }), 'dns'],
    [
      Object.assign(
        new Error(
          '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 5000 ms.',
        ),
        { name: 'TimeoutError' },
      ),
      'connect-timeout',
    ],
    [
      Object.assign(new Error('a request has exceeded the configured 30000 ms requestTimeout.'), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      }),
      'response-timeout',
    ],
    [Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'tls'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'reset'],
    // The SDK's handler names a reset connection TimeoutError; it is not a timeout.
    [Object.assign(new Error('read ECONNRESET'), { name: 'TimeoutError', code: 'ECONNRESET' }), 'reset'],
    [
      Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError', code: 'ECONNREFUSED' }),
      'refused',
    ],
    [new Error('socket hang up'), 'reset'],
    [new Error('something else'), 'network'],
  ])('networkProblem %#', (err, problem) => expect(networkProblem(err).problem).toBe(problem));

  test.each<[EndpointProblem, RegExp, RegExp]>([
    ['refused', /refused the connection \(ECONNREFUSED\)/, /"endpoint" input and AWS_ENDPOINT_URL_EC2/],
    ['connect-timeout', /did not accept a connection within 5s \(the connect timeout/, /connect-timeout/],
    [
      'response-timeout',
      /accepted the connection but sent no answer within 30s \(the request timeout, input "request-timeout"\)/,
      /holds connections open/,
    ],
    [
      'not-the-api',
      /answered HTTP 200 \(text\/html\) beginning "<html>", which is not the EC2 API/,
      /web server/,
    ],
    ['tls', /failed the TLS handshake/, /NODE_EXTRA_CA_CERTS/],
  ])('%s: names the endpoint, the region, the deadline and what to check', (problem, message, hint) => {
    const detail = problem === 'not-the-api' ? 'HTTP 200 (text/html) beginning "<html>"' : 'x';
    const d = describeEndpointProblem(ctx, 'http://10.0.0.1:8080', { problem, detail }, true);
    expect(d.message).toMatch(/^The EC2 endpoint http:\/\/10\.0\.0\.1:8080 \(region eu-west-1\) /);
    expect(d.message).toMatch(message);
    expect(d.message).toMatch(/on the first request, so nothing was retried/);
    expect(d.hint).toMatch(hint);
    expect(d.hint).not.toMatch(/re-run/i);
  });

  test.each([
    [
      'EC2',
      '<?xml version="1.0"?>\n<DescribeImagesResponse xmlns="x"><imagesSet/></DescribeImagesResponse>',
      true,
    ],
    ['EC2', '<Response><Errors><Error><Code>X</Code></Error></Errors></Response>', true],
    ['EC2', '<!DOCTYPE html><html><body>hi</body></html>', false],
    ['EC2', '<?xml version="1.0"?><DescribeResponse><item>', true],
    ['EC2', '', false],
    ['EC2', 'upstream failure', false],
    ['SSM', '{"InstanceInformationList":[]}', true],
    ['SSM', '<html></html>', false],
    ['SSM', '[1]', false],
  ] as const)('looksLikeApi(%s, %j) = %s', (service, body, ok) =>
    expect(looksLikeApi(service, body)).toBe(ok),
  );

  test('describeAwsError keeps the endpoint text, adds attempts, and has no SDK internals', () => {
    const d = describeEndpointProblem(ctx, 'http://h:1', { problem: 'reset', detail: 'ECONNRESET' }, false);
    const err = new EndpointError(d.message, 'reset', d.hint, { retryable: true });
    err.$metadata.attempts = 3;
    const e = describeAwsError(err, 'DescribeImages');
    expect(e.message).toBe(
      'DescribeImages failed: The EC2 endpoint http://h:1 (region eu-west-1) closed the connection without an answer (ECONNRESET). (after 3 attempts)',
    );
    expect(e.message).not.toMatch(/@aws-sdk|@smithy|\$response|Deserialization/);
  });
});

describe('hints match the kind of error', () => {
  const svc = (name: string, status: number, fault: 'client' | 'server') =>
    Object.assign(new Error(`${name} happened`), {
      name,
      $fault: fault,
      $metadata: { httpStatusCode: status },
    });
  test.each([
    [svc('InvalidInstanceType.NotFound', 400, 'client'), /instance-type/],
    [svc('InvalidParameterValue', 400, 'client'), /input value/],
    [svc('UnauthorizedOperation', 403, 'client'), /IAM permission/],
    [svc('AuthFailure', 401, 'client'), /credentials were rejected/],
    [svc('SomeNewValidationError', 400, 'client'), /running it again fails the same way/],
    [svc('InvalidFoo.NotFound', 400, 'client'), /fix the input/],
  ])('permanent %#: never "re-run"', (err, hint) => {
    const e = describeAwsError(err, 'RunInstances');
    expect(e.hint).toMatch(hint);
    expect(e.hint).not.toMatch(/re-run/i);
  });

  test.each([
    [svc('InternalError', 500, 'server'), /re-run/i],
    [svc('Unavailable', 503, 'server'), /re-run/i],
  ])('transient %#: re-running may help', (err, hint) =>
    expect(describeAwsError(err, 'X').hint).toMatch(hint),
  );

  test('no credentials: one error naming what the chain looked at and how to provide them', () => {
    const err = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const e = describeAwsError(err, 'DescribeImages');
    expect(e.message).toMatch(/no AWS credentials were found/);
    expect(e.message).toMatch(/AWS_ACCESS_KEY_ID.*AWS_WEB_IDENTITY_TOKEN_FILE.*AWS_PROFILE.*metadata/);
    expect(e.hint).toMatch(/aws-actions\/configure-aws-credentials/);
  });
});

describe('request deadlines', () => {
  test.each([
    [{}, { connectionTimeout: 5000, requestTimeout: 30_000, socketTimeout: 30_000 }],
    [
      { connectTimeoutMs: 2000, requestTimeoutMs: 90_000 },
      { connectionTimeout: 2000, requestTimeout: 90_000, socketTimeout: 90_000 },
    ],
  ])('%j -> %j, and the request timeout throws', (given, handler) => {
    expect(ec2ClientConfig({ region: 'us-east-1', env: {}, ...given }).requestHandler).toEqual({
      ...handler,
      throwOnRequestTimeout: true,
    });
  });
});

describe('progress on long waits', () => {
  test.each([
    [{ Reservations: [{ Instances: [{ State: { Name: 'pending' } }] }] }, 'instance pending'],
    [{ Images: [{ State: 'pending' }] }, 'image pending'],
    [
      { InstanceStatuses: [{ InstanceStatus: { Status: 'initializing' }, SystemStatus: { Status: 'ok' } }] },
      'status checks: instance initializing, system ok',
    ],
    [{ InstanceStatuses: [] }, 'no status checks yet'],
    [{ Status: 'InProgress' }, 'command InProgress'],
    [{ Images: [] }, 'not visible yet'],
    [{}, undefined],
  ])('pollState(%j) = %j', (out, state) => expect(pollState(out)).toBe(state));

  test('progressLine', () => {
    expect(progressLine('ami-1 in us-east-1 to become available', 'image pending', 90_000, 3_600_000)).toBe(
      'Waiting for ami-1 in us-east-1 to become available: image pending; 1m30s elapsed, 58m30s left',
    );
  });

  test('one line every 30 s with the state the last poll saw, on a fake clock', async () => {
    let now = 0;
    let tick = () => {};
    let every = 0;
    let stopped = false;
    const ticker: Ticker = (fn, ms) => {
      tick = fn;
      every = ms;
      return () => void (stopped = true);
    };
    const states = ['pending', 'pending', 'available'];
    const client = { send: async (_: never) => ({ Images: [{ State: states.shift() }] }) };
    const lines: string[] = [];
    const out = await withProgress(
      client,
      {
        what: 'ami-1 to become available',
        timeoutMs: 120_000,
        log: (l) => lines.push(l),
        clock: () => now,
        ticker,
      },
      async (c) => {
        now = 30_000;
        tick(); // before any poll
        await c.send(never());
        now = 60_000;
        tick();
        await c.send(never());
        const last = await c.send(never());
        now = 90_000;
        return last;
      },
    );
    expect(every).toBe(30_000);
    expect(stopped).toBe(true);
    expect(out).toEqual({ Images: [{ State: 'available' }] });
    expect(lines).toEqual([
      'Waiting for ami-1 to become available: no answer yet; 30s elapsed, 1m30s left',
      'Waiting for ami-1 to become available: image pending; 1m elapsed, 1m left',
    ]);
  });
});

const never = () => undefined as never;

describe('post steps with nothing to do', () => {
  const store = (v: Record<string, unknown>) => ({
    get: <T>(k: string) => v[k] as T | undefined,
    save: () => {},
  });
  test.each([
    [{}, /did not start a build/],
    [{ 'run-id': 'r', regions: ['us-east-1'] }, /created nothing/],
    [{ 'run-id': 'r', regions: ['us-east-1'], wrote: true }, undefined],
  ])('build-ami %j', (state, idle) => {
    const got = nothingToSweep(store(state));
    if (idle) expect(got).toMatch(idle);
    else expect(got).toBeUndefined();
  });
  test.each([
    [undefined, true],
    [{ phase: 'finished' }, true],
    [{ phase: 'started' }, true],
    [{ phase: 'started', lock: 'me 2030-01-01T00:00:00.000Z' }, false],
    [{ phase: 'launching', lock: 'x' }, false],
  ])('swap-eip %j: nothing to undo = %s', (state, idle) =>
    expect(nothingToUndo(state) !== undefined).toBe(idle),
  );
});

describe('one mistake, one error', () => {
  test('build-ami: an unknown engine is reported alone', () => {
    const raw: Record<string, string> = { engine: 'docker', 'base-ami': 'ami-12345678', vars: 'a=b' };
    let err: unknown;
    try {
      readBuildAmiInputs((n) => raw[n] ?? '', { env: { GITHUB_REPOSITORY: 'o/app' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems).toEqual([
      { input: 'engine', value: 'docker', expected: expect.stringMatching(/native.*packer/) },
    ]);
  });

  test('swap-eip: a malformed instance-id is reported alone, not with launch-template errors', () => {
    const raw: Record<string, string> = {
      'instance-id': 'i-nope',
      'allocation-id': 'eipalloc-0123456789abcdef0',
    };
    let err: unknown;
    try {
      readSwapConfig((n) => raw[n] ?? '');
    } catch (e) {
      err = e;
    }
    expect((err as InputError).problems.map((p) => p.input)).toEqual(['instance-id']);
  });
});
