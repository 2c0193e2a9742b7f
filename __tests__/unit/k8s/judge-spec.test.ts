import { describe, expect, test } from '@jest/globals';
import { InputError } from '@hac/toolkit';
import {
  DEFAULT_JUDGE_OPTIONS,
  parseJudgeMetrics,
  parseJudgeOptions,
} from '../../../packages/k8s/canary/judge/spec.js';

const Q = 'avg(latency{role="{{role}}", app="{{app}}"})';

function problemOf(fn: () => unknown): { input: string; value: string; expected: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const problems = (err as InputError).problems;
    expect(problems).toHaveLength(1);
    return problems[0]!;
  }
  throw new Error('expected an InputError');
}

describe('parseJudgeMetrics', () => {
  test('a full list, with defaults filled in', () => {
    expect(
      parseJudgeMetrics(`
- name: latency
  query: '${Q}'
  bad: increase
  tolerance: 1.1
  weight: 3
  critical: true
  min-samples: 20
  on-error: no-data
- {name: rps, query: 'sum(rate(req{version="{{version}}", namespace="{{namespace}}"}[1m]))', bad: decrease}
`),
    ).toEqual([
      {
        name: 'latency',
        query: Q,
        bad: 'increase',
        tolerance: 1.1,
        weight: 3,
        critical: true,
        minSamples: 20,
        onError: 'no-data',
      },
      {
        name: 'rps',
        query: 'sum(rate(req{version="{{version}}", namespace="{{namespace}}"}[1m]))',
        bad: 'decrease',
        tolerance: 1,
        weight: 1,
        critical: false,
        minSamples: 10,
        onError: 'fail',
      },
    ]);
  });

  test.each([
    ['not YAML', '- [unclosed', '- [unclosed', /not valid YAML/],
    ['not a list', 'name: x', 'name: x', /a non-empty list/],
    ['an empty list', '[]', '[]', /a non-empty list/],
    ['not a mapping', '- 5', '5', /item 1: a mapping/],
    ['an unknown key', `- {name: a, query: '${Q}', max: 1}`, 'max', /keys among/],
    ['a bad name', `- {name: 'a b', query: '${Q}'}`, 'a b', /"name"/],
    ['a missing query', '- {name: a}', '', /"query", a non-empty PromQL/],
    [
      'an unknown placeholder',
      '- {name: a, query: \'x{pod="{{pod}}", role="{{role}}"}\'}',
      'x{pod="{{pod}}", role="{{role}}"}',
      /placeholders among/,
    ],
    [
      'a query that cannot tell the roles apart',
      "- {name: a, query: 'avg(x)'}",
      'avg(x)',
      /selects on \{\{role\}\}/,
    ],
    [
      'an unknown direction',
      `- {name: a, query: '${Q}', bad: up}`,
      'up',
      /"bad": one of increase, decrease, either/,
    ],
    [
      'a tolerance that is not a number',
      `- {name: a, query: '${Q}', tolerance: lots}`,
      'lots',
      /"tolerance", a ratio/,
    ],
    [
      'a tolerance below 1',
      `- {name: a, query: '${Q}', tolerance: 0.9}`,
      '0.9',
      /"tolerance", a ratio of medians >= 1/,
    ],
    ['a zero weight', `- {name: a, query: '${Q}', weight: 0}`, '0', /"weight", a number > 0/],
    [
      'critical not a boolean',
      `- {name: a, query: '${Q}', critical: yes please}`,
      'yes please',
      /"critical", true or false/,
    ],
    [
      'min-samples not an integer',
      `- {name: a, query: '${Q}', min-samples: 2.5}`,
      '2.5',
      /"min-samples", an integer/,
    ],
    ['min-samples too small', `- {name: a, query: '${Q}', min-samples: 2}`, '2', /from 3 to 100000/],
    [
      'an unknown on-error',
      `- {name: a, query: '${Q}', on-error: retry}`,
      'retry',
      /"on-error": one of fail, no-data/,
    ],
    [
      'a duplicate name',
      `- {name: a, query: '${Q}'}\n- {name: a, query: '${Q}'}`,
      'a',
      /not used by an earlier metric/,
    ],
  ])('%s', (_what, raw, value, expected) => {
    const p = problemOf(() => parseJudgeMetrics(raw));
    expect(p.input).toBe('metrics');
    expect(p.value).toBe(value);
    expect(p.expected).toMatch(expected);
  });

  test('a YAML alias bomb is refused by the bounded reader', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...'bcdefghij'
        .split('')
        .map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(', ')}]`),
    ].join('\n');
    expect(problemOf(() => parseJudgeMetrics(bomb)).expected).toMatch(/aliases/);
  });
});

describe('parseJudgeOptions', () => {
  test('defaults', () => expect(parseJudgeOptions({})).toEqual(DEFAULT_JUDGE_OPTIONS));
  test('given values', () =>
    expect(parseJudgeOptions({ alpha: '0.01', pass: '90', marginal: '60', noData: 'ignore' })).toEqual({
      alpha: 0.01,
      pass: 90,
      marginal: 60,
      noData: 'ignore',
    }));
  test.each([
    [{ pass: '101' }, 'pass-score', '101', /from 0 to 100/],
    [{ pass: 'high' }, 'pass-score', 'high', /from 0 to 100/],
    [{ marginal: '-1' }, 'marginal-score', '-1', /from 0 to 100/],
    [{ pass: '70', marginal: '80' }, 'marginal-score', '80', /no higher than pass-score \(70\)/],
    [{ marginal: '96' }, 'marginal-score', '96', /no higher than pass-score \(95\)/],
    [{ alpha: '0' }, 'alpha', '0', /above 0 and below 0.5/],
    [{ alpha: '0.5' }, 'alpha', '0.5', /above 0 and below 0.5/],
    [{ noData: 'skip' }, 'on-no-data', 'skip', /fail, pass or ignore/],
  ])('%j', (raw, input, value, expected) => {
    const p = problemOf(() => parseJudgeOptions(raw));
    expect(p).toEqual({ input, value, expected: expect.stringMatching(expected) });
  });
});
