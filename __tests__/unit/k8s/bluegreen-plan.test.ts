// Blue-green planning: colors, the new Deployment, the one switch patch, route retargeting and the
// dry-run plan; and the action's inputs.
import { describe, expect, test } from '@jest/globals';
import {
  activeColor,
  keepsSelectorKeys,
  planBlueGreen,
  plannedWrites,
  retargetRules,
  switchPatch,
  switchedService,
  type HTTPRoute,
} from '../../../packages/k8s/bluegreen/plan.js';
import { READY_EVIDENCE_MS, freshReady } from '../../../packages/k8s/bluegreen/execute.js';
import { readBlueGreenInputs } from '../../../packages/k8s/bluegreen/inputs.js';
import { renderSwitch } from '../../../packages/k8s/bluegreen/report.js';
import { workloadFromObjects } from '../../../packages/k8s/workload.js';
import { type Service } from '../../../packages/k8s/objects.js';

const dep = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'reg/web:2', ports: [{ containerPort: 8080 }] }] },
    },
  },
};
const svc = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
};
const workload = (objs: any[] = [dep, svc]) =>
  workloadFromObjects(objs, { namespace: 'ns', images: [], app: '', port: 8080, source: 'manifests' });
const inputs = {
  namespace: 'ns',
  runId: 'run-9',
  route: 'service' as const,
  httpRoute: 'web',
  progressDeadlineSeconds: 600,
  now: '2024-01-01T00:00:00Z',
};
const liveSvc = (color: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', resourceVersion: '42' },
  spec: { selector: { app: 'web', color }, ports: [{ port: 80 }] },
});

describe('planBlueGreen (service route)', () => {
  test('first deploy: blue, the switch creates the live Service', () => {
    const p = planBlueGreen(workload(), {}, inputs);
    expect(p.newColor).toBe('blue');
    expect(p.oldColor).toBeUndefined();
    expect(p.deployment.metadata.name).toBe('web-blue');
    expect(p.deployment.spec.selector?.matchLabels).toEqual({ app: 'web', color: 'blue' });
    expect(p.deployment.spec.template.metadata?.labels).toEqual({ app: 'web', color: 'blue' });
    expect(p.deployment.spec.progressDeadlineSeconds).toBe(600);
    expect(p.deployment.metadata.annotations).toMatchObject({
      'hac.dev/run-id': 'run-9',
      'hac.dev/image': 'reg/web:2',
    });
    expect(p.switch.create?.spec.selector).toEqual({ app: 'web', color: 'blue' });
    expect(p.preApply.map((o) => o.metadata.name)).toEqual(['web-preview']);
  });

  test('blue is live, the manifests hold its Service: the switch applies it with the green selector (one write)', () => {
    const p = planBlueGreen(workload(), { service: liveSvc('blue') }, inputs);
    expect([p.oldColor, p.newColor]).toEqual(['blue', 'green']);
    // Nothing touches the live Service before the switch.
    expect(p.preApply.map((o) => o.metadata.name)).toEqual(['web-preview']);
    const applied = switchedService(p.switch, {
      'hac.dev/phase': 'switched',
      'hac.dev/previous-image': null,
    });
    expect(applied?.spec).toEqual({
      selector: { app: 'web', color: 'green' },
      ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    });
    expect(applied?.metadata.annotations).toEqual({ 'hac.dev/phase': 'switched' });
    expect(p.switch.resourceVersion).toBe('42'); // the apply's precondition (switchTraffic)
    expect(switchPatch(p.switch, 'back')).toEqual({ metadata: {}, spec: { selector: { color: 'blue' } } });
    expect(renderSwitch(p.switch)).toBe(
      'Service/web spec.selector (the Service applied at the switch)\n  app: web\n- color: blue\n+ color: green',
    );
    const writes = plannedWrites(p, { 'hac.dev/phase': 'switched' });
    expect(writes.map((w) => w.op)).toEqual(['apply', 'apply', 'apply']);
    expect(writes.at(-1)).toEqual({ op: 'apply', object: applied });
  });

  test('blue is live, the Service is not in the manifests: one selector patch guarded by resourceVersion', () => {
    const p = planBlueGreen(workload([dep]), { service: liveSvc('blue') }, inputs);
    expect(p.switch.apply).toBeUndefined();
    expect(switchPatch(p.switch, 'forward', { 'hac.dev/phase': 'switched' })).toEqual({
      metadata: { resourceVersion: '42', annotations: { 'hac.dev/phase': 'switched' } },
      spec: { selector: { color: 'green' } },
    });
    expect(plannedWrites(p, {}).map((w) => w.op)).toEqual(['apply', 'apply', 'patch']);
  });

  test('a live selector key the manifests drop: the Service is re-applied as it is, the patch removes the key', () => {
    const live: Service = {
      ...liveSvc('blue'),
      spec: { selector: { app: 'web', tier: 'x', color: 'blue' } },
    };
    const p = planBlueGreen(workload(), { service: live }, inputs);
    expect(p.switch.apply).toBeUndefined();
    // The user's Service is re-applied with the selector it has now (no traffic change before the switch).
    expect((p.preApply.find((o) => o.metadata.name === 'web') as Service).spec.selector).toEqual(
      live.spec.selector,
    );
    expect(switchPatch(p.switch, 'forward')).toEqual({
      metadata: { resourceVersion: '42' },
      spec: { selector: { tier: null, color: 'green' } },
    });
    expect(plannedWrites(p, {}).map((w) => w.op)).toEqual(['apply', 'apply', 'apply', 'patch']);
  });

  const status = (done: boolean, ready: number) =>
    ({ done, failed: false, message: '', desired: 2, updated: 2, ready, available: ready }) as const;
  test.each([
    ['just rolled out', status(true, 2), 1_000, 2],
    ['at the limit', status(true, 2), READY_EVIDENCE_MS, 2],
    ['too old (a preview gate ran)', status(true, 2), READY_EVIDENCE_MS + 1, undefined],
    ['no ready pod (replicas: 0)', status(true, 0), 0, undefined],
    ['not done', status(false, 1), 0, undefined],
  ])('freshReady: %s', (_what, s, ageMs, expected) => {
    // Without a count the switch lists the pods (switchTraffic), and refuses zero ready.
    expect(freshReady(s, 10_000, 10_000 + ageMs)).toBe(expected);
  });

  test.each([
    [{ app: 'web', color: 'blue' }, { app: 'web', color: 'green' }, true],
    [{ app: 'web' }, { app: 'web', color: 'blue' }, true],
    [{}, { app: 'web', color: 'blue' }, true],
    [{ app: 'web', tier: 'x', color: 'blue' }, { app: 'web', color: 'green' }, false],
  ])('keepsSelectorKeys(%j, %j) = %s', (before, after, keeps) => {
    expect(keepsSelectorKeys(before, after)).toBe(keeps);
  });

  test('a live Service without a color (plain Deployment before): switch adds the color; back removes it', () => {
    const live: Service = { ...liveSvc('x'), spec: { selector: { app: 'web' } } };
    const p = planBlueGreen(workload(), { service: live }, inputs);
    expect(p.newColor).toBe('blue');
    expect(switchPatch(p.switch, 'back')).toEqual({ metadata: {}, spec: { selector: { color: null } } });
  });

  test('the recorded color decides when the Service says nothing', () => {
    expect(planBlueGreen(workload(), { recordedColor: 'green' }, inputs).newColor).toBe('blue');
  });
});

