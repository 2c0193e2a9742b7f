// k8s-canary's named input rules, each on its own: the values it sees, the problems it adds.
import { describe, expect, test } from '@jest/globals';
import {
  metricsNeedPrometheus,
  pausesFitSteps,
  routeNeedsItsObject,
  surgeOnlyWithReplicas,
  versionOnlyForBuiltDeploy,
} from '../../../packages/k8s/canary/inputs.js';
import { PAUSE_EXPECTED } from '../../../packages/k8s/canary/steps-input.js';

type Problem = [string, string, string];
const collect = () => {
  const seen: Problem[] = [];
  return { seen, problems: { add: (i: string, v: string, e: string) => void seen.push([i, v, e]) } };
};
const ctx = (failed: string[] = []) => ({ raw: () => '', failed: new Set<string>(failed) });
type Rule = (v: never, p: ReturnType<typeof collect>['problems'], c: ReturnType<typeof ctx>) => void;

function check(rule: Rule, values: Record<string, unknown>, failed: string[] = []): Problem[] {
  const { seen, problems } = collect();
  rule(values as never, problems, ctx(failed));
  return seen;
}

describe('canary input rules', () => {
  test.each<[string, Record<string, unknown>, string[], Problem[]]>([
    ['one pause for every gap', { pause: '30s', steps: [10, 50, 100] }, [], []],
    ['one pause per gap', { pause: '1m,5m', steps: [10, 50, 100] }, [], []],
    ['too many pauses', { pause: '1m,1m,1m', steps: [10, 100] }, [], [['pause', '1m,1m,1m', PAUSE_EXPECTED]]],
    ['not a duration', { pause: 'soon', steps: [10, 100] }, [], [['pause', 'soon', PAUSE_EXPECTED]]],
    ['steps already failed: not judged', { pause: '1m,1m,1m', steps: [] }, ['steps'], []],
  ])('pausesFitSteps: %s', (_n, values, failed, want) => {
    expect(check(pausesFitSteps, values, failed)).toEqual(want);
  });

  test.each<[string, Record<string, unknown>, Problem[]]>([
    ['replicas needs nothing', { action: 'deploy', route: 'replicas', 'http-route': '', ingress: '' }, []],
    [
      'gateway-api with its HTTPRoute',
      { action: 'deploy', route: 'gateway-api', 'http-route': 'r', ingress: '' },
      [],
    ],
    [
      'gateway-api without one',
      { action: 'deploy', route: 'gateway-api', 'http-route': '', ingress: '' },
      [['http-route', '', 'the name of the HTTPRoute to weight (required with route: gateway-api)']],
    ],
    [
      'ingress-nginx without an Ingress',
      { action: 'deploy', route: 'ingress-nginx', 'http-route': '', ingress: '' },
      [['ingress', '', 'the name of the stable Ingress to copy (required with route: ingress-nginx)']],
    ],
    [
      'promote reads the route from the record',
      { action: 'promote', route: 'gateway-api', 'http-route': '' },
      [],
    ],
  ])('routeNeedsItsObject: %s', (_n, values, want) => {
    expect(check(routeNeedsItsObject, values)).toEqual(want);
  });

  test.each<[string, Record<string, unknown>, Problem[]]>([
    ['replicas with surge', { route: 'replicas', surge: 2 }, []],
    ['gateway-api without surge', { route: 'gateway-api', surge: undefined }, []],
    [
      'gateway-api with surge',
      { route: 'gateway-api', surge: 0 },
      [['surge', '0', 'empty unless route is replicas']],
    ],
  ])('surgeOnlyWithReplicas: %s', (_n, values, want) => {
    expect(check(surgeOnlyWithReplicas, values)).toEqual(want);
  });

  test.each<[string, Record<string, unknown>, string[], Problem[]]>([
    ['no version', { version: '', action: 'abort', manifests: [] }, [], []],
    ['deploy from image with a version', { version: 'v2', action: 'deploy', manifests: [] }, [], []],
    [
      'promote with a version',
      { version: 'v2', action: 'promote', manifests: [] },
      [],
      [['version', 'v2', 'empty unless action is deploy']],
    ],
    [
      'deploy from manifests with a version',
      { version: 'v2', action: 'deploy', manifests: ['app.yaml'] },
      [],
      [
        [
          'version',
          'v2',
          "empty when manifests are given (set the pod template's version label in the manifests)",
        ],
      ],
    ],
    [
      'version already failed: not judged',
      { version: 'bad value', action: 'promote', manifests: [] },
      ['version'],
      [],
    ],
  ])('versionOnlyForBuiltDeploy: %s', (_n, values, failed, want) => {
    expect(check(versionOnlyForBuiltDeploy, values, failed)).toEqual(want);
  });

  test.each<[string, Record<string, unknown>, string[], Problem[]]>([
    ['no metrics', { metrics: [], 'prometheus-url': '' }, [], []],
    ['metrics and Prometheus', { metrics: [{ name: 'x' }], 'prometheus-url': 'http://p:9090' }, [], []],
    [
      'metrics without Prometheus',
      { metrics: [{ name: 'x' }], 'prometheus-url': '' },
      [],
      [['prometheus-url', '', 'the URL of Prometheus (required when metrics are given)']],
    ],
    [
      'metrics already failed: not judged',
      { metrics: [{ name: 'x' }], 'prometheus-url': '' },
      ['metrics'],
      [],
    ],
  ])('metricsNeedPrometheus: %s', (_n, values, failed, want) => {
    expect(check(metricsNeedPrometheus, values, failed)).toEqual(want);
  });
});
