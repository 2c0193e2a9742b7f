// Blue-green's pure pieces beside the plan: the named input rules, the plan's seams (colors),
// the check that a later action has something to act on, and the state records each phase writes.
import { describe, expect, test } from '@jest/globals';
import type { StateRecord } from '../../../packages/k8s/state.js';
import { autoPromoteOnlyOnDeploy, httpRouteNeedsGatewayApi } from '../../../packages/k8s/bluegreen/inputs.js';
import { laterRefusal } from '../../../packages/k8s/bluegreen/later-run.js';
import { chooseColors, type BlueGreenPlan, type LiveState } from '../../../packages/k8s/bluegreen/plan.js';
import {
  deployRecord,
  laterRecord,
  restoredRecord,
  rolledBackRecord,
} from '../../../packages/k8s/bluegreen/recorded.js';

type Problem = [string, string, string];
const collect = () => {
  const seen: Problem[] = [];
  return { seen, problems: { add: (i: string, v: string, e: string) => void seen.push([i, v, e]) } };
};
const ctx = (raw: Record<string, string> = {}) => ({
  raw: (n: string) => raw[n] ?? '',
  failed: new Set<string>(),
});

describe('input rules', () => {
  test.each([
    ['service, no http-route', 'service', '', []],
    ['gateway-api with http-route', 'gateway-api', 'web', []],
    [
      'service with http-route',
      'service',
      'web',
      [['http-route', 'web', 'empty unless route is gateway-api']],
    ],
  ] as const)('httpRouteNeedsGatewayApi: %s', (_n, route, httpRoute, want) => {
    const { seen, problems } = collect();
    httpRouteNeedsGatewayApi({ route, 'http-route': httpRoute } as never, problems, ctx());
    expect(seen).toEqual(want);
  });

  test.each([
    ['deploy, auto-promote false', 'deploy', false, 'false', []],
    ['promote, auto-promote left out', 'promote', true, '', []],
    ['promote, auto-promote true', 'promote', true, 'true', []],
    [
      'abort, auto-promote false',
      'abort',
      false,
      'false',
      [['auto-promote', 'false', 'set only with action: deploy']],
    ],
  ] as const)('autoPromoteOnlyOnDeploy: %s', (_n, action, value, raw, want) => {
    const { seen, problems } = collect();
    autoPromoteOnlyOnDeploy(
      { action, 'auto-promote': value } as never,
      problems,
      ctx({ 'auto-promote': raw }),
    );
    expect(seen).toEqual(want);
  });
});

const svc = (color?: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web' },
  spec: { selector: { app: 'web', ...(color ? { color } : {}) } },
});

describe('chooseColors', () => {
  test.each<[string, LiveState, { current?: string; newColor: string }]>([
    ['nothing live, nothing recorded', {}, { newColor: 'blue' }],
    ['blue live', { service: svc('blue') }, { current: 'blue', newColor: 'green' }],
    ['green live', { service: svc('green') }, { current: 'green', newColor: 'blue' }],
    ['no Service, green recorded', { recordedColor: 'green' }, { current: 'green', newColor: 'blue' }],
    [
      'a Service without color, blue recorded',
      { service: svc(), recordedColor: 'blue' },
      { newColor: 'green' },
    ],
  ])('%s', (_n, live, want) => expect(chooseColors('web', 'service', live)).toEqual(want));
});

const plan = {
  app: 'web',
  runId: 'r2',
  newColor: 'green',
  oldColor: 'blue',
  image: 'reg/web:2',
  replicas: 3,
  deployment: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web-green' }, spec: {} },
  preApply: [],
  switch: { kind: 'service', ref: { apiVersion: 'v1', kind: 'Service', name: 'web' } },
  newSelector: { app: 'web', color: 'green' },
} as unknown as BlueGreenPlan;
const rec = (phase: string, extra: Partial<StateRecord> = {}): StateRecord => ({
  app: 'web',
  strategy: 'bluegreen',
  runId: 'r1',
  phase,
  image: 'reg/web:1',
  activeColor: 'blue',
  previousColor: 'green',
  updatedAt: 't0',
  extra: { plan },
  ...extra,
});

