import { describe, test, expect } from '@jest/globals';
import {
  weightedRules,
  currentRouteWeight,
  rulesForService,
  canaryIngress,
  ingressUsesService,
  pinnedSelector,
  NGINX_CANARY,
  NGINX_WEIGHT,
} from '../../../packages/k8s/canary/routes.js';

const rules = () => [
  { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web', port: 80 }] },
  {
    matches: [{ path: { type: 'PathPrefix', value: '/admin' } }],
    backendRefs: [{ name: 'admin', port: 80 }],
  },
];

describe('HTTPRoute weights', () => {
  test.each([
    [10, 90],
    [25, 75],
    [50, 50],
    [100, 0],
  ])('%i%% to canary', (w, s) => {
    const out = weightedRules(rules(), 'web', 'web-canary', w);
    expect(out[0]!.backendRefs).toEqual([
      { name: 'web', port: 80, weight: s },
      { name: 'web-canary', port: 80, weight: w },
    ]);
    expect(out[1]).toEqual(rules()[1]);
    expect(currentRouteWeight(out, 'web', 'web-canary')).toBe(w);
  });

  test('re-weighting replaces the canary ref instead of adding another', () => {
    const once = weightedRules(rules(), 'web', 'web-canary', 10);
    const twice = weightedRules(once, 'web', 'web-canary', 50);
    expect(twice[0]!.backendRefs).toHaveLength(2);
    expect(currentRouteWeight(twice, 'web', 'web-canary')).toBe(50);
  });

  test('weight 0 resets to the original form', () => {
    const reset = weightedRules(weightedRules(rules(), 'web', 'web-canary', 50), 'web', 'web-canary', 0);
    expect(reset).toEqual(rules());
    expect(currentRouteWeight(reset, 'web', 'web-canary')).toBeUndefined();
  });

  test('refs to other kinds with the same name are not touched', () => {
    const r = [{ backendRefs: [{ name: 'web', kind: 'ServiceImport', group: 'multicluster.x-k8s.io' }] }];
    expect(rulesForService(r, 'web')).toBe(0);
    expect(weightedRules(r, 'web', 'web-canary', 50)).toEqual(r);
  });
});

describe('canary Ingress', () => {
  const stable = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: 'web',
      namespace: 'ns',
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': '{}',
        'nginx.ingress.kubernetes.io/rewrite-target': '/',
        [NGINX_WEIGHT]: '99',
      },
    },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host: 'web.example',
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
              {
                path: '/x',
                pathType: 'Prefix',
                backend: { service: { name: 'other', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };

  test('copies the rules, swaps the stable Service and sets the weight', () => {
    const ing = canaryIngress(stable, {
      name: 'web-canary',
      stableService: 'web',
      canaryService: 'web-canary',
      weight: 25,
      labels: { a: 'b' },
    });
    const meta = ing.metadata as {
      name: string;
      namespace: string;
      annotations: Record<string, string>;
      labels: unknown;
    };
    expect(meta.name).toBe('web-canary');
    expect(meta.namespace).toBe('ns');
    expect(meta.labels).toEqual({ a: 'b' });
    expect(meta.annotations[NGINX_CANARY]).toBe('true');
    expect(meta.annotations[NGINX_WEIGHT]).toBe('25');
    expect(meta.annotations['nginx.ingress.kubernetes.io/rewrite-target']).toBe('/');
    expect(meta.annotations['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
    const paths = (ing.spec as any).rules[0].http.paths;
    expect(paths[0].backend.service.name).toBe('web-canary');
    expect(paths[1].backend.service.name).toBe('other');
    // The stable object is not modified.
    expect(stable.spec.rules[0]!.http.paths[0]!.backend.service.name).toBe('web');
  });

  test.each([
    ['web', true],
    ['other', true],
    ['nope', false],
  ])('ingressUsesService(%s) = %s', (svc, want) => {
    expect(ingressUsesService(stable, svc)).toBe(want);
  });
});

describe('pinnedSelector', () => {
  test.each([
    [{ app: 'web' }, 'abc', { app: 'web', 'pod-template-hash': 'abc' }],
    [{ app: 'web', 'pod-template-hash': 'old' }, 'new', { app: 'web', 'pod-template-hash': 'new' }],
    [{ app: 'web', 'pod-template-hash': 'old' }, undefined, { app: 'web' }],
  ])('%j + %s', (sel, hash, want) => {
    expect(pinnedSelector(sel, hash)).toEqual(want);
  });
});
