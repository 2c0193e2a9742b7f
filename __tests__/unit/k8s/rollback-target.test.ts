// What action: rollback restores, as pure decisions over recorded state (both strategies), the
// rollback input rule, and blue-green's restore plan (color, re-create, recolor).
import { describe, expect, test } from '@jest/globals';
import type { Deployment } from '../../../packages/k8s/objects.js';
import type { StateRecord } from '../../../packages/k8s/state.js';
import { rollbackInputsOnlyOnRollback } from '../../../packages/k8s/rollback-inputs.js';
import {
  decideRollback,
  findVersion,
  previousOf,
  recordableDeployment,
  versionOf,
  type VersionSpec,
} from '../../../packages/k8s/rollback-target.js';
import { needsRecreate, recolor, restoreColor } from '../../../packages/k8s/bluegreen/restore-plan.js';

const dep = (image: string, color = 'blue'): Deployment =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `web-${color}`, labels: { app: 'web', color } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web', color } },
      template: {
        metadata: { labels: { app: 'web', color } },
        spec: { containers: [{ name: 'web', image }] },
      },
    },
  }) as Deployment;
const v = (image: string, color = 'blue'): VersionSpec => ({ image, color, deployment: dep(image, color) });
const rec = (
  image: string,
  extra: Record<string, unknown> = {},
  more: Partial<StateRecord> = {},
): StateRecord => ({
  app: 'web',
  strategy: 'bluegreen',
  runId: `run-${image}`,
  phase: 'complete',
  image,
  activeColor: 'green',
  previousColor: 'blue',
  updatedAt: 't',
  extra,
  ...more,
});

const v1 = v('reg/web:1', 'blue');
const v2 = v('reg/web:2', 'green');
const v3 = v('reg/web:3', 'blue');
const at2 = rec('reg/web:2', { spec: v2, previous: v1 });
const at3 = rec('reg/web:3', { spec: v3, previous: v2 }, { activeColor: 'blue', previousColor: 'green' });
const rolled = rec('reg/web:1', {
  spec: v1,
  previous: v2,
  rollback: { from: 'reg/web:2', to: 'reg/web:1', runId: 'r9' },
});

describe('decideRollback', () => {
  test.each<[string, StateRecord, StateRecord[], string, boolean, string | RegExp]>([
    ['undo the current release', at2, [], '', false, 'restore reg/web:1'],
    ['rollback-to the previous image', at2, [], 'reg/web:1', false, 'restore reg/web:1'],
    ['rollback-to the current image', at2, [], 'reg/web:2', false, /^noop: web already runs reg\/web:2/],
    [
      'a second rollback',
      rolled,
      [at2],
      '',
      false,
      /^noop: .*already rolled back from reg\/web:2 to reg\/web:1 \(run r9\)/,
    ],
    [
      'a second rollback naming its target',
      rolled,
      [at2],
      'reg/web:1',
      false,
      /^noop: .*already rolled back/,
    ],
    [
      'after a rollback, back to the version rolled from',
      rolled,
      [at2],
      'reg/web:2',
      false,
      'restore reg/web:2',
    ],
    ['third version, plain rollback', at3, [at2], '', false, 'restore reg/web:2'],
    [
      'third version, rollback-to v1',
      at3,
      [at2],
      'reg/web:1',
      false,
      /^error: .*moved on to reg\/web:3, which replaced reg\/web:2.*Nothing was changed/,
    ],
    ['third version, rollback-to v1 confirmed', at3, [at2], 'reg/web:1', true, 'restore reg/web:1'],
    [
      'an image never recorded',
      at3,
      [at2],
      'reg/web:9',
      true,
      /^error: .*reg\/web:9: that version is not in the recorded state/,
    ],
    [
      'no previous version',
      rec('reg/web:1', { spec: v1 }, { previousColor: undefined }),
      [],
      '',
      false,
      /^error: .*names no previous version/,
    ],
  ])('%s', (_n, r, history, rollbackTo, confirm, want) => {
    let out: string;
    try {
      const d = decideRollback(r, history, { rollbackTo, confirm });
      out = d.kind === 'noop' ? `noop: ${d.message}` : `restore ${d.target.image}`;
    } catch (err) {
      out = `error: ${(err as Error).message}`;
    }
    expect(out).toMatch(want);
  });

  test('the refusal names both ways on', () => {
    expect(() => decideRollback(at3, [at2], { rollbackTo: 'reg/web:1', confirm: false })).toThrow(
      expect.objectContaining({
        hint: expect.stringMatching(/confirm-rollback: true.*rollback-to: reg\/web:2/),
      }),
    );
  });
});

