// KubeClient over a fake transport (paths, server-side apply, retries, 403 mapping) and the Lease
// lock with a fake clock (create, wait, take over an expired lease, give up, release).
import { describe, expect, test } from '@jest/globals';
import { KubeClient } from '../../../packages/k8s/client.js';
import {
  LeaseLock,
  LeaseBusyError,
  decideLease,
  microTime,
  takeFreeOps,
  type Lease,
} from '../../../packages/k8s/lease.js';
import { fakeApi, fakeTime } from '../../support/k8s-fake.js';

const LEASES = '/apis/coordination.k8s.io/v1/namespaces/ns/leases';

function client(api = fakeApi(), time = fakeTime()) {
  return {
    api,
    time,
    c: new KubeClient(api, { namespace: 'ns', sleep: time.sleep, clock: time.clock, random: () => 0.5 }),
  };
}

describe('KubeClient', () => {
  test('server-side apply: PATCH with apply-patch content type, field manager hac, force', async () => {
    const api = fakeApi();
    const seen: any[] = [];
    api.handlers.push((req) => void seen.push(req) as undefined);
    const { c } = client(api);
    await c.apply(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', resourceVersion: '5' } },
      { dryRun: true },
    );
    expect(seen[0]).toMatchObject({
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/ns/deployments/web',
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: 'hac', force: true, dryRun: 'All' },
    });
    expect(seen[0].body.metadata).toEqual({ name: 'web', namespace: 'ns' });
  });

  const refused = () =>
    Object.assign(new Error('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });

  test('after a first answer, retries connection refused and 503, then succeeds', async () => {
    const { api, c, time } = client();
    api.objects.set('/api/v1/namespaces/ns/services/web', { metadata: { name: 'web' } });
    await c.get({ apiVersion: 'v1', kind: 'Service', name: 'web' });
    api.failures.push(refused(), { status: 503, body: { message: 'unavailable' } });
    const svc = await c.get({ apiVersion: 'v1', kind: 'Service', name: 'web' });
    expect(svc.metadata.name).toBe('web');
    expect(api.log.length).toBe(4);
    expect(time.t.slept.length).toBe(2);
  });

  test('first contact refused: fails at once, naming the server and context', async () => {
    const api = fakeApi();
    const time = fakeTime();
    const c = new KubeClient(api, {
      namespace: 'ns',
      sleep: time.sleep,
      clock: time.clock,
      endpoint: { server: 'https://127.0.0.1:1', context: 'ci', contacted: false },
    });
    api.failures.push(refused());
    const err = await c.get({ apiVersion: 'v1', kind: 'Service', name: 'web' }).catch((e) => e);
    expect(api.log.length).toBe(1);
    expect(time.t.slept).toEqual([]);
    expect(err.message).toMatch(
      /^Cannot reach the Kubernetes API of context "ci" at https:\/\/127\.0\.0\.1:1: the connection was refused .*Nothing was changed\.$/,
    );
    expect(err.hint).toMatch(/kubectl --context ci cluster-info/);
    expect(err.hint).not.toMatch(/re-run/i);
  });

  test.each([
    ['an HTML 403', { status: 403, body: '<html><body>Forbidden</body></html>', contentType: 'text/html' }],
    [
      'an HTML 200',
      { status: 200, body: '<!doctype html><p>login</p>', contentType: 'text/html; charset=utf-8' },
    ],
    ['an HTML page without a content type', { status: 404, body: '<html>nope</html>' }],
    ['a PNG', { status: 200, body: 'x', contentType: 'image/png' }],
  ])('first contact answered with %s: not the Kubernetes API, never "Permission denied"', async (_n, res) => {
    const { api, c, time } = client();
    api.failures.push(res);
    const err = await c.get({ apiVersion: 'v1', kind: 'Service', name: 'web' }).catch((e) => e);
    expect(err.message).toMatch(
      /^https:\/\/fake answered GET \/api\/v1\/namespaces\/ns\/services\/web with .*not the Kubernetes API/,
    );
    expect(err.message).not.toMatch(/Permission denied/);
    expect(api.log.length).toBe(1);
    expect(time.t.slept).toEqual([]);
  });

  test('an HTML 502 after a first answer (a proxy during a restart) is retried', async () => {
    const { api, c } = client();
    api.objects.set('/api/v1/namespaces/ns/services/web', { metadata: { name: 'web' } });
    await c.get({ apiVersion: 'v1', kind: 'Service', name: 'web' });
    api.failures.push({ status: 502, body: '<html>Bad gateway</html>', contentType: 'text/html' });
    await expect(c.get({ apiVersion: 'v1', kind: 'Service', name: 'web' })).resolves.toBeTruthy();
    expect(api.log.length).toBe(3);
  });

  test('a clone made with withSignal shares the first contact', async () => {
    const { api, c } = client();
    api.objects.set('/api/v1/namespaces/ns/services/web', { metadata: { name: 'web' } });
    await c.get({ apiVersion: 'v1', kind: 'Service', name: 'web' });
    const other = c.withSignal(undefined);
    api.failures.push(refused());
    await expect(other.get({ apiVersion: 'v1', kind: 'Service', name: 'web' })).resolves.toBeTruthy();
  });

  test('does not retry a 404; find returns undefined', async () => {
    const { api, c } = client();
    expect(await c.find({ apiVersion: 'v1', kind: 'Service', name: 'nope' })).toBeUndefined();
    expect(api.log.length).toBe(1);
  });

  test('a 403 becomes an error naming the permission and the Role rule', async () => {
    const { api, c } = client();
    api.failures.push({
      status: 403,
      body: {
        message:
          'services "web" is forbidden: User "u" cannot patch resource "services" in API group "" in the namespace "ns"',
      },
    });
    const err = await c.mergePatch({ apiVersion: 'v1', kind: 'Service', name: 'web' }, {}).catch((e) => e);
    expect(err.message).toMatch(/may not "patch" on services "web" in namespace "ns"/);
    expect(err.hint).toMatch(/resources: \["services"\]\n {2}verbs: \["patch"\]/);
  });

  test('unknown kinds are found through discovery (once)', async () => {
    const { api, c } = client();
    api.objects.set('/apis/example.com/v1', {
      resources: [
        { name: 'widgets', kind: 'Widget', namespaced: true },
        { name: 'widgets/status', kind: 'Widget', namespaced: true },
      ],
    });
    const a = await c.path({ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w' });
    const b = await c.path({ apiVersion: 'example.com/v1', kind: 'Widget', name: 'x' });
    expect(a.path).toBe('/apis/example.com/v1/namespaces/ns/widgets/w');
    expect(b.path).toBe('/apis/example.com/v1/namespaces/ns/widgets/x');
    expect(api.log).toEqual(['GET /apis/example.com/v1']);
    await expect(c.path({ apiVersion: 'example.com/v1', kind: 'Gadget' })).rejects.toThrow(
      /does not serve kind Gadget/,
    );
  });
});

describe('decideLease', () => {
  const now = Date.parse('2024-01-01T00:01:00Z');
  const lease = (holder: string | null, renew: string, dur = 30): Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'hac-x' },
    spec: { holderIdentity: holder, renewTime: renew, leaseDurationSeconds: dur },
  });
  test.each([
    ['no lease', undefined, { action: 'create' }],
    ['released', lease(null, '2024-01-01T00:00:59.000000Z'), { action: 'take', reason: 'released' }],
    ['ours', lease('me', '2024-01-01T00:00:59.000000Z'), { action: 'renew' }],
    [
      'expired',
      lease('other', '2024-01-01T00:00:20.000000Z'),
      { action: 'take', reason: 'expired', previousHolder: 'other' },
    ],
    [
      'held',
      lease('other', '2024-01-01T00:00:50.000000Z'),
      { action: 'wait', holder: 'other', expiresAtMs: Date.parse('2024-01-01T00:01:20Z') },
    ],
  ])('%s', (_n, l, want) => expect(decideLease(l, 'me', now)).toEqual(want));

  test('microTime has microseconds', () =>
    expect(microTime(Date.parse('2024-01-01T00:00:00.123Z'))).toBe('2024-01-01T00:00:00.123000Z'));
});

