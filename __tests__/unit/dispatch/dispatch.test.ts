import { describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { planDispatch, type Manifest } from '@hac/dispatch';
import { rootInputNames, selectAction, SELECTOR } from '../../../packages/dispatch/dispatch.js';
import { inputEnvName } from '../../../packages/toolkit/runner.js';
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
    inputs: { action: { default: 'deploy' }, app: { required: true }, steps: { default: '10,50,100' } },
    outputs: {},
    post: true,
  },
};

const realManifest = JSON.parse(
  fs.readFileSync(path.resolve(import.meta.dirname, '../../../root/manifest.generated.json'), 'utf8'),
) as Manifest;

describe('planDispatch', () => {
  test('forwards the given inputs and the chosen action defaults, and nothing else', () => {
    const plan = planDispatch(manifest, {
      'INPUT_HAC-ACTION': 'smoke-test',
      INPUT_ACTION: '',
      INPUT_URL: 'http://127.0.0.1:1/',
      INPUT_APP: '',
      INPUT_STEPS: '',
      PATH: '/bin',
    });
    expect(plan.action).toBe('smoke-test');
    expect(plan.env).toEqual({ PATH: '/bin', INPUT_URL: 'http://127.0.0.1:1/', INPUT_TIMEOUT: '10s' });
    expect(plan.warnings).toEqual([]);
  });

  test.each(['deploy', 'promote', 'abort', 'rollback'])(
    'hac-action k8s-canary forwards the action input %s unchanged',
    (verb) => {
      const plan = planDispatch(manifest, {
        'INPUT_HAC-ACTION': 'k8s-canary',
        INPUT_ACTION: verb,
        INPUT_APP: 'web',
      });
      expect(plan.action).toBe('k8s-canary');
      expect(plan.env).toEqual({ INPUT_ACTION: verb, INPUT_APP: 'web', INPUT_STEPS: '10,50,100' });
    },
  );

  test.each([
    ['smoke-test', { INPUT_URL: 'http://x/' }, { INPUT_URL: 'http://x/', INPUT_TIMEOUT: '10s' }],
    [
      'k8s-canary',
      { INPUT_APP: 'web' },
      { INPUT_ACTION: 'deploy', INPUT_APP: 'web', INPUT_STEPS: '10,50,100' },
    ],
  ])('legacy "action: %s" selects the action, is not forwarded, and warns', (name, given, expected) => {
    const plan = planDispatch(manifest, { 'INPUT_HAC-ACTION': '', INPUT_ACTION: name, ...given });
    expect(plan.action).toBe(name);
    expect(plan.env).toEqual(expected);
    expect(plan.warnings.join('\n')).toContain(`use "hac-action: ${name}"`);
  });

  test('expression defaults are left to the runner (not forwarded literally)', () => {
    const plan = planDispatch(manifest, { 'INPUT_HAC-ACTION': 'smoke-test' });
    expect(plan.env.INPUT_TOKEN).toBeUndefined();
  });

  test.each([
    [
      { 'INPUT_HAC-ACTION': 'k8s-canry' },
      /input "hac-action": got "k8s-canry"; expected one of "k8s-canary", "smoke-test"$/m,
    ],
    [{ 'INPUT_HAC-ACTION': '' }, /input "hac-action": got an empty value/],
    [
      { 'INPUT_HAC-ACTION': '', INPUT_ACTION: 'promote' },
      /input "hac-action": got an empty value; expected one of .*"action: promote" is an input of the action, not the selector/,
    ],
    [
      { 'INPUT_HAC-ACTION': 'smoke-test', INPUT_APP: 'web' },
      /input "app".*hac\/smoke-test has no input "app"/,
    ],
    [
      { 'INPUT_HAC-ACTION': 'smoke-test', INPUT_ACTION: 'promote' },
      /input "action".*hac\/smoke-test has no input "action"/,
    ],
    [{ 'INPUT_HAC-ACTION': 'k8s-canary' }, /input "app".*required by hac\/k8s-canary/],
  ])('rejects %j', (env, message) => {
    expect(() => planDispatch(manifest, env)).toThrow(InputError);
    expect(() => planDispatch(manifest, env)).toThrow(message);
  });

  test('an unknown input value is not echoed (it may be a secret)', () => {
    try {
      planDispatch(manifest, { 'INPUT_HAC-ACTION': 'smoke-test', INPUT_APP: 'hunter2' });
      throw new Error('expected a failure');
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });

  test('"hac-action" wins over a legacy-looking "action"', () => {
    expect(selectAction(manifest, { 'INPUT_HAC-ACTION': 'k8s-canary', INPUT_ACTION: 'smoke-test' })).toEqual({
      action: 'k8s-canary',
      legacy: false,
    });
  });
});

describe('the real manifest', () => {
  test('has the seven actions, and none declares the selector as an input', () => {
    expect(Object.keys(realManifest).sort()).toEqual([
      'build-ami',
      'docker-build-push',
      'fleet',
      'k8s-bluegreen',
      'k8s-canary',
      'smoke-test',
      'swap-eip',
    ]);
    for (const m of Object.values(realManifest)) expect(Object.keys(m.inputs)).not.toContain(SELECTOR);
  });

  test.each(Object.keys(realManifest))('%s receives every input it declares, unchanged', (name) => {
    const env: NodeJS.ProcessEnv = {};
    // The runner sets every input the root declares: '' when not given (the root has no defaults).
    for (const n of rootInputNames(realManifest)) env[inputEnvName(n)] = '';
    env[inputEnvName(SELECTOR)] = name;
    const declared = Object.keys(realManifest[name]!.inputs);
    for (const n of declared) env[inputEnvName(n)] = `value of ${n}\nline 2`;
    const plan = planDispatch(realManifest, env);
    const forwarded = Object.fromEntries(Object.entries(plan.env).filter(([k]) => k.startsWith('INPUT_')));
    expect(forwarded).toEqual(
      Object.fromEntries(declared.map((n) => [inputEnvName(n), `value of ${n}\nline 2`])),
    );
  });

  // An action with a required input and no default (fleet's `action`) cannot run on empty inputs:
  // the root says which input it needs.
  const requiredWithoutDefault = (name: string) =>
    Object.entries(realManifest[name]!.inputs)
      .filter(([, spec]) => spec.required && spec.default === undefined)
      .map(([n]) => n);
  const emptyEnv = (name: string): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {};
    for (const n of rootInputNames(realManifest)) env[inputEnvName(n)] = '';
    env[inputEnvName(SELECTOR)] = name;
    return env;
  };

  test('fleet is the one action with a required input and no default, and the root names it', () => {
    const names = Object.keys(realManifest).filter((n) => requiredWithoutDefault(n).length > 0);
    expect(names).toEqual(['fleet']);
    expect(() => planDispatch(realManifest, emptyEnv('fleet'))).toThrow(
      /input "action": got an empty value; expected a value: it is required by hac\/fleet/,
    );
  });

  test.each(Object.keys(realManifest).filter((n) => requiredWithoutDefault(n).length === 0))(
    '%s gets its own defaults when the runner passes empty inputs',
    (name) => {
      const plan = planDispatch(realManifest, emptyEnv(name));
      for (const [n, spec] of Object.entries(realManifest[name]!.inputs)) {
        if (spec.default !== undefined) expect(plan.env[inputEnvName(n)]).toBe(spec.default);
        else expect(plan.env[inputEnvName(n)]).toBeUndefined();
      }
    },
  );
});

test('root input names are the selector, then the union of the actions inputs', () => {
  expect(rootInputNames(manifest)).toEqual([
    'hac-action',
    'action',
    'app',
    'steps',
    'timeout',
    'token',
    'url',
  ]);
  expect(inputEnvName('load-requests')).toBe('INPUT_LOAD-REQUESTS');
});
