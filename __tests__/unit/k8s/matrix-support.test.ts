// The k8s fault matrix's own checks: destructive calls found in a proxy log, and the ownership
// rule (created by this run, or marked as hac's for the app) that flags anything else.
import { describe, expect, test } from '@jest/globals';
import {
  bystanderProblems,
  destructiveCalls,
  foreignTargets,
  isOurs,
  unabandoned,
  type ObjectMeta,
} from '../../support/k8s-matrix.js';
import type { ProxiedRequest } from '../../support/k8s-fault-proxy.js';

const req = (index: number, method: string, url: string, body = ''): ProxiedRequest => ({
  index,
  method,
  url,
  body,
  watch: false,
});
const NS = '/apis/apps/v1/namespaces/shop';

describe('destructiveCalls', () => {
  // prettier-ignore
  test.each([
    ['a DELETE', req(1, 'DELETE', `${NS}/deployments/web-green`), [{ index: 1, what: 'delete', target: 'deployments/web-green' }]],
    ['a scale to 0', req(2, 'PATCH', `${NS}/deployments/web-blue?fieldManager=hac`, '{"spec":{"replicas":0}}'), [{ index: 2, what: 'scale-to-zero', target: 'deployments/web-blue' }]],
    ['a scale to 10', req(3, 'PATCH', `${NS}/deployments/web`, '{"spec":{"replicas":10}}'), []],
    ['a GET', req(4, 'GET', `${NS}/deployments/web`), []],
    ['a dry-run POST of a review', req(5, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews'), []],
  ])('%s', (_n, r, expected) => {
    expect(destructiveCalls([r])).toEqual(expected);
  });
});

describe('isOurs', () => {
  // prettier-ignore
  test.each<[string, ObjectMeta, boolean]>([
    ['hac annotations, named for the app', { name: 'web-blue', annotations: { 'hac.dev/color': 'blue' } }, true],
    ['hac managed-by label, named for the app', { name: 'web-preview', labels: { 'app.kubernetes.io/managed-by': 'hac' } }, true],
    ['owned by the app Deployment', { name: 'x-1', ownerReferences: [{ kind: 'Deployment', name: 'web-canary' }] }, true],
    ['hac annotations on another app', { name: 'shop', annotations: { 'hac.dev/color': 'blue' } }, false],
    ['named for the app, no hac marks', { name: 'web-db', labels: { team: 'users' } }, false],
    ['helm managed', { name: 'web-cache', labels: { 'app.kubernetes.io/managed-by': 'Helm' } }, false],
  ])('%s → %s', (_n, meta, ours) => {
    expect(isOurs(meta, 'web')).toBe(ours);
  });
});

describe('foreignTargets', () => {
  const calls = destructiveCalls([
    req(1, 'DELETE', `${NS}/deployments/web-green`),
    req(2, 'DELETE', `${NS}/services/user-1`),
    req(3, 'PATCH', `${NS}/deployments/web-canary`, '{"spec":{"replicas":0}}'),
  ]);
  test('created by this run, or hac-marked: fine; the user Service is flagged', () => {
    const before = new Map<string, ObjectMeta>([
      ['services/user-1', { name: 'user-1', labels: { team: 'users' } }],
      ['deployments/web-canary', { name: 'web-canary', labels: { 'hac.dev/canary-of': 'web' } }],
    ]);
    expect(foreignTargets(calls, before, new Map(), 'web')).toEqual([
      "#2 delete services/user-1: not created by this run and not marked as hac's for web",
    ]);
  });
});

describe('bystanderProblems', () => {
  const dep = (replicas: number, generation: number) => ({
    kind: 'Deployment',
    metadata: { name: 'user-1', generation },
    spec: { replicas },
  });
  const svc = { kind: 'Service', metadata: { name: 'user-1' } };
  test.each([
    ['untouched', [dep(1, 1), svc], []],
    ['scaled to 0', [dep(0, 2), svc], ['Deployment user-1 changed (replicas 0, generation 2)']],
    ['deleted', [svc], ['Deployment user-1 is gone']],
    ['Service deleted', [dep(1, 1)], ['Service user-1 is gone']],
  ])('%s', (_n, items, expected) => {
    expect(bystanderProblems(items, ['user-1'])).toEqual(expected);
  });
});

describe('unabandoned', () => {
  const late = (index: number, abandoned?: boolean): ProxiedRequest => ({
    ...req(index, 'GET', `${NS}/deployments/web`),
    fault: 'latency',
    ...(abandoned === undefined ? {} : { abandoned }),
  });
  // prettier-ignore
  test.each([
    ['a latency hit its client gave up on', [late(3, true)], []],
    ['a latency hit waited out', [late(3)], [`#3 GET ${NS}/deployments/web: waited out the latency`]],
    ['no latency hit', [req(1, 'GET', `${NS}/deployments/web`)], []],
  ])('%s', (_n, log, expected) => {
    expect(unabandoned(log)).toEqual(expected);
  });
});
