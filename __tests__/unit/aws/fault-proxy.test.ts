import http from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { startFaultProxy, isWriteAction, type FaultProxy } from '../../support/fault-proxy.js';

// A stand-in for moto: answers every EC2 call with an empty DescribeRegions response.
let upstream: http.Server;
let upstreamUrl: string;
let proxy: FaultProxy;
let upstreamHits = 0;

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      upstreamHits += 1;
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><regionInfo><item><regionName>us-east-1</regionName></item></regionInfo></DescribeRegionsResponse>',
      );
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  proxy = await startFaultProxy(upstreamUrl);
});

afterAll(async () => {
  await proxy.close();
  await new Promise((r) => upstream.close(r));
});

const client = (maxAttempts: number) =>
  new EC2Client({
    region: 'eu-west-1',
    endpoint: proxy.url,
    maxAttempts,
    retryMode: 'standard',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' },
  });

describe('fault proxy', () => {
  test('logs action and region, and forwards', async () => {
    proxy.clearLog();
    const out = await client(1).send(new DescribeRegionsCommand({}));
    expect(out.Regions?.[0]?.RegionName).toBe('us-east-1');
    expect(proxy.requests).toHaveLength(1);
    expect(proxy.requests[0]).toMatchObject({ action: 'DescribeRegions', region: 'eu-west-1' });
  });

  test.each([
    ['throttle', 'RequestLimitExceeded', 503],
    ['500', 'InternalError', 500],
  ] as const)('%s fails the chosen occurrence once, and the SDK retries', async (kind, code, status) => {
    proxy.clearLog();
    proxy.clearFaults();
    proxy.fail({ action: 'DescribeRegions', kind, occurrence: 2 });
    await client(1).send(new DescribeRegionsCommand({}));
    const err = await client(1)
      .send(new DescribeRegionsCommand({}))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: code, $metadata: { httpStatusCode: status } });
    await client(1).send(new DescribeRegionsCommand({}));
    expect(proxy.requests.map((r) => r.fault ?? '-')).toEqual(['-', kind, '-']);
    proxy.fail({ action: 'DescribeRegions', kind });
    await expect(client(3).send(new DescribeRegionsCommand({}))).resolves.toBeDefined();
  });

  test('drop closes the connection without reaching upstream; drop-after reaches it', async () => {
    proxy.clearFaults();
    const before = upstreamHits;
    proxy.fail({ action: 'DescribeRegions', kind: 'drop' });
    await expect(client(1).send(new DescribeRegionsCommand({}))).rejects.toThrow();
    expect(upstreamHits).toBe(before);
    proxy.fail({ action: 'DescribeRegions', kind: 'drop-after' });
    await expect(client(1).send(new DescribeRegionsCommand({}))).rejects.toThrow();
    expect(upstreamHits).toBe(before + 1);
  });

  test('persistent faults and region filters', async () => {
    proxy.clearFaults();
    proxy.fail({ action: 'DescribeRegions', kind: '500', times: Infinity, region: 'eu-west-1' });
    await expect(client(2).send(new DescribeRegionsCommand({}))).rejects.toMatchObject({
      name: 'InternalError',
    });
    const other = new EC2Client({
      region: 'us-west-2',
      endpoint: proxy.url,
      maxAttempts: 1,
      credentials: { accessKeyId: 'A', secretAccessKey: 'x' },
    });
    await expect(other.send(new DescribeRegionsCommand({}))).resolves.toBeDefined();
    proxy.clearFaults();
  });

  test.each([
    ['RunInstances', true],
    ['CreateImage', true],
    ['DescribeImages', false],
    ['GetConsoleOutput', false],
  ])('isWriteAction(%s) = %s', (action, write) => {
    expect(isWriteAction(action)).toBe(write);
  });
});