describe('gateway-api route', () => {
  const route = (backend: string): HTTPRoute => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web', resourceVersion: '7' },
    spec: {
      rules: [
        {
          matches: [{ path: { value: '/' } }],
          backendRefs: [
            { name: backend, port: 80 },
            { name: 'other', port: 80 },
          ],
        },
      ],
    },
  });
  test('activeColor from backendRefs', () => {
    expect(activeColor('web', 'gateway-api', { route: route('web-green') })).toBe('green');
    expect(activeColor('web', 'gateway-api', { route: route('web') })).toBeUndefined();
  });
  test('retargets only the app’s backendRefs; the plan switches the rules in one patch', () => {
    expect(retargetRules(route('web').spec.rules!, ['web'], 'web-blue').changed).toBe(1);
    const p = planBlueGreen(workload(), { route: route('web-blue') }, { ...inputs, route: 'gateway-api' });
    expect(p.newColor).toBe('green');
    expect(p.preApply.map((o) => o.metadata.name)).toEqual(['web-green']);
    const patch = switchPatch(p.switch, 'forward') as any;
    expect(patch.metadata.resourceVersion).toBe('7');
    expect(patch.spec.rules[0].backendRefs.map((b: any) => b.name)).toEqual(['web-green', 'other']);
    expect(patch.spec.rules[0].matches).toEqual([{ path: { value: '/' } }]);
  });
  test('a route with no backendRef to the app is refused', () => {
    expect(() =>
      planBlueGreen(workload(), { route: route('unrelated') }, { ...inputs, route: 'gateway-api' }),
    ).toThrow(/has no backendRef to Service "web"/);
    expect(() => planBlueGreen(workload(), {}, { ...inputs, route: 'gateway-api' })).toThrow(
      /HTTPRoute "web" does not exist/,
    );
  });
});

describe('readBlueGreenInputs', () => {
  const read = (m: Record<string, string>) =>
    readBlueGreenInputs((n) => m[n] ?? '', { GITHUB_RUN_ID: '77', GITHUB_RUN_ATTEMPT: '2' });
  test('defaults', () => {
    const v = read({ app: 'web', image: 'reg/web:1' });
    expect(v).toMatchObject({
      action: 'deploy',
      route: 'service',
      oldColorAction: 'scale-down',
      autoPromote: true,
      keepOldForMs: 0,
      timeoutMs: 600_000,
      runId: '77-2',
      dryRun: false,
    });
    expect(v.previewGate).toBeUndefined();
  });
  test('gates from URLs and checks', () => {
    const v = read({
      app: 'web',
      image: 'reg/web:1',
      'preview-urls': 'http://a/x, http://b/y',
      'live-checks': '- url: http://c/z\n  contains: ok\n',
      'gate-wait': '10s',
    });
    expect(v.previewGate?.checks.map((c) => c.url)).toEqual(['http://a/x', 'http://b/y']);
    expect(v.liveGate?.checks[0]).toMatchObject({ url: 'http://c/z', contains: 'ok' });
    expect(v.liveGate?.waitMs).toBe(10_000);
  });
  test('all problems in one error', () => {
    expect(() => read({ app: 'Web', image: 'x y', route: 'mesh', timeout: '5 minutes' })).toThrow(
      /4 inputs are invalid/,
    );
  });
  test('later actions need only app', () => {
    expect(read({ action: 'rollback', app: 'web' }).action).toBe('rollback');
  });
});
