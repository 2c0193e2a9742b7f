// The canary's rollback-after-promote pieces as pure tables: the stable Deployment seen as a
// recorded state (current, previous, history, mark), the versions kept at each promote (and the
// one write of a promotion that keeps them), and the deploy options a rollback runs with.
import { describe, expect, test } from '@jest/globals';
import type { Deployment, PodTemplate } from '../../../packages/k8s/objects.js';
import { jsonPointer, type JsonPatchOp } from '../../../packages/k8s/client.js';
import { decideRollback } from '../../../packages/k8s/rollback-target.js';
import { promotionPatch } from '../../../packages/k8s/canary/promote.js';
import type { CanaryRecord } from '../../../packages/k8s/canary/state.js';
import { restoreOptions } from '../../../packages/k8s/canary/rollback-promoted.js';
import {
  VERSIONS_ANNOTATION,
  canaryStateView,
  versionsAfterPromote,
} from '../../../packages/k8s/canary/rollback-state.js';
import type { CanaryOptions } from '../../../packages/k8s/canary/types.js';

const tpl = (v: string): PodTemplate => ({
  metadata: { labels: { app: 'web', version: v } },
  spec: { containers: [{ name: 'web', image: `reg/web:${v}` }] },
});
const stable = (v: string, annotations: Record<string, string> = {}): Deployment =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, annotations },
    spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: tpl(v) },
  }) as Deployment;
const record = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    runId: 'r2',
    phase: 'promoted',
    route: 'replicas',
    stable: 'web',
    canary: 'web-canary',
    ...extra,
  });
const prevAnn = (v: string) => ({ 'hac.dev/previous-template': JSON.stringify(tpl(v)) });
const versionsAnn = (...vs: string[]) => ({
  [VERSIONS_ANNOTATION]: JSON.stringify(vs.map((v) => ({ image: `reg/web:${v}`, template: tpl(v) }))),
});

describe('canaryStateView', () => {
  test.each<[string, Deployment, string, string | undefined, string[], boolean]>([
    [
      'promoted v2 over v1',
      stable('v2', { 'hac.dev/canary': record(), ...prevAnn('v1') }),
      'reg/web:v2',
      'reg/web:v1',
      [],
      false,
    ],
    ['first release: nothing before', stable('v1'), 'reg/web:v1', undefined, [], false],
    [
      'v3 with history',
      stable('v3', { 'hac.dev/canary': record(), ...prevAnn('v2'), ...versionsAnn('v2', 'v1') }),
      'reg/web:v3',
      'reg/web:v2',
      ['reg/web:v2', 'reg/web:v1'],
      false,
    ],
    [
      'a rollback release is marked',
      stable('v1', {
        'hac.dev/canary': record({ rollback: { from: 'reg/web:v2', to: 'reg/web:v1', runId: 'r3' } }),
        ...prevAnn('v2'),
      }),
      'reg/web:v1',
      'reg/web:v2',
      [],
      true,
    ],
    [
      'unreadable annotations are ignored',
      stable('v2', { 'hac.dev/previous-template': '{', [VERSIONS_ANNOTATION]: 'x' }),
      'reg/web:v2',
      undefined,
      [],
      false,
    ],
  ])('%s', (_n, d, current, previous, history, marked) => {
    const { rec, history: h } = canaryStateView(d);
    expect(rec.image).toBe(current);
    expect(rec.previousImage).toBe(previous);
    expect(h.map((r) => r.image)).toEqual(history);
    expect(Boolean((rec.extra as { rollback?: unknown }).rollback)).toBe(marked);
  });

  test('decisions over the view: undo, no-op after a rollback, confirm past a third version', () => {
    const at2 = canaryStateView(stable('v2', { 'hac.dev/canary': record(), ...prevAnn('v1') }));
    const undo = decideRollback(at2.rec, at2.history, { rollbackTo: '', confirm: false });
    expect(undo.kind === 'restore' && undo.target.template).toEqual(tpl('v1'));
    const marked = canaryStateView(
      stable('v1', {
        'hac.dev/canary': record({ rollback: { from: 'reg/web:v2', to: 'reg/web:v1', runId: 'r3' } }),
        ...prevAnn('v2'),
      }),
    );
    expect(decideRollback(marked.rec, marked.history, { rollbackTo: '', confirm: false }).kind).toBe('noop');
    const at3 = canaryStateView(
      stable('v3', { 'hac.dev/canary': record(), ...prevAnn('v2'), ...versionsAnn('v2', 'v1') }),
    );
    expect(() => decideRollback(at3.rec, at3.history, { rollbackTo: 'reg/web:v1', confirm: false })).toThrow(
      /moved on/,
    );
    const old = decideRollback(at3.rec, at3.history, { rollbackTo: 'reg/web:v1', confirm: true });
    expect(old.kind === 'restore' && old.target.template).toEqual(tpl('v1'));
  });
});