describe('recorded versions', () => {
  test.each<[string, StateRecord | undefined, string | undefined, string | undefined]>([
    ['recorded specs', at2, 'reg/web:2', 'reg/web:1'],
    ['older records: images and colors only', rec('a:2', {}, { previousImage: 'a:1' }), 'a:2', 'a:1'],
    ['nothing recorded', undefined, undefined, undefined],
  ])('%s', (_n, r, current, previous) => {
    expect(versionOf(r)?.image).toBe(current);
    expect(previousOf(r)?.image).toBe(previous);
  });

  test('findVersion prefers a spec that can re-create the version', () => {
    const bare = rec('reg/web:2', {}, { previousImage: 'reg/web:1' });
    expect(findVersion('reg/web:1', [bare, at2])?.deployment).toBeDefined();
    expect(findVersion('reg/web:7', [bare, at2])).toBeUndefined();
  });

  test('recordableDeployment drops status and server-set metadata', () => {
    const live = { ...dep('x:1'), status: { readyReplicas: 2 } } as Deployment;
    live.metadata = { ...live.metadata, resourceVersion: '5', uid: 'u', generation: 3 } as never;
    const out = recordableDeployment(live) as Deployment & { status?: unknown };
    expect(out.status).toBeUndefined();
    expect(out.metadata).toEqual({ name: 'web-blue', labels: { app: 'web', color: 'blue' } });
  });
});

describe('rollbackInputsOnlyOnRollback', () => {
  test.each<[string, string, Record<string, string>, [string, string, string][]]>([
    ['rollback with both', 'rollback', { 'rollback-to': 'a:1', 'confirm-rollback': 'true' }, []],
    ['deploy without them', 'deploy', {}, []],
    [
      'deploy with rollback-to',
      'deploy',
      { 'rollback-to': 'a:1' },
      [['rollback-to', 'a:1', 'set only with action: rollback']],
    ],
    [
      'promote with confirm-rollback',
      'promote',
      { 'confirm-rollback': 'true' },
      [['confirm-rollback', 'true', 'set only with action: rollback']],
    ],
    ['deploy with the default confirm-rollback: false', 'deploy', { 'confirm-rollback': 'false' }, []],
  ])('%s', (_n, action, raw, want) => {
    const seen: [string, string, string][] = [];
    rollbackInputsOnlyOnRollback(
      { action, 'rollback-to': raw['rollback-to'], 'confirm-rollback': raw['confirm-rollback'] === 'true' },
      { add: (i, val, e) => void seen.push([i, val, e]) },
      { raw: (n) => raw[n] ?? '', failed: new Set() },
    );
    expect(seen).toEqual(want);
  });
});

describe('blue-green restore plan', () => {
  test.each<[string, StateRecord, VersionSpec, { to: string; from: string }]>([
    ['into its own idle color', at2, v1, { to: 'blue', from: 'green' }],
    ['its color serves now: the other one', at3, v1, { to: 'green', from: 'blue' }],
    ['no recorded color: the previous color', at2, { image: 'reg/web:1' }, { to: 'blue', from: 'green' }],
  ])('restoreColor: %s', (_n, r, target, want) => {
    expect(restoreColor(r, target)).toEqual(want);
  });

  test.each<[string, Deployment | undefined, VersionSpec, boolean]>([
    ['missing', undefined, v1, true],
    ['same images', dep('reg/web:1'), v1, false],
    ['overwritten by another version', dep('reg/web:3'), v1, true],
    ['no recorded spec to compare', dep('reg/web:3'), { image: 'reg/web:1' }, false],
  ])('needsRecreate: %s', (_n, live, target, want) => {
    expect(needsRecreate(live, target)).toBe(want);
  });

  test('recolor moves the name, labels, selector and pod labels, and sets replicas and annotations', () => {
    const d = recolor(dep('reg/web:1', 'blue'), 'web', 'green', 3, { 'hac.dev/run-id': 'r1' });
    expect(d.metadata).toMatchObject({
      name: 'web-green',
      labels: { app: 'web', color: 'green' },
      annotations: { 'hac.dev/run-id': 'r1' },
    });
    expect(d.spec.selector?.matchLabels).toEqual({ app: 'web', color: 'green' });
    expect(d.spec.template.metadata?.labels).toEqual({ app: 'web', color: 'green' });
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec?.containers?.[0]?.image).toBe('reg/web:1');
  });
});