describe('LeaseLock', () => {
  const held = (api: ReturnType<typeof fakeApi>, holder: string, renewMs: number, dur = 30) =>
    api.objects.set(`${LEASES}/hac-x`, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'hac-x', resourceVersion: '7' },
      spec: { holderIdentity: holder, renewTime: microTime(renewMs), leaseDurationSeconds: dur },
    });

  test('creates a free lease without waiting, then releases it', async () => {
    const { api, c } = client();
    const lock = new LeaseLock(c, { name: 'hac-x', holder: 'run-1', clock: fakeTime().clock });
    expect(await lock.acquire(1000)).toEqual({ waitedMs: 0, contended: false });
    expect(api.objects.get(`${LEASES}/hac-x`).spec.holderIdentity).toBe('run-1');
    await lock.release();
    expect(api.objects.get(`${LEASES}/hac-x`).spec).toMatchObject({
      holderIdentity: '',
      leaseTransitions: 1,
    });
  });

  // Without a lease read earlier, a released lease ("") is taken in one conditional write; anything
  // else makes the test op fail (422) and the lease is read, then decided on as before.
  test.each([
    ['released ("")', '', ['PATCH'], 1],
    ['released as null (an older release)', null, ['PATCH', 'GET', 'PUT'], 2],
    ['absent', undefined, ['PATCH', 'POST'], 0],
    ['already ours (a retried patch had applied)', 'run-1', ['PATCH', 'GET', 'PUT'], 1],
  ])('a lease %s (holder %j): the requests and leaseTransitions', async (_, holder, verbs, transitions) => {
    const time = fakeTime();
    const { api, c } = client(fakeApi(), time);
    if (holder !== undefined) {
      held(api, holder as string, time.t.now);
      api.objects.get(`${LEASES}/hac-x`).spec.leaseTransitions = 1;
    }
    const lock = new LeaseLock(c, { name: 'hac-x', holder: 'run-1', clock: time.clock, sleep: time.sleep });
    expect(await lock.acquire(1000)).toEqual({ waitedMs: 0, contended: false });
    expect(api.log.map((l) => l.split(' ')[0])).toEqual(verbs);
    const spec = api.objects.get(`${LEASES}/hac-x`).spec;
    expect(spec).toMatchObject({ holderIdentity: 'run-1', leaseTransitions: transitions });
    expect(spec.acquireTime).toBe(microTime(time.t.now));
    expect(lock.held).toBe(true);
  });

  test('a Role without patch on leases: the 403 falls back to the read and the update', async () => {
    const time = fakeTime();
    const { api, c } = client(fakeApi(), time);
    held(api, '', time.t.now);
    api.failures.push({ status: 403, body: { code: 403, reason: 'Forbidden', message: 'cannot patch' } });
    const lock = new LeaseLock(c, { name: 'hac-x', holder: 'run-1', clock: time.clock, sleep: time.sleep });
    expect(await lock.acquire(1000)).toEqual({ waitedMs: 0, contended: false });
    expect(api.log.map((l) => l.split(' ')[0])).toEqual(['PATCH', 'GET', 'PUT']);
    expect(api.objects.get(`${LEASES}/hac-x`).spec.holderIdentity).toBe('run-1');
  });

  test('takeFreeOps tests for the released holder, then writes every field it owns', () => {
    expect(takeFreeOps('run-1', 60, Date.parse('2024-01-01T00:00:00Z'))).toEqual([
      { op: 'test', path: '/spec/holderIdentity', value: '' },
      { op: 'add', path: '/spec/holderIdentity', value: 'run-1' },
      { op: 'add', path: '/spec/leaseDurationSeconds', value: 60 },
      { op: 'add', path: '/spec/acquireTime', value: '2024-01-01T00:00:00.000000Z' },
      { op: 'add', path: '/spec/renewTime', value: '2024-01-01T00:00:00.000000Z' },
    ]);
  });

  test('waits for another holder, then takes the lease over when it expires', async () => {
    const time = fakeTime();
    const { api, c } = client(fakeApi(), time);
    held(api, 'run-0', time.t.now, 10);
    const waits: string[] = [];
    const takeovers: string[] = [];
    const lock = new LeaseLock(c, {
      name: 'hac-x',
      holder: 'run-1',
      clock: time.clock,
      sleep: time.sleep,
      pollMs: 2000,
      onWait: (h) => waits.push(h),
      onTakeover: (h) => takeovers.push(h),
    });
    const r = await lock.acquire(60_000);
    expect(r.contended).toBe(true);
    expect(r.waitedMs).toBe(10_000);
    expect(waits.length).toBe(5);
    expect(takeovers).toEqual(['run-0']);
    const l = api.objects.get(`${LEASES}/hac-x`);
    expect(l.spec.holderIdentity).toBe('run-1');
    expect(l.spec.leaseTransitions).toBe(1);
  });

  test('gives up after the wait timeout with a clear error', async () => {
    const time = fakeTime();
    const { api, c } = client(fakeApi(), time);
    held(api, 'run-0', time.t.now, 600);
    const lock = new LeaseLock(c, { name: 'hac-x', holder: 'run-1', clock: time.clock, sleep: time.sleep });
    const err = await lock.acquire(5000).catch((e) => e);
    expect(err).toBeInstanceOf(LeaseBusyError);
    expect(err.message).toMatch(/Another run \(run-0\) holds Lease hac-x; waited 5s/);
    expect(api.objects.get(`${LEASES}/hac-x`).spec.holderIdentity).toBe('run-0');
  });

  test('a stale known lease (conflict) counts as contended and is re-read', async () => {
    const time = fakeTime();
    const { api, c } = client(fakeApi(), time);
    held(api, '', time.t.now);
    const stale = {
      ...api.objects.get(`${LEASES}/hac-x`),
      metadata: { name: 'hac-x', resourceVersion: '3' },
    };
    const lock = new LeaseLock(c, { name: 'hac-x', holder: 'run-1', clock: time.clock, sleep: time.sleep });
    const r = await lock.acquire(1000, stale);
    expect(r.contended).toBe(true);
    expect(api.objects.get(`${LEASES}/hac-x`).spec.holderIdentity).toBe('run-1');
  });
});
