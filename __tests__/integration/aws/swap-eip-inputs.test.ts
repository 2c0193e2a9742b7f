// Bad input gets one clear error before any AWS write call, proved with the fault proxy's request log:
// input errors make no AWS request at all; problems only EC2 can reveal make reads only.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import { InputError } from '@hac/toolkit';
import { allocate, fixture, launch, runMain, whereIs, writes, type Fixture } from './swap-eip.fixture.js';

let f: Fixture;
let oldI: string;
let newI: string;
let stopped: string;
let eip: { allocationId: string; publicIp: string };
beforeAll(async () => {
  f = await fixture();
  [oldI, newI, stopped] = [await launch(f), await launch(f), await launch(f)];
  await f.ec2.send(new StopInstancesCommand({ InstanceIds: [stopped] }));
  eip = await allocate(f, oldI);
});
afterAll(async () => {
  await f.close();
});

const good = () => ({
  'instance-id': newI,
  'allocation-id': eip.allocationId,
  'health-url': `${f.health.origin}/pre/{{instance-id}}`,
  grace: '0',
});

describe('input errors: one InputError naming input, value and form; zero AWS requests', () => {
  test.each<[string, Record<string, string>, string, RegExp]>([
    ['malformed instance id', { 'instance-id': 'i-12345' }, 'instance-id', /instance id such as/],
    ['malformed allocation id', { 'allocation-id': 'eipalloc-ZZ' }, 'allocation-id', /allocation id/],
    ['public IP that is not IPv4', { 'allocation-id': '', 'public-ip': '1.2.3' }, 'public-ip', /IPv4/],
    ['unknown region', { region: 'eu-middle-7' }, 'region', /known AWS region/],
    [
      'instance-id and launch-template together',
      { 'launch-template': 'web' },
      'launch-template',
      /give either an instance or a launch template/,
    ],
    ['neither instance-id nor launch-template', { 'instance-id': '' }, 'instance-id', /launch-template/],
    [
      'allocation-id and public-ip together',
      { 'public-ip': '203.0.113.1' },
      'public-ip',
      /name the Elastic IP one way/,
    ],
    ['no Elastic IP', { 'allocation-id': '' }, 'allocation-id', /public-ip/],
    ['ami-id in instance mode', { 'ami-id': 'ami-0123456789abcdef0' }, 'ami-id', /launch-template/],
    [
      'bad launch template version',
      { 'instance-id': '', 'launch-template': 'web', 'launch-template-version': 'v2' },
      'launch-template-version',
      /\$Latest/,
    ],
    [
      'unknown URL placeholder',
      { 'health-url': 'http://{{private_ip}}/' },
      'health-url',
      /unknown placeholder/,
    ],
    [
      '{{eip}} in the pre-swap gate',
      { 'health-url': 'http://{{eip}}/' },
      'health-url',
      /cannot be used here/,
    ],
    ['unbalanced braces', { 'post-swap-url': 'http://{{eip}/' }, 'post-swap-url', /unbalanced/],
    ['template that is no URL', { 'post-swap-url': 'ftp://{{eip}}/' }, 'post-swap-url', /scheme ftp/],
    ['bad duration', { 'health-wait': 'forever' }, 'health-wait', /duration/],
    ['negative grace', { grace: '-1m' }, 'grace', /duration/],
    ['lock-ttl too short', { 'lock-ttl': '5s' }, 'lock-ttl', /at least 1m/],
    ['bad old-instance value', { 'old-instance': 'destroy' }, 'old-instance', /"stop", "terminate", "keep"/],
    [
      'network-interface-index out of range',
      { 'network-interface-index': '32' },
      'network-interface-index',
      /0 to 31/,
    ],
    ['private-ip not IPv4', { 'private-ip': 'ten.0.0.1' }, 'private-ip', /IPv4/],
    ['dry-run not a boolean', { 'dry-run': 'yes please' }, 'dry-run', /true or false/],
    ['endpoint not a URL', { endpoint: 'moto:5000' }, 'endpoint', /http\(s\) URL/],
  ])('%s', async (_, change, input, expected) => {
    f.sb.proxy.clearLog();
    const r = await runMain(f, { ...good(), ...change });
    expect(r.error).toBeInstanceOf(InputError);
    const p = (r.error as InputError).problems.find((x) => x.input === input);
    expect(p?.expected).toMatch(expected);
    expect(r.error?.message).toContain(`input "${input}"`);
    expect(f.sb.proxy.requests).toEqual([]);
  });
});

describe('environment errors: a clear ActionError; zero AWS requests', () => {
  test.each<[string, NodeJS.ProcessEnv, RegExp]>([
    [
      'unknown region in AWS_REGION',
      { AWS_REGION: 'us-middle-1' },
      /Unknown AWS region "us-middle-1" \(from AWS_REGION\)/,
    ],
    ['no region anywhere', { AWS_REGION: '', AWS_DEFAULT_REGION: '' }, /No AWS region/],
  ])('%s', async (_, env, message) => {
    f.sb.proxy.clearLog();
    const r = await runMain(f, good(), { env });
    expect(r.error?.message).toMatch(message);
    expect(r.error?.hint).toBeTruthy();
    expect(f.sb.proxy.requests).toEqual([]);
  });
});

describe('problems only EC2 can reveal: reads only, zero writes, the EIP untouched', () => {
  test.each<[string, () => Record<string, string>, RegExp]>([
    [
      'an instance that does not exist',
      () => ({ 'instance-id': 'i-0123456789abcdef0' }),
      /instance i-0123456789abcdef0 does not exist/,
    ],
    ['a stopped instance', () => ({ 'instance-id': stopped }), /is stopped, not running/],
    [
      'an interface index the instance lacks',
      () => ({ 'network-interface-index': '2' }),
      /no network interface at device index 2 \(it has: 0\)/,
    ],
    ['a private IP not on the instance', () => ({ 'private-ip': '192.0.2.77' }), /192.0.2.77 is not on eni-/],
    [
      'an Elastic IP that does not exist',
      () => ({ 'allocation-id': 'eipalloc-0123456789abcdef0' }),
      /Elastic IP eipalloc-0123456789abcdef0 does not exist/,
    ],
    [
      'a launch template that does not exist',
      () => ({ 'instance-id': '', 'launch-template': 'no-such-template' }),
      /launch template no-such-template does not exist/,
    ],
    [
      'allow-reassociation false on an associated address',
      () => ({ 'allow-reassociation': 'false' }),
      /"allow-reassociation" is false/,
    ],
  ])('%s', async (_, change, message) => {
    f.sb.proxy.clearLog();
    const r = await runMain(f, { ...good(), ...change() });
    expect(r.error?.message).toMatch(message);
    expect(r.error?.hint).toBeTruthy();
    expect(f.sb.proxy.requests.length).toBeGreaterThan(0);
    expect(writes(f)).toEqual([]);
    expect(await whereIs(f, eip.allocationId)).toMatchObject({ instanceId: oldI, lock: undefined });
  });
});
