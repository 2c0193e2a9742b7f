// swap-eip's inputs: the forms they accept and one clear InputError for everything wrong.
import { describe, expect, test } from '@jest/globals';
import { InputError } from '@hac/toolkit';
import { readSwapConfig } from '../../../packages/aws/eip/config.js';

const good = {
  'instance-id': 'i-0123456789abcdef0',
  'allocation-id': 'eipalloc-0123456789abcdef0',
  'health-url': 'http://{{private-ip}}:8080/healthz',
};
const read = (raw: Record<string, string>) => readSwapConfig((n) => raw[n] ?? '');

function problems(raw: Record<string, string>) {
  try {
    read(raw);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('no InputError');
}

describe('readSwapConfig: good inputs', () => {
  test('instance mode with defaults', () => {
    const c = read(good);
    expect(c.target).toEqual({ mode: 'instance', instanceId: 'i-0123456789abcdef0' });
    expect(c.address).toEqual({ allocationId: 'eipalloc-0123456789abcdef0' });
    expect(c).toMatchObject({
      allowReassociation: true,
      oldInstance: 'stop',
      graceMs: 30_000,
      lockTtlMs: 1_800_000,
      lockTimeoutMs: 300_000,
      waitTimeoutMs: 600_000,
      dryRun: false,
      maxAttempts: 6,
    });
    expect(c.preGate).toEqual({
      kind: 'url',
      template: 'http://{{private-ip}}:8080/healthz',
      waitMs: 300_000,
      intervalMs: 5000,
      consecutive: 1,
    });
    expect(c.postGate).toBeUndefined();
  });

  test('launch mode by name, with AMI override, tags and a post-swap gate list', () => {
    const c = read({
      'launch-template': 'web-lt',
      'launch-template-version': '$Latest',
      'ami-id': 'ami-0123456789abcdef0',
      tags: 'app=web\nrelease: 42',
      'public-ip': '203.0.113.7',
      'post-swap-checks':
        '- url: http://{{eip}}/healthz\n  expect-status: 200\n- url: http://{{eip}}/version\n  contains: "{{instance-id}}"',
      'post-swap-wait': '30s',
      'old-instance': 'terminate',
      grace: '0',
      'network-interface-index': '1',
      'private-ip': '10.0.1.5',
    });
    expect(c.target).toEqual({
      mode: 'launch',
      template: { name: 'web-lt', version: '$Latest' },
      amiId: 'ami-0123456789abcdef0',
      tags: { app: 'web', release: '42' },
    });
    expect(c.address).toEqual({ publicIp: '203.0.113.7' });
    expect(c.postGate).toMatchObject({ kind: 'checks', waitMs: 30_000 });
    expect(c).toMatchObject({
      oldInstance: 'terminate',
      graceMs: 0,
      networkInterfaceIndex: 1,
      privateIp: '10.0.1.5',
    });
  });

  test('launch template by id defaults to $Default', () => {
    expect(
      read({ ...good, 'instance-id': '', 'launch-template': 'lt-0123456789abcdef0' }).target,
    ).toMatchObject({ template: { id: 'lt-0123456789abcdef0', version: '$Default' } });
  });
});

describe('readSwapConfig: bad inputs', () => {
  test.each<[string, Record<string, string>, string, RegExp]>([
    [
      'malformed instance id',
      { 'instance-id': 'i-123' },
      'instance-id',
      /instance id such as i-0123456789abcdef0/,
    ],
    ['instance id of another kind', { 'instance-id': 'ami-0123456789abcdef0' }, 'instance-id', /instance id/],
    [
      'malformed allocation id',
      { 'allocation-id': 'eipalloc-xyz' },
      'allocation-id',
      /allocation id such as eipalloc-/,
    ],
    [
      'public IP not an IPv4 address',
      { 'allocation-id': '', 'public-ip': '300.1.2.3' },
      'public-ip',
      /IPv4 address/,
    ],
    ['private IP not an IPv4 address', { 'private-ip': '10.0.0' }, 'private-ip', /IPv4 address/],
    ['unknown region', { region: 'us-east-9' }, 'region', /known AWS region/],
    ['region of bad form', { region: 'Frankfurt' }, 'region', /known AWS region/],
    ['endpoint not a URL', { endpoint: 'localhost:4566' }, 'endpoint', /http\(s\) URL/],
    [
      'instance-id and launch-template together',
      { 'launch-template': 'web-lt' },
      'launch-template',
      /empty when "instance-id" is set/,
    ],
    [
      'neither instance-id nor launch-template',
      { 'instance-id': '' },
      'instance-id',
      /or a "launch-template"/,
    ],
    [
      'allocation-id and public-ip together',
      { 'public-ip': '203.0.113.7' },
      'public-ip',
      /empty when "allocation-id" is set/,
    ],
    [
      'neither allocation-id nor public-ip',
      { 'allocation-id': '' },
      'allocation-id',
      /or the Elastic IP in "public-ip"/,
    ],
    [
      'ami-id without launch-template',
      { 'ami-id': 'ami-0123456789abcdef0' },
      'ami-id',
      /empty unless "launch-template"/,
    ],
    [
      'launch-template-version without launch-template',
      { 'launch-template-version': '3' },
      'launch-template-version',
      /empty unless/,
    ],
    [
      'bad launch template version',
      { 'instance-id': '', 'launch-template': 'web-lt', 'launch-template-version': 'latest' },
      'launch-template-version',
      /\$Latest, \$Default or a version number/,
    ],
    [
      'launch template name too short',
      { 'instance-id': '', 'launch-template': 'ab' },
      'launch-template',
      /3 to 128/,
    ],
    [
      'malformed AMI id',
      { 'instance-id': '', 'launch-template': 'web-lt', 'ami-id': 'ami-12' },
      'ami-id',
      /AMI id/,
    ],
    [
      'unknown placeholder',
      { 'health-url': 'http://{{ip}}:8080/' },
      'health-url',
      /unknown placeholder \{\{ip\}\}/,
    ],
    [
      '{{eip}} before the swap',
      { 'health-url': 'http://{{eip}}/healthz' },
      'health-url',
      /\{\{eip\}\} cannot be used here/,
    ],
    ['unbalanced braces', { 'post-swap-url': 'http://{{eip}/' }, 'post-swap-url', /unbalanced/],
    [
      'URL template not a URL',
      { 'health-url': '{{private-ip}}:8080/healthz' },
      'health-url',
      /not a URL|scheme/,
    ],
    [
      'URL template with credentials',
      { 'health-url': 'http://user:pw@{{private-ip}}/' },
      'health-url',
      /credentials/,
    ],
    [
      'health-url and health-checks together',
      { 'health-checks': '- url: http://{{private-ip}}/' },
      'health-checks',
      /empty when "health-url" is set/,
    ],
    [
      'checks that are not YAML',
      { 'health-url': '', 'health-checks': '- url: [' },
      'health-checks',
      /not valid YAML/,
    ],
    [
      'check with a bad status',
      { 'health-url': '', 'health-checks': '- url: http://{{private-ip}}/\n  expect-status: abc' },
      'health-checks',
      /expect-status/,
    ],
    ['bad duration', { grace: 'soon' }, 'grace', /duration such as 30s/],
    ['negative grace', { grace: '-5s' }, 'grace', /duration/],
    ['lock-ttl below a minute', { 'lock-ttl': '10s' }, 'lock-ttl', /at least 1m/],
    ['lock-timeout not a duration', { 'lock-timeout': '5 minutes' }, 'lock-timeout', /duration/],
    ['wait-timeout too long', { 'wait-timeout': '3h' }, 'wait-timeout', /at most 2h/],
    [
      'health-interval longer than health-wait',
      { 'health-wait': '10s', 'health-interval': '30s' },
      'health-interval',
      /no longer than "health-wait"/,
    ],
    [
      'bad old-instance value',
      { 'old-instance': 'delete' },
      'old-instance',
      /one of "stop", "terminate", "keep"/,
    ],
    [
      'negative network-interface-index',
      { 'network-interface-index': '-1' },
      'network-interface-index',
      /integer from 0 to 31/,
    ],
    ['consecutive below 1', { 'health-consecutive': '0' }, 'health-consecutive', /integer from 1 to 100/],
    [
      'allow-reassociation not a boolean',
      { 'allow-reassociation': 'yes' },
      'allow-reassociation',
      /true or false/,
    ],
    ['dry-run not a boolean', { 'dry-run': 'maybe' }, 'dry-run', /true or false/],
    ['max-attempts out of range', { 'max-attempts': '0' }, 'max-attempts', /integer from 1 to 20/],
    [
      'tag key longer than 128 characters',
      { 'instance-id': '', 'launch-template': 'web-lt', tags: `${'k'.repeat(129)}=1` },
      'tags',
      /keys up to 128/,
    ],
  ])('%s', (_, change, input, expected) => {
    const err = problems({ ...good, ...change });
    const p = err.problems.find((x) => x.input === input);
    expect(p).toBeDefined();
    expect(p?.expected).toMatch(expected);
    expect(err.message).toContain(`input "${input}"`);
  });

  test('every problem is reported at once', () => {
    const err = problems({ 'instance-id': 'i-1', 'allocation-id': 'nope', grace: 'x', 'old-instance': 'y' });
    expect(err.problems.map((p) => p.input).sort()).toEqual([
      'allocation-id',
      'grace',
      'instance-id',
      'old-instance',
    ]);
  });
});