describe('jsonPointer', () => {
  test.each([
    [['spec', 'template'], '/spec/template'],
    [['metadata', 'annotations', 'hac.dev/canary'], '/metadata/annotations/hac.dev~1canary'],
    [['a~b', 'c/d/e'], '/a~0b/c~1d~1e'],
  ])('%j -> %s', (keys, want) => {
    expect(jsonPointer(...keys)).toBe(want);
  });
});

describe('promotionPatch: one write swaps the template, keeps the old one and records promoting', () => {
  const rec = { runId: 'r2', phase: 'promoting' } as CanaryRecord;
  const keep = (v: string, ann: Record<string, string>): JsonPatchOp[] => [
    { op: 'add', path: '/metadata/annotations/hac.dev~1previous-template', value: JSON.stringify(tpl(v)) },
    {
      op: 'add',
      path: `/metadata/annotations/${VERSIONS_ANNOTATION.replace('/', '~1')}`,
      value: versionsAfterPromote(stable(v, ann), tpl(v)),
    },
    { op: 'add', path: '/metadata/annotations/hac.dev~1canary', value: JSON.stringify(rec) },
  ];
  const swap = (from: string, to: string): JsonPatchOp[] => [
    { op: 'test', path: '/spec/template', value: tpl(from) },
    { op: 'replace', path: '/spec/template', value: tpl(to) },
  ];
  const bare = { ...stable('v1'), metadata: { name: 'web' } } as Deployment;
  test.each<[string, Deployment, number | undefined, JsonPatchOp[]]>([
    [
      'without an HPA: stable back to its size',
      stable('v1', {}),
      4,
      [...swap('v1', 'v2'), { op: 'add', path: '/spec/replicas', value: 4 }, ...keep('v1', {})],
    ],
    [
      'with an HPA: the size is left to it',
      stable('v1', versionsAnn('v0')),
      undefined,
      [...swap('v1', 'v2'), ...keep('v1', versionsAnn('v0'))],
    ],
    [
      'no annotations yet: the map is added whole',
      bare,
      undefined,
      [
        ...swap('v1', 'v2'),
        {
          op: 'add',
          path: '/metadata/annotations',
          value: {
            'hac.dev/previous-template': JSON.stringify(tpl('v1')),
            [VERSIONS_ANNOTATION]: versionsAfterPromote(bare, tpl('v1')),
            'hac.dev/canary': JSON.stringify(rec),
          },
        },
      ],
    ],
  ])('%s', (_n, d, replicas, want) => {
    expect(promotionPatch(d, tpl('v2'), { record: rec, replicas })).toEqual(want);
  });
});

describe('versionsAfterPromote', () => {
  test.each<[string, Record<string, string>, string, string[]]>([
    ['first promote', {}, 'v1', ['reg/web:v1']],
    ['newest first', versionsAnn('v1'), 'v2', ['reg/web:v2', 'reg/web:v1']],
    ['a version seen again moves to the front', versionsAnn('v2', 'v1'), 'v1', ['reg/web:v1', 'reg/web:v2']],
    [
      'five kept',
      versionsAnn('v5', 'v4', 'v3', 'v2', 'v1'),
      'v6',
      ['reg/web:v6', 'reg/web:v5', 'reg/web:v4', 'reg/web:v3', 'reg/web:v2'],
    ],
  ])('%s', (_n, ann, outgoing, want) => {
    const list = JSON.parse(versionsAfterPromote(stable('v9', ann), tpl(outgoing))) as { image: string }[];
    expect(list.map((v) => v.image)).toEqual(want);
  });
});

describe('restoreOptions', () => {
  const o = {
    action: 'rollback',
    name: 'web',
    route: 'replicas',
    steps: [50, 100],
  } as unknown as CanaryOptions;
  test.each<[string, Partial<CanaryOptions>, Record<string, unknown> | undefined, Partial<CanaryOptions>]>([
    ['replicas, nothing recorded', {}, undefined, { route: 'replicas' }],
    [
      'the route of the last canary',
      {},
      { route: 'gateway-api', stableService: 'web', httpRoute: 'shop' },
      { route: 'gateway-api', service: 'web', httpRoute: 'shop' },
    ],
    [
      'inputs win over the record',
      { service: 'front' },
      { route: 'gateway-api', stableService: 'web' },
      { service: 'front' },
    ],
  ])('%s', (_n, given, rec, want) => {
    const out = restoreOptions({ ...o, ...given }, stable('v2'), rec as never, tpl('v1'));
    expect(out).toMatchObject({ action: 'deploy', ...want });
    const next = out.objects?.[0] as Deployment;
    expect(next.metadata.name).toBe('web');
    expect(next.spec.template).toEqual(tpl('v1'));
    expect(next.spec.selector).toEqual({ matchLabels: { app: 'web' } });
  });
});
