// The AWS path at the network edge, against moto behind the fault proxy and local servers that
// refuse or never answer: deadlines that fire, first contact that fails at once with the endpoint
// and region, retries kept for an endpoint that answered before, cancellation of pending requests,
// permanent errors without "re-run", and cleanup messages only when something was created.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ActionError } from '@hac/toolkit';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { swapEipPost } from '@hac/aws';
import { createEc2Client } from '../../../packages/aws/client.js';
import { postBuildAmi, runBuildAmi } from '../../../packages/aws/ami/action.js';
import { swapMainEngine } from '../../../packages/aws/eip/entry.js';
import { DescribeImagesCommand, DescribeVpcsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../../packages/aws/client.js';
import { forgetEndpoints } from '../../../packages/aws/endpoint.js';
import { readBuildAmiInputs } from '../../../packages/aws/ami/inputs.js';
import { eipDeps, runSteps } from '../../support/eip-deps.js';
import { isWriteAction, type FaultKind } from '../../support/fault-proxy.js';
import {
  awsSandbox,
  poweredOff,
  listLeaks,
  motoBaseAmi,
  NO_LEAKS,
  testRunId,
  type AwsSandbox,
} from '../../support/aws.js';

/** A TCP server that accepts connections and never answers. */
async function silentServer() {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((s) => {
    connections += 1;
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => r());
      }),
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

let sb: AwsSandbox;
let indep: EC2Client;
let baseAmi: string;
let silent: Awaited<ReturnType<typeof silentServer>>;

beforeAll(async () => {
  sb = await awsSandbox();
  indep = sb.independent();
  baseAmi = (await motoBaseAmi(indep)).id;
  silent = await silentServer();
});
afterAll(async () => {
  await silent.close();
  await sb.close();
});

async function build(
  opts: {
    endpoint?: string;
    raw?: Record<string, string>;
    abortSignal?: AbortSignal;
    env?: NodeJS.ProcessEnv;
  } = {},
) {
  forgetEndpoints();
  const runId = testRunId('edge');
  const env = { ...sb.env, ...(opts.endpoint ? { AWS_ENDPOINT_URL: opts.endpoint } : {}), ...opts.env };
  const raw: Record<string, string> = {
    app: 'edge',
    'run-id': runId,
    'base-ami': baseAmi,
    'user-data': '#!/bin/bash\necho provision\n',
    'max-attempts': '3',
    'name-template': `{{app}}-${runId}`,
    timeout: '1m',
    'image-timeout': '1m',
    ...opts.raw,
  };
  const inputs = readBuildAmiInputs((n) => raw[n] ?? '', { env });
  const state = memoryState();
  const started = Date.now();
  let error: ActionError | undefined;
  const outputs: Record<string, unknown> = {};
  try {
    await runBuildAmi(inputs, {
      env,
      credentials: sb.credentials,
      signal: poweredOff(indep),
      state,
      setOutputs: (o) => Object.assign(outputs, o),
      writeSummary: async () => {},
      log: () => {},
      ...(opts.abortSignal ? { abortSignal: opts.abortSignal } : {}),
    });
  } catch (err) {
    error = err as ActionError;
  }
  const amiId = outputs['ami-id'] as string | undefined;
  return { error, amiId, state, runId, env, name: `edge-${runId}`, ms: Date.now() - started };
}

const SDK_INTERNALS = /@aws-sdk|@smithy|\$response|Deserialization|UnknownError|\[object Object\]/;

describe('deadlines', () => {
  test('a silent EC2 endpoint on the first request: fails after the request timeout, once, naming it', async () => {
    const before = silent.connections();
    const { error, ms, state } = await build({ endpoint: silent.url, raw: { 'request-timeout': '1s' } });
    // the 1 s request timeout ended it, far before the 30 s default one; one connection, not retried
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(DEFAULT_REQUEST_TIMEOUT_MS / 3);
    expect(silent.connections() - before).toBe(1);
    expect(error?.message).toMatch(
      /failed: The EC2 endpoint http:\/\/127\.0\.0\.1:\d+ \(region us-east-1\) accepted the connection but sent no answer within 1s \(the request timeout, input "request-timeout"\) on the first request/,
    );
    expect(error?.hint).toMatch(/"endpoint" input and AWS_ENDPOINT_URL_EC2/);
    expect(error?.message).not.toMatch(/Cleaning up/);
    expect(state.dump().wrote).toBeUndefined();
  }, 20_000);

  test('an endpoint that answered before, then goes silent: retried within attempts x deadline', async () => {
    sb.proxy.clearFaults();
    sb.proxy.clearLog();
    sb.proxy.fail({ action: 'DescribeVpcs', kind: 'silent', times: Infinity });
    const { error, ms } = await build({
      endpoint: sb.proxy.url,
      raw: { 'request-timeout': '1s', 'max-attempts': '2' },
    });
    sb.proxy.clearFaults();
    expect(sb.proxy.count('DescribeVpcs')).toBe(2);
    // 2 attempts of the 1 s timeout, far from 2 of the 30 s default one
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan((2 * DEFAULT_REQUEST_TIMEOUT_MS) / 3);
    expect(error?.message).toMatch(/DescribeVpcs.*sent no answer within 1s.*\(after 2 attempts\)/);
    expect(error?.message).not.toMatch(/on the first request/);
    expect(sb.proxy.requests.filter((r) => isWriteAction(r.action))).toEqual([]);
  }, 30_000);

  test('after contact, an HTML 502 from a proxy is retried', async () => {
    forgetEndpoints();
    sb.proxy.clearFaults();
    sb.proxy.clearLog();
    const ec2 = createEc2Client({ env: sb.env, credentials: sb.credentials, maxAttempts: 3 });
    try {
      await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
      sb.proxy.fail({ action: 'DescribeVpcs', kind: 'html', status: 502 });
      const out = await ec2.send(new DescribeVpcsCommand({}));
      expect(out.Vpcs?.length).toBeGreaterThan(0);
      expect(sb.proxy.count('DescribeVpcs')).toBe(2);
    } finally {
      ec2.destroy();
      sb.proxy.clearFaults();
    }
  });
});

describe('first contact fails fast', () => {
  test('a refused connection: at once, with endpoint and region', async () => {
    const url = await closedPort();
    const { error } = await build({ endpoint: url });
    expect(error?.message).toContain(
      `The EC2 endpoint ${url} (region us-east-1) refused the connection (ECONNREFUSED) on the first request`,
    );
    expect(error?.message).not.toMatch(SDK_INTERNALS);
  });

  test.each<[FaultKind, RegExp]>([
    ['html', /answered HTTP 200 \(text\/html\) beginning "<!DOCTYPE html>.*", which is not the EC2 API/],
    [
      'bad-xml',
      /answered HTTP 200 \(text\/xml\) beginning "<\?xml.*" that does not parse, which is not the EC2 API/,
    ],
    ['text-500', /answered HTTP 500 \(text\/plain\) beginning "upstream failure", which is not the EC2 API/],
  ])(
    '%s from the first call: one request, a clear cause, no cleanup message, post does nothing',
    async (kind, cause) => {
      sb.proxy.clearFaults();
      sb.proxy.clearLog();
      sb.proxy.fail({ action: 'DescribeImages', kind, times: Infinity });
      const { error, state, env } = await build({ endpoint: sb.proxy.url });
      sb.proxy.clearFaults();
      expect(sb.proxy.actions()).toEqual(['DescribeImages']);
      expect(error?.message).toMatch(/The EC2 endpoint http:\/\/127\.0\.0\.1:\d+ \(region us-east-1\)/);
      expect(error?.message).toMatch(cause);
      expect(error?.message).not.toMatch(SDK_INTERNALS);
      expect(`${error?.message} ${error?.hint}`).not.toMatch(/Cleaning up|clean ?up|re-run/i);
      sb.proxy.clearLog();
      const logs: string[] = [];
      await postBuildAmi({
        state,
        env,
        credentials: sb.credentials,
        log: (l) => logs.push(l),
        warn: (l) => logs.push(l),
      });
      expect(sb.proxy.requests).toEqual([]);
      expect(logs).toEqual([expect.stringMatching(/main created nothing .*; nothing to sweep/)]);
    },
  );

  test('no region: one error naming where it was looked for and how to set it', async () => {
    const env = { ...sb.env, AWS_REGION: '', AWS_DEFAULT_REGION: '' };
    const { error } = await build({ env });
    expect(error?.message).toMatch(
      /No AWS region: the "region" input is empty and neither AWS_REGION nor AWS_DEFAULT_REGION/,
    );
    expect(error?.hint).toMatch(/configure-aws-credentials/);
  });

  test('no credentials: one error naming what the chain looked at, and nothing is sent', async () => {
    forgetEndpoints();
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_CONFIG_FILE: '/nonexistent/config',
    });
    for (const k of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    ])
      delete process.env[k];
    sb.proxy.clearLog();
    const ec2 = createEc2Client({ env: sb.env });
    try {
      const { describeAwsError } = await import('../../../packages/aws/errors.js');
      const err = await ec2.send(new DescribeVpcsCommand({})).catch((e: unknown) => e);
      const e = describeAwsError(err, 'DescribeVpcs');
      expect(e.message).toMatch(/DescribeVpcs failed: no AWS credentials were found.*AWS_ACCESS_KEY_ID/);
      expect(e.hint).toMatch(/aws-actions\/configure-aws-credentials/);
      expect(sb.proxy.requests).toEqual([]);
    } finally {
      ec2.destroy();
      process.env = saved;
    }
  });
});

