// Pure parts of the Kubernetes engine: image references and substitution, manifest parsing,
// selectors, state encoding, rollout status, permissions and transient-error classification.
import { describe, expect, test } from '@jest/globals';
import { ApiError, accessFromForbidden, isTransient } from '../../../packages/k8s/errors.js';
import { decodeState, encodeState, type StateRecord } from '../../../packages/k8s/state.js';
import {
  diffSelector,
  renderSelectorDiff,
  selectorPatch,
  selectorString,
} from '../../../packages/k8s/selector.js';
import { missingPermissions } from '../../../packages/k8s/permissions.js';
import { parseImageRef, substituteImages } from '../../../packages/k8s/images.js';
import { parseManifests } from '../../../packages/k8s/manifests.js';
import { rolloutStatus } from '../../../packages/k8s/rollout.js';
import { workloadFromObjects } from '../../../packages/k8s/workload.js';
import { type Deployment } from '../../../packages/k8s/objects.js';

describe('parseImageRef', () => {
  test.each([
    ['nginx', { repository: 'nginx' }],
    ['nginx:1.25', { repository: 'nginx', tag: '1.25' }],
    [
      'registry.example.com:5000/team/app:v2',
      { repository: 'registry.example.com:5000/team/app', tag: 'v2' },
    ],
    ['localhost:5000/app', { repository: 'localhost:5000/app' }],
    [`app@sha256:${'a'.repeat(64)}`, { repository: 'app', digest: `sha256:${'a'.repeat(64)}` }],
    [
      `ghcr.io/o/app:1@sha256:${'b'.repeat(64)}`,
      { repository: 'ghcr.io/o/app', tag: '1', digest: `sha256:${'b'.repeat(64)}` },
    ],
  ])('%s', (ref, want) => expect(parseImageRef(ref)).toEqual(want));

  test.each(['', 'UPPER/case', 'app:', 'app:bad tag', 'app@sha256:xyz', 'a//b'])('rejects %j', (ref) =>
    expect(() => parseImageRef(ref)).toThrow(),
  );
});

const deployment = (image: string, init?: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    template: {
      spec: {
        containers: [
          { name: 'web', image },
          { name: 'side', image: 'envoy:1.0' },
        ],
        ...(init ? { initContainers: [{ name: 'init', image: init }] } : {}),
      },
    },
  },
});

describe('substituteImages (by image repository, as k8s-deploy)', () => {
  test('replaces every container with the same repository, including init containers', () => {
    const objs = [deployment('reg/app:1.0', 'reg/app:0.9')];
    const r = substituteImages(objs, ['reg/app:2.0']);
    const spec = (r.objects[0] as any).spec.template.spec;
    expect(spec.containers.map((c: any) => c.image)).toEqual(['reg/app:2.0', 'envoy:1.0']);
    expect(spec.initContainers[0].image).toBe('reg/app:2.0');
    expect(r.unmatched).toEqual([]);
    expect((objs[0] as any).spec.template.spec.containers[0].image).toBe('reg/app:1.0'); // input untouched
  });
  test('reports images that match no container', () => {
    expect(substituteImages([deployment('reg/app:1.0')], ['reg/other:2', 'reg/app:2']).unmatched).toEqual([
      'reg/other:2',
    ]);
  });
  test('does not match a repository prefix', () => {
    expect(substituteImages([deployment('reg/app-worker:1')], ['reg/app:2']).unmatched).toEqual([
      'reg/app:2',
    ]);
  });
  test('works on CronJobs', () => {
    const cj = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: {
        jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'reg/app:1' }] } } } },
      },
    };
    expect(
      (substituteImages([cj], ['reg/app:9']).objects[0] as any).spec.jobTemplate.spec.template.spec
        .containers[0].image,
    ).toBe('reg/app:9');
  });
});