describe('laterRefusal', () => {
  test.each<[string, 'promote' | 'abort' | 'rollback', StateRecord | undefined, boolean, RegExp | undefined]>(
    [
      ['promote a previewing color', 'promote', rec('previewing'), true, undefined],
      ['abort a previewing color', 'abort', rec('previewing'), true, undefined],
      ['promote with nothing recorded', 'promote', undefined, false, /no blue-green state is recorded/],
      [
        'promote a completed deploy',
        'promote',
        rec('complete'),
        true,
        /phase of web is "complete" \(run r1\)/,
      ],
      ['roll back a completed deploy', 'rollback', rec('complete'), true, undefined],
      ['roll back again after a rollback', 'rollback', rec('rolled-back'), true, undefined],
      ['roll back a preview', 'rollback', rec('previewing'), true, /Nothing to roll back/],
      [
        'roll back without a previous color',
        'rollback',
        rec('complete', { previousColor: undefined }),
        true,
        /roll back/,
      ],
      ['roll back without a recorded plan', 'rollback', rec('complete'), false, /roll back/],
    ],
  )('%s', (_n, action, r, withPlan, want) => {
    const err = laterRefusal(action, r, withPlan ? plan : undefined);
    if (want) expect(err?.message).toMatch(want);
    else expect(err).toBeUndefined();
  });
});

describe('state records', () => {
  test.each([
    [
      'complete: new color active, images move on, replicas kept per color',
      deployRecord(
        plan,
        rec('complete', { replicas: { 'web-blue': 2 } }),
        'complete',
        { active: 'green', previous: 'blue' },
        'T',
      ),
      {
        phase: 'complete',
        runId: 'r2',
        image: 'reg/web:2',
        previousImage: 'reg/web:1',
        activeColor: 'green',
        previousColor: 'blue',
        replicas: { 'web-blue': 2, 'web-green': 3 },
        updatedAt: 'T',
      },
    ],
    [
      'previewing on a first deploy: no colors, no previous image',
      deployRecord(plan, undefined, 'previewing', {}, 'T'),
      { phase: 'previewing', image: 'reg/web:2', replicas: { 'web-green': 3 } },
    ],
    [
      'rolled back: the previous record stays, this run and the failed image noted',
      rolledBackRecord(plan, rec('complete'), 'gate failed', 'T'),
      {
        phase: 'rolled-back',
        runId: 'r2',
        image: 'reg/web:1',
        activeColor: 'blue',
        reason: 'gate failed',
        extra: { plan, failedImage: 'reg/web:2' },
      },
    ],
    [
      'a later action: the record with its patch, this run and the time',
      laterRecord(rec('previewing'), { phase: 'aborted' }, 'r3', 'T'),
      { phase: 'aborted', runId: 'r3', image: 'reg/web:1', updatedAt: 'T' },
    ],
    [
      'post restored: what served before, from the record',
      restoredRecord({ app: 'web', runId: 'r2', oldColor: 'green' }, rec('complete'), 'T'),
      { phase: 'rolled-back', runId: 'r2', activeColor: 'blue', previousColor: 'green', image: 'reg/web:1' },
    ],
    [
      'post restored with nothing recorded: the plan’s old color',
      restoredRecord({ app: 'web', runId: 'r2', oldColor: 'blue' }, undefined, 'T'),
      { phase: 'rolled-back', activeColor: 'blue', strategy: 'bluegreen' },
    ],
  ])('%s', (_n, got, want) => expect(got).toMatchObject(want));

  test('a deploy record carries the compact plan (no pod template)', () => {
    const r = deployRecord(plan, undefined, 'complete', { active: 'green' }, 'T');
    expect((r.extra as { plan: BlueGreenPlan }).plan.deployment).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web-green' },
      spec: { replicas: 3, template: {} },
    });
    expect(deployRecord(plan, undefined, 'previewing', {}, 'T')).not.toHaveProperty('previousImage');
  });
});