describe('cancellation', () => {
  test('build-ami: an abort while a request to a silent endpoint is pending ends the run at once', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('received SIGTERM')), 300);
    const { error, ms, state, env } = await build({
      endpoint: silent.url,
      raw: { 'request-timeout': '60s' },
      abortSignal: ac.signal,
    });
    // ended by the abort at 300 ms, far before the 60 s request timeout
    expect(ms).toBeLessThan(20_000);
    expect(error?.message).toMatch(
      /The build was cancelled \(received SIGTERM\) and no image was kept\. It had not created anything\./,
    );
    // post decides from the state alone: nothing sent to the (silent) endpoint
    const before = silent.connections();
    const logs: string[] = [];
    await postBuildAmi({ state, env, log: (l) => logs.push(l), warn: (l) => logs.push(l) });
    expect(silent.connections()).toBe(before);
    expect(logs).toEqual([expect.stringMatching(/nothing to sweep/)]);
  }, 60_000);

  test('build-ami: cancelled while CreateImage hangs: ends promptly and removes what it created', async () => {
    sb.proxy.clearFaults();
    sb.proxy.clearLog();
    sb.proxy.fail({ action: 'CreateImage', kind: 'silent' });
    const ac = new AbortController();
    let abortedAt = 0;
    const timer = setInterval(() => {
      if (abortedAt || sb.proxy.count('CreateImage') === 0) return;
      abortedAt = Date.now();
      ac.abort(new Error('received SIGINT'));
    }, 20);
    const { error, runId, name } = await build({
      endpoint: sb.proxy.url,
      raw: { 'request-timeout': '10m' },
      abortSignal: ac.signal,
    });
    const sinceAbort = Date.now() - abortedAt;
    clearInterval(timer);
    sb.proxy.clearFaults();
    expect(error?.message).toMatch(/cancelled \(received SIGINT\).*Everything it had created was removed/);
    // from the abort to the end (about 7 s of cleanup): far from the hung CreateImage's 10 min timeout
    expect(abortedAt).toBeGreaterThan(0);
    expect(sinceAbort).toBeLessThan(60_000);
    expect(await listLeaks(indep, runId, { name })).toEqual(NO_LEAKS);
  }, 120_000);

  test('swap-eip: an abort while a request to a silent endpoint is pending ends the run at once; post does nothing', async () => {
    forgetEndpoints();
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('received SIGTERM')), 300);
    const state = memoryState();
    const started = Date.now();
    const inputs = {
      'instance-id': 'i-0123456789abcdef0',
      'allocation-id': 'eipalloc-0123456789abcdef0',
      'request-timeout': '60s',
    };
    const env = { ...sb.env, AWS_ENDPOINT_URL: silent.url };
    const main = swapMainEngine({ credentials: sb.credentials });
    const err = await runSteps(main, eipDeps({ inputs, env, state, signal: ac.signal })).catch(
      (e: unknown) => e as Error,
    );
    // ended by the abort at 300 ms, far before the 60 s request timeout
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((err as Error).message).toMatch(/SIGTERM|cancel|abort/i);
    const logs: string[] = [];
    const report = await runSteps(swapEipPost, eipDeps({ state, log: (l) => logs.push(l) }));
    expect(report.needed).toBe(false);
  }, 60_000);
});