describe('parseManifests', () => {
  test('multi-document YAML, empty documents and Lists', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: b}}\n- {apiVersion: v1, kind: Service, metadata: {name: c}}\n`;
    expect(parseManifests(text, 'f.yaml').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/a',
      'Service/b',
      'Service/c',
    ]);
  });
  test.each([
    ['kind: ConfigMap\nmetadata: {name: a}\n', /f.yaml \(document 1\): missing apiVersion/],
    ['apiVersion: v1\nkind: ConfigMap\n', /missing metadata.name/],
    ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: A_B}\n', /not a valid Kubernetes name/],
    ['- a\n- b\n', /expected a Kubernetes object .* got a list/],
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkey: [unclosed\n',
      /f.yaml \(document 2\): malformed YAML at line/,
    ],
  ])('%j', (text, err) => expect(() => parseManifests(text, 'f.yaml')).toThrow(err));
});

describe('workloadFromObjects', () => {
  const svc = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
  };
  const dep = {
    ...deployment('reg/app:1'),
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'reg/app:1' }] },
      },
    },
  };
  test('finds the Deployment, its live Service and the rest', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' } };
    const w = workloadFromObjects([dep, svc, cm], {
      namespace: 'ns',
      images: ['reg/app:2'],
      app: '',
      port: 80,
      source: 'manifests',
    });
    expect(w.app).toBe('web');
    expect(w.image).toBe('reg/app:2');
    expect(w.service?.metadata.name).toBe('web');
    expect(w.others.map((o) => o.metadata.name)).toEqual(['cfg']);
  });
  test('replicas input overrides the manifest', () => {
    expect(
      workloadFromObjects([dep], {
        namespace: 'ns',
        images: [],
        app: '',
        replicas: 5,
        port: 80,
        source: 'manifests',
      }).deployment.spec.replicas,
    ).toBe(5);
  });
});

describe('selectors', () => {
  test('string, diff, patch and render', () => {
    expect(selectorString({ color: 'blue', app: 'x' })).toBe('app=x,color=blue');
    expect(diffSelector({ app: 'x', color: 'blue', tier: 'web' }, { app: 'x', color: 'green' })).toEqual([
      { key: 'color', from: 'blue', to: 'green' },
      { key: 'tier', from: 'web' },
    ]);
    expect(selectorPatch({ app: 'x', color: 'blue', tier: 'web' }, { app: 'x', color: 'green' })).toEqual({
      color: 'green',
      tier: null,
    });
    expect(renderSelectorDiff({ app: 'x', color: 'blue' }, { app: 'x', color: 'green' })).toBe(
      '  app: x\n- color: blue\n+ color: green',
    );
  });
});

describe('state encoding', () => {
  const rec: StateRecord = {
    app: 'x',
    strategy: 'bluegreen',
    runId: 'r2',
    phase: 'complete',
    image: 'a:2',
    previousImage: 'a:1',
    activeColor: 'green',
    updatedAt: '2024-01-01T00:00:00Z',
  };
  test('round trip with history (newest first, bounded)', () => {
    const older: StateRecord[] = Array.from({ length: 12 }, (_, i) => ({ ...rec, runId: `old${i}` }));
    const d = decodeState(encodeState(rec, older));
    expect(d.record).toEqual(rec);
    expect(d.history.length).toBe(10);
    expect(d.history[0]).toEqual(rec);
  });
  test('empty and corrupt data', () => {
    expect(decodeState(undefined)).toEqual({ history: [] });
    expect(() => decodeState({ state: '{nope' })).toThrow(/not valid JSON/);
    expect(() => decodeState({ state: '{"app":"x"}' })).toThrow(/lacks/);
  });
});

describe('rolloutStatus (kubectl rollout status rules)', () => {
  const d = (status: Deployment['status'], generation = 2, replicas = 3): Deployment => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', generation },
    spec: { replicas, template: {} },
    status,
  });
  test.each([
    [
      'generation not observed',
      d({ observedGeneration: 1, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, replicas: 3 }),
      false,
      /observe generation 2/,
    ],
    [
      'updating',
      d({ observedGeneration: 2, updatedReplicas: 1, replicas: 3 }),
      false,
      /1 of 3 new replicas updated/,
    ],
    [
      'old pods terminating',
      d({ observedGeneration: 2, updatedReplicas: 3, replicas: 4, availableReplicas: 3, readyReplicas: 3 }),
      false,
      /1 old replicas pending termination/,
    ],
    [
      'not yet available',
      d({ observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2, readyReplicas: 2 }),
      false,
      /2 of 3 updated replicas available/,
    ],
    [
      'done',
      d({ observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3, readyReplicas: 3 }),
      true,
      /3 of 3 replicas available/,
    ],
  ])('%s', (_n, dep, done, msg) => {
    const s = rolloutStatus(dep);
    expect(s.done).toBe(done);
    expect(s.failed).toBe(false);
    expect(s.message).toMatch(msg);
  });
  test('ProgressDeadlineExceeded fails', () => {
    const s = rolloutStatus(
      d({
        observedGeneration: 2,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "web-1" has timed out progressing.',
          },
        ],
      }),
    );
    expect(s.failed).toBe(true);
    expect(s.message).toMatch(/ProgressDeadlineExceeded.*timed out progressing/);
  });
});

describe('permissions', () => {
  const rules = [
    { verbs: ['get', 'patch'], apiGroups: [''], resources: ['services'] },
    { verbs: ['*'], apiGroups: ['apps'], resources: ['deployments'] },
    { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['only-this'] },
  ];
  test('missingPermissions', () => {
    expect(
      missingPermissions(rules, [
        { group: '', resource: 'services', verb: 'patch' },
        { group: 'apps', resource: 'deployments', verb: 'watch' },
        { group: '', resource: 'services', verb: 'delete' },
        { group: '', resource: 'configmaps', verb: 'get' },
      ]),
    ).toEqual([
      { group: '', resource: 'services', verb: 'delete' },
      { group: '', resource: 'configmaps', verb: 'get' },
    ]);
  });
  test('the missing permission is read from a 403 message', () => {
    const err = new ApiError(403, 'PATCH', '/api/v1/namespaces/n/services/x', {
      message:
        'services "x" is forbidden: User "system:serviceaccount:n:d" cannot patch resource "services" in API group "" in the namespace "n"',
    });
    expect(accessFromForbidden(err, { verb: 'x', resource: 'y' })).toMatchObject({
      verb: 'patch',
      resource: 'services',
      group: undefined,
      namespace: 'n',
    });
  });
});

describe('isTransient', () => {
  const withCode = (code: string) =>
    Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error(code), { code }) });
  test.each([
    ['connection refused', withCode('ECONNREFUSED'), true],
    ['connection reset', withCode('ECONNRESET'), true],
    ['429', new ApiError(429, 'GET', '/x', { message: 'too many requests' }), true],
    ['503', new ApiError(503, 'GET', '/x', { message: 'unavailable' }), true],
    ['etcd leader change', new ApiError(500, 'GET', '/x', { message: 'etcdserver: leader changed' }), true],
    ['404', new ApiError(404, 'GET', '/x', { message: 'not found' }), false],
    ['409', new ApiError(409, 'GET', '/x', { message: 'conflict' }), false],
    ['other error', new Error('something else'), false],
    // node:http's errors as another realm shows them: not instanceof this realm's Error.
    [
      'node:http refused, from another realm',
      { name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:6443', code: 'ECONNREFUSED' },
      true,
    ],
    ['an abort without a cause', { name: 'AbortError', message: 'This operation was aborted' }, false],
    ['a string', 'ECONNREFUSED', false],
  ])('%s → %s', (_name, err, want) => expect(isTransient(err)).toBe(want));
});
