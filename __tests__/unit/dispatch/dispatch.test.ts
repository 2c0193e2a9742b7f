import { describe, expect, test } from '@jest/globals';
import { planDispatch, rootInputNames, inputEnvName, type Manifest } from '@hac/dispatch';
import { InputError } from '@hac/toolkit';

const manifest: Manifest = {
  'smoke-test': {
    inputs: {
      url: { required: false },
      timeout: { default: '10s' },
      token: { default: '${{ github.token }}' },
    },
    outputs: { passed: {} },
    post: false,
  },
  'k8s-canary': {
    inputs: { app: { required: true }, steps: { default: '10,50,100' } },
    outputs: {},
    post: true,
  },
};

describe('planDispatch', () => {
  test('forwards the given inputs and the chosen action defaults, and nothing else', () => {
    const plan = planDispatch(manifest, {
      INPUT_ACTION: 'smoke-test',
      INPUT_URL: 'http://127.0.0.1:1/',
      INPUT_APP: '',
      INPUT_STEPS: '',
      PATH: '/bin',
    });
    expect(plan.action).toBe('smoke-test');
    expect(plan.env).toEqual({ PATH: '/bin', INPUT_URL: 'http://127.0.0.1:1/', INPUT_TIMEOUT: '10s' });
  });

  test('expression defaults are left to the runner (not forwarded literally)', () => {
    const plan = planDispatch(manifest, { INPUT_ACTION: 'smoke-test' });
    expect(plan.env.INPUT_TOKEN).toBeUndefined();
  });

  test.each([
    [
      { INPUT_ACTION: 'k8s-canry' },
      /input "action": got "k8s-canry"; expected one of "k8s-canary", "smoke-test"/,
    ],
    [{ INPUT_ACTION: '' }, /input "action": got an empty value/],
    [{ INPUT_ACTION: 'smoke-test', INPUT_APP: 'web' }, /input "app".*hac\/smoke-test has no input "app"/],
    [{ INPUT_ACTION: 'k8s-canary' }, /input "app".*required by hac\/k8s-canary/],
  ])('rejects %j', (env, message) => {
    expect(() => planDispatch(manifest, env)).toThrow(InputError);
    expect(() => planDispatch(manifest, env)).toThrow(message);
  });

  test('an unknown input value is not echoed (it may be a secret)', () => {
    try {
      planDispatch(manifest, { INPUT_ACTION: 'smoke-test', INPUT_APP: 'hunter2' });
      throw new Error('expected a failure');
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });
});

test('root input names are the union of the actions inputs plus action', () => {
  expect(rootInputNames(manifest)).toEqual(['action', 'app', 'steps', 'timeout', 'token', 'url']);
  expect(inputEnvName('load-requests')).toBe('INPUT_LOAD-REQUESTS');
});