describe('hints and cleanup messages tell the truth', () => {
  test('a permanent EC2 error (InvalidInstanceType.NotFound) never says re-run', async () => {
    sb.proxy.clearFaults();
    sb.proxy.fail({
      action: 'RunInstances',
      kind: 'error',
      status: 400,
      code: 'InvalidInstanceType.NotFound',
      times: Infinity,
    });
    const { error, runId, name } = await build({
      endpoint: sb.proxy.url,
      raw: { 'instance-type': 'x9.nope' },
    });
    sb.proxy.clearFaults();
    expect(error?.message).toMatch(/RunInstances \(dry run\) failed: InvalidInstanceType\.NotFound/);
    expect(error?.hint).toMatch(/instance-type/);
    expect(`${error?.message} ${error?.hint}`).not.toMatch(/re-run|Cleaning up/i);
    expect(await listLeaks(indep, runId, { name })).toEqual(NO_LEAKS);
  }, 60_000);

  test('cleanup that fails names what is left and how to remove it; post removes it', async () => {
    sb.proxy.clearFaults();
    sb.proxy.fail({ action: 'TerminateInstances', kind: '500', times: Infinity });
    const { error, state, runId, name, amiId, env } = await build({
      endpoint: sb.proxy.url,
      raw: { 'max-attempts': '1' },
    });
    sb.proxy.clearFaults();
    expect(amiId).toMatch(/^ami-/);
    expect(error?.message).toMatch(/was built and is available, but:/);
    expect(error?.message).toMatch(
      /instance i-\w+ in us-east-1 is left \(.*InternalError.*\); remove it with: aws ec2 terminate-instances --region us-east-1 --instance-ids i-\w+/,
    );
    await postBuildAmi({ state, env, credentials: sb.credentials, log: () => {}, warn: () => {} });
    expect(await listLeaks(indep, runId, { name, keepImages: [amiId as string] })).toMatchObject({
      instances: [],
      securityGroups: [],
    });
  }, 90_000);
});
