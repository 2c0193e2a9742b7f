// k8s-canary: the `version` input of the simple form, and the permission set the engine checks
// against the minimal Role the README documents (so the two cannot drift).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test, expect } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { InputError } from '@hac/toolkit';
import { canaryPermissions } from '../../../packages/k8s/canary/permissions.js';
import { readCanaryInputs } from '../../../packages/k8s/canary/inputs.js';
import { resolveWorkload } from '../../../packages/k8s/workload.js';
import { versionOf, withVersion } from '../../../packages/k8s/canary/build.js';
import { type Deployment } from '../../../packages/k8s/objects.js';
import { type Permission } from '../../../packages/k8s/permissions.js';
import { type RouteMethod } from '../../../packages/k8s/canary/routes.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DIGEST = `registry.example/web@sha256:${'ab12'.repeat(16)}`;

const read = (inputs: Record<string, string>) => readCanaryInputs((n) => inputs[n] ?? '');

describe('version input', () => {
  test.each([
    ['', ''],
    ['v2', 'v2'],
    ['1.4.0-rc.1', '1.4.0-rc.1'],
    ['release_7', 'release_7'],
    ['a'.repeat(63), 'a'.repeat(63)],
  ])('%j is accepted', (version, want) => {
    expect(read({ app: 'web', image: DIGEST, version }).version).toBe(want);
  });

  test.each([
    [{ version: 'v 2' }, /input "version": got "v 2"; expected a label value/],
    [{ version: '-v2' }, /input "version": got "-v2"/],
    [{ version: 'v2.' }, /input "version": got "v2\."/],
    [{ version: 'a'.repeat(64) }, /input "version"/],
    [{ version: 'v2/3' }, /input "version"/],
    [
      { version: 'v2', image: '', manifests: 'k8s/web.yaml' },
      /input "version": got "v2"; expected empty when manifests are given/,
    ],
    [
      { version: 'v2', action: 'promote', image: '' },
      /input "version": got "v2"; expected empty unless action is deploy/,
    ],
  ])('%j is rejected', (extra, why) => {
    let err: unknown;
    try {
      read({ app: 'web', image: DIGEST, ...extra });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(why);
  });

  test('a digest image: the version label comes from the input, not the digest', () => {
    const w = resolveWorkload({
      namespace: 'ns',
      manifests: [],
      images: [],
      app: 'web',
      image: DIGEST,
      port: 8080,
    });
    // Without the input the label is derived from the digest.
    expect(versionOf(w.deployment.spec.template)).toBe('ab12ab12ab12');
    const d = withVersion(w.deployment, 'v2');
    expect(d.spec.template.metadata?.labels).toEqual({ app: 'web', version: 'v2' });
    expect(versionOf(d.spec.template)).toBe('v2');
    // Pure: the input Deployment is unchanged, and the selector keeps only app.
    expect(w.deployment.spec.template.metadata?.labels?.version).toBe('ab12ab12ab12');
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'web' } });
  });

  test('a template without labels gets one', () => {
    const bare = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: {},
    } as Deployment;
    expect(withVersion(bare, 'v9').spec.template?.metadata?.labels).toEqual({ version: 'v9' });
  });
});

/** The rules of the README's YAML block, flattened to permissions. */
function readmePermissions(): Permission[] {
  const md = fs.readFileSync(path.join(REPO, 'actions', 'k8s-canary', 'README.md'), 'utf8');
  const block = /## Minimal RBAC Role\s+```yaml\n([\s\S]*?)```/.exec(md)?.[1];
  expect(block).toBeDefined();
  const role = parseYaml(block as string) as {
    kind: string;
    rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  };
  expect(role.kind).toBe('Role');
  return role.rules.flatMap((r) =>
    r.apiGroups.flatMap((group) =>
      r.resources.flatMap((resource) => r.verbs.map((verb) => ({ group, resource, verb }))),
    ),
  );
}

const key = (p: Permission) => `${p.verb} ${p.resource}.${p.group}`;
const keys = (ps: Permission[]) => [...new Set(ps.map(key))].sort();

describe('canaryPermissions and the README Role', () => {
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } };
  const routes: RouteMethod[] = ['replicas', 'gateway-api', 'ingress-nginx'];

  test('every route and action together need exactly the documented Role', () => {
    const all = routes.flatMap((route) =>
      (['deploy', 'promote', 'abort'] as const).flatMap((action) =>
        canaryPermissions(route, action, [service]),
      ),
    );
    // patch on leases is documented but not required: without it, a free Lease takes two requests.
    const optional = 'patch leases.coordination.k8s.io';
    expect(keys(readmePermissions())).toContain(optional);
    expect(keys(all)).toEqual(keys(readmePermissions()).filter((k) => k !== optional));
  });

  test('each route needs only its own route rules', () => {
    const replicas = keys(canaryPermissions('replicas', 'deploy', [service]));
    expect(replicas.filter((k) => /httproutes|ingresses|replicasets/.test(k))).toEqual([]);
    expect(replicas).toContain('list horizontalpodautoscalers.autoscaling');
    expect(replicas).toEqual(expect.arrayContaining(['create services.', 'patch services.']));
    // get: the live Service is read for k8s-bluegreen's mark (strategy handover)
    expect(replicas).toContain('get services.');
    expect(replicas).not.toContain('delete services.');
    const gw = keys(canaryPermissions('gateway-api', 'deploy'));
    expect(gw).toEqual(
      expect.arrayContaining([
        'get httproutes.gateway.networking.k8s.io',
        'list replicasets.apps',
        'get services.',
      ]),
    );
    expect(gw.filter((k) => k.includes('ingresses'))).toEqual([]);
    const ing = keys(canaryPermissions('ingress-nginx', 'abort'));
    expect(ing).toEqual(expect.arrayContaining(['delete ingresses.networking.k8s.io']));
    expect(ing.filter((k) => k.includes('horizontalpodautoscalers'))).toEqual([]);
  });

  test('other objects in the manifests add create and patch on their kind; unknown kinds are left to the dry run', () => {
    const extra = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } },
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } },
    ];
    const got = keys(canaryPermissions('replicas', 'deploy', extra));
    expect(got).toEqual(expect.arrayContaining(['create configmaps.', 'patch configmaps.']));
    expect(got.filter((k) => /widget|namespaces/.test(k))).toEqual([]);
    // promote and abort apply nothing from the manifests.
    expect(
      keys(canaryPermissions('replicas', 'promote', extra)).filter((k) => k.includes('configmaps')),
    ).toEqual([]);
  });
});

describe('prometheus-token is a credential', () => {
  test.each([
    ['CRLF (header injection)', 'sEcr3t\r\nX-Injected: 1'],
    ['LF', 'sEcr3t\nsecond'],
    ['NUL', 'sEcr3t\u0000x'],
    ['ESC', 'sEcr3t\u001b[31m'],
  ])('%s is an input error naming prometheus-token, the value redacted', (_what, token) => {
    let err: unknown;
    try {
      read({ app: 'web', image: DIGEST, 'prometheus-token': token });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/input "prometheus-token"/);
    expect(msg).toContain('without control characters');
    expect(msg).toContain('got "***"');
    expect(msg).not.toContain('sEcr3t');
  });

  test('surrounding whitespace is trimmed', () => {
    expect(read({ app: 'web', image: DIGEST, 'prometheus-token': '  t0ken  \n' })['prometheus-token']).toBe(
      't0ken',
    );
  });
});
