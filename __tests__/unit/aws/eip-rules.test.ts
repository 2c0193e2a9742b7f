// swap-eip's cross-input rules, each on its own: the inputs parsed by the real spec, then only the
// rule under test, and the problems it adds (input, shown value, a fragment of the expected form).
import { describe, expect, test } from '@jest/globals';
import { InputError, readInputs, type InputProblem } from '@hac/toolkit';
import { SWAP_INPUTS } from '../../../packages/aws/eip/input-spec.js';
import {
  SWAP_RULES,
  allocationOrPublicIp,
  instanceOrTemplate,
  intervalWithinWait,
  launchOnlyInputs,
  postGateInputs,
  preGateInputs,
  type SwapRule,
} from '../../../packages/aws/eip/rules.js';

const INSTANCE = 'i-0123456789abcdef0';
const ALLOC = 'eipalloc-0123456789abcdef0';

/** The problems one rule adds (an input that fails on its own is reported by the spec, not by the rule). */
function problemsOf(rule: SwapRule, raw: Record<string, string>): Partial<InputProblem>[] {
  try {
    readInputs(SWAP_INPUTS, (n) => raw[n] ?? '', [rule]);
    return [];
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return err.problems.map((p) => ({ input: p.input, value: p.value }));
  }
}

type Row = [string, Record<string, string>, Partial<InputProblem>[]];

describe.each<[string, SwapRule, Row[]]>([
  [
    'instanceOrTemplate',
    instanceOrTemplate,
    [
      ['an instance', { 'instance-id': INSTANCE }, []],
      ['a template', { 'launch-template': 'web-lt' }, []],
      ['neither', {}, [{ input: 'instance-id', value: '' }]],
      [
        'both',
        { 'instance-id': INSTANCE, 'launch-template': 'web-lt' },
        [{ input: 'launch-template', value: 'web-lt' }],
      ],
      [
        'a malformed instance id is the spec’s problem alone',
        { 'instance-id': 'i-x', 'launch-template': 'web-lt' },
        [{ input: 'instance-id', value: 'i-x' }],
      ],
    ],
  ],
  [
    'launchOnlyInputs',
    launchOnlyInputs,
    [
      [
        'launch inputs with a template',
        { 'launch-template': 'web-lt', tags: 'a=b', 'ami-id': 'ami-0123456789abcdef0' },
        [],
      ],
      ['an instance alone', { 'instance-id': INSTANCE }, []],
      ['tags with an instance', { 'instance-id': INSTANCE, tags: 'a=b' }, [{ input: 'tags', value: 'a=b' }]],
      [
        'a version and an AMI with an instance',
        { 'instance-id': INSTANCE, 'launch-template-version': '3', 'ami-id': 'ami-0123456789abcdef0' },
        [
          { input: 'ami-id', value: 'ami-0123456789abcdef0' },
          { input: 'launch-template-version', value: '3' },
        ],
      ],
    ],
  ],
  [
    'allocationOrPublicIp',
    allocationOrPublicIp,
    [
      ['an allocation id', { 'allocation-id': ALLOC }, []],
      ['a public IP', { 'public-ip': '203.0.113.7' }, []],
      ['neither', {}, [{ input: 'allocation-id', value: '' }]],
      [
        'both',
        { 'allocation-id': ALLOC, 'public-ip': '203.0.113.7' },
        [{ input: 'public-ip', value: '203.0.113.7' }],
      ],
      [
        'a bad IP is the spec’s problem alone',
        { 'public-ip': '203.0.113.300' },
        [{ input: 'public-ip', value: '203.0.113.300' }],
      ],
    ],
  ],
  [
    'preGateInputs',
    preGateInputs,
    [
      ['no gate', {}, []],
      ['a URL template', { 'health-url': 'http://{{private-ip}}:8080/healthz' }, []],
      ['a list of checks', { 'health-checks': '- url: http://{{private-ip}}/\n  expect-status: 200' }, []],
      [
        'both',
        { 'health-url': 'http://{{private-ip}}/', 'health-checks': '- url: http://x/' },
        [{ input: 'health-checks', value: '- url: http://x/' }],
      ],
      [
        '{{eip}} before the swap',
        { 'health-url': 'http://{{eip}}/' },
        [{ input: 'health-url', value: 'http://{{eip}}/' }],
      ],
      [
        'not a URL',
        { 'health-url': 'ftp://{{private-ip}}/' },
        [{ input: 'health-url', value: 'ftp://{{private-ip}}/' }],
      ],
      [
        'checks that do not parse',
        { 'health-checks': 'url: [' },
        [{ input: 'health-checks', value: 'url: [' }],
      ],
    ],
  ],
  [
    'postGateInputs',
    postGateInputs,
    [
      ['no gate', {}, []],
      ['{{eip}} after the swap', { 'post-swap-url': 'http://{{eip}}/healthz' }, []],
      [
        'both',
        { 'post-swap-url': 'http://{{eip}}/', 'post-swap-checks': '- url: http://{{eip}}/' },
        [{ input: 'post-swap-checks', value: '- url: http://{{eip}}/' }],
      ],
      [
        'an unknown placeholder',
        { 'post-swap-url': 'http://{{host}}/' },
        [{ input: 'post-swap-url', value: 'http://{{host}}/' }],
      ],
    ],
  ],
  [
    'intervalWithinWait',
    intervalWithinWait,
    [
      ['the defaults', {}, []],
      ['interval equal to wait', { 'health-interval': '10s', 'health-wait': '10s' }, []],
      [
        'interval longer than wait',
        { 'health-interval': '2m', 'health-wait': '1m' },
        [{ input: 'health-interval', value: '2m' }],
      ],
      ['a zero wait (one round) allows any interval', { 'health-interval': '2m', 'health-wait': '0' }, []],
    ],
  ],
])('%s', (_name, rule, rows) => {
  test.each(rows)('%s', (_case, raw, expected) => {
    expect(problemsOf(rule, raw)).toEqual(expected);
  });
});

test('the rules run in this order, so that one error lists their problems in it', () => {
  expect(SWAP_RULES).toEqual([
    instanceOrTemplate,
    launchOnlyInputs,
    allocationOrPublicIp,
    preGateInputs,
    postGateInputs,
    intervalWithinWait,
  ]);
});
