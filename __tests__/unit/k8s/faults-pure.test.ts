// The pure parts of the Kubernetes path's fault handling: failure classes, non-Kubernetes answers,
// the no-kubeconfig error, strategy handover, deadlines for request-timeout, progress lines (with
// a fake clock and ticker) and the post step's "anything to do?" rule.
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { ApiError } from '../../../packages/k8s/errors.js';
import { KubeClient } from '../../../packages/k8s/client.js';
import { preflightError } from '../../../packages/k8s/preflight.js';
import { unreachableError, foreignAnswer, networkFailure } from '../../../packages/k8s/contact.js';
import { deadlinesFor } from '../../../packages/k8s/deadlines.js';
import { foundStrategy, handoverError } from '../../../packages/k8s/handover.js';
import { missingKubeconfig } from '../../../packages/k8s/kubeconfig.js';
import { postHasWork } from '../../../packages/k8s/bluegreen/post.js';
import { progressLine, startProgress, type Ticker } from '../../../packages/k8s/progress.js';
import { waitForRollout } from '../../../packages/k8s/rollout.js';
import { fakeApi } from '../../support/k8s-fake.js';

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('networkFailure', () => {
  test.each([
    ['refused', coded('ECONNREFUSED'), 'refused'],
    [
      'refused inside fetch failed',
      Object.assign(new Error('fetch failed'), { cause: coded('ECONNREFUSED') }),
      'refused',
    ],
    ['dns', coded('ENOTFOUND'), 'dns'],
    ['self-signed', coded('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls'],
    ['unknown CA', coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls'],
    ['wrong name', coded('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls'],
    ['plain HTTP on a TLS port', coded('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls'],
    ['our connect deadline', coded('HAC_CONNECT_TIMEOUT'), 'connect-timeout'],
    ["undici's connect timeout", coded('UND_ERR_CONNECT_TIMEOUT'), 'connect-timeout'],
    ['our response deadline', coded('HAC_RESPONSE_TIMEOUT'), 'response-timeout'],
    ['watch idle', coded('HAC_WATCH_IDLE_TIMEOUT'), 'watch-idle'],
    ['reset', coded('ECONNRESET'), 'reset'],
    ['socket hang up', new Error('socket hang up'), 'reset'],
    ['not a network error', new Error('boom'), undefined],
  ])('%s', (_n, err, want) => expect(networkFailure(err)).toBe(want));
});

describe('foreignAnswer', () => {
  test.each([
    ['JSON', { status: 200, body: {}, contentType: 'application/json' }, undefined],
    [
      'a 404 in text/plain',
      { status: 404, body: '404 page not found', contentType: 'text/plain; charset=utf-8' },
      undefined,
    ],
    ['no content type, JSON body', { status: 200, body: { kind: 'Status' } }, undefined],
    [
      'HTML',
      { status: 403, body: '<html></html>', contentType: 'text/html' },
      'an HTML page (HTTP 403, text/html)',
    ],
    ['HTML without a type', { status: 200, body: '<!DOCTYPE html><p>' }, 'an HTML page (HTTP 200)'],
    [
      'an image',
      { status: 200, body: 'x', contentType: 'image/png' },
      'content of type image/png (HTTP 200)',
    ],
  ])('%s', (_n, res, want) => expect(foreignAnswer(res)).toBe(want));
});

describe('missingKubeconfig', () => {
  const none = () => false;
  test('nothing anywhere: one error saying what was looked for and how to provide it', () => {
    const err = missingKubeconfig({}, {}, '/home/x', none);
    expect(err?.message).toBe(
      `No kubeconfig: the kubeconfig input is empty, KUBECONFIG is not set and ${path.join('/home/x', '.kube', 'config')} does not exist, and this is not a pod with a ServiceAccount. Nothing was changed.`,
    );
    expect(err?.hint).toMatch(/azure\/k8s-set-context/);
    expect(err?.hint).toMatch(/aws eks update-kubeconfig/);
    expect(err?.hint).toMatch(/kubeconfig input/);
  });
  test('KUBECONFIG naming a missing file is named', () => {
    expect(missingKubeconfig({}, { KUBECONFIG: '/nope/config' }, '/home/x', none)?.message).toMatch(
      /KUBECONFIG names "\/nope\/config", which does not exist/,
    );
  });
  test.each([
    ['an explicit file', { kubeconfigPath: '/k' }, {}, none],
    ['~/.kube/config exists', {}, {}, (f: string) => f === path.join('/home/x', '.kube', 'config')],
    ['in a pod', {}, { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, () => true],
  ])('no error with %s', (_n, opts, env, exists) => {
    expect(missingKubeconfig(opts, env, '/home/x', exists)).toBeUndefined();
  });
});

describe('strategy handover', () => {
  const svc = (strategy?: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', annotations: strategy ? { 'hac.dev/strategy': strategy } : {} },
  });
  const stable = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', annotations: { 'hac.dev/canary': '{}' } },
  } as any;

  test.each([
    [
      'canary on a blue-green Service',
      'canary',
      { live: svc('bluegreen') },
      /k8s-bluegreen \(strategy bluegreen: Service web is annotated hac.dev\/strategy: bluegreen\)/,
    ],
    [
      'blue-green on a canary record',
      'bluegreen',
      { stable },
      /k8s-canary \(strategy canary: Deployment web carries a k8s-canary record/,
    ],
    ['blue-green on a canary state', 'bluegreen', { recorded: 'canary' }, /managed by k8s-canary/],
  ] as const)('%s fails, naming the strategy and how to migrate', (_n, want, marks, re) => {
    const err = handoverError('web', want, marks as any);
    expect(err?.message).toMatch(re);
    expect(err?.message).toMatch(/Nothing was changed\.$/);
    expect(err?.hint).toMatch(/hand it over once/);
  });
  test.each([
    ['a plain Service', 'bluegreen', { live: svc() }],
    ['its own Service', 'bluegreen', { live: svc('bluegreen'), recorded: 'bluegreen' }],
    ['nothing yet', 'canary', {}],
  ] as const)('%s: no error', (_n, want, marks) => {
    expect(handoverError('web', want, marks as any)).toBeUndefined();
    if (Object.keys(marks).length === 0) expect(foundStrategy(marks as any)).toBeUndefined();
  });
});

describe('deadlines for request-timeout', () => {
  test.each([
    [undefined, { connectMs: 10_000, responseMs: 30_000, watchIdleMs: 90_000 }],
    [2_000, { connectMs: 2_000, responseMs: 2_000, watchIdleMs: 90_000 }],
    [120_000, { connectMs: 10_000, responseMs: 120_000, watchIdleMs: 120_000 }],
  ])('%s', (ms, want) => expect(deadlinesFor(ms)).toEqual(want));
});

describe('progress on long waits', () => {
  test.each([
    [30_000, 600_000, 'web: 1 of 4 ready (30s elapsed, 9m30s left)'],
    [650_000, 600_000, 'web: 1 of 4 ready (10m50s elapsed, 0s left)'],
  ])('line at %sms of %sms', (elapsed, total, want) =>
    expect(progressLine('web', '1 of 4 ready', elapsed, total)).toBe(want),
  );

  function fakeTicker() {
    const t = { fn: undefined as undefined | (() => void), every: 0, stopped: false };
    const ticker: Ticker = (fn, ms) => {
      t.fn = fn;
      t.every = ms;
      return () => void (t.stopped = true);
    };
    return { t, ticker };
  }

  test('startProgress: one line per tick, from the fake clock', () => {
    let now = 1000;
    const { t, ticker } = fakeTicker();
    const lines: string[] = [];
    const stop = startProgress({
      what: 'w',
      totalMs: 60_000,
      state: () => 'st',
      log: (l) => lines.push(l),
      clock: () => now,
      ticker,
    });
    expect(t.every).toBe(30_000);
    now += 30_000;
    t.fn?.();
    now += 30_000;
    t.fn?.();
    stop();
    expect(lines).toEqual(['w: st (30s elapsed, 30s left)', 'w: st (1m elapsed, 0s left)']);
    expect(t.stopped).toBe(true);
  });

  test('waitForRollout logs the rollout state every tick and stops when done', async () => {
    let now = 0;
    const { t, ticker } = fakeTicker();
    const api = fakeApi();
    const lines: string[] = [];
    const status = (ready: number) => ({
      metadata: { name: 'web', generation: 1, resourceVersion: String(ready) },
      spec: { replicas: 4 },
      status: {
        observedGeneration: 1,
        replicas: 4,
        updatedReplicas: 4,
        readyReplicas: ready,
        availableReplicas: ready,
      },
    });
    api.stream = async (_req, onLine) => {
      onLine({ type: 'ADDED', object: status(1) });
      now += 30_000;
      t.fn?.();
      onLine({ type: 'MODIFIED', object: status(4) });
      return { status: 200, body: undefined };
    };
    const c = new KubeClient(api, { namespace: 'ns' });
    const s = await waitForRollout(c, 'web', {
      timeoutMs: 600_000,
      log: (l) => lines.push(l),
      clock: () => now,
      ticker,
    });
    expect(s.done).toBe(true);
    expect(lines).toEqual([
      'rollout of Deployment web: 1 of 4 updated replicas available (30s elapsed, 9m30s left)',
    ]);
    expect(t.stopped).toBe(true);
  });
});

describe('post step: anything to do?', () => {
  const base = { v: 1 as const, namespace: 'ns', app: 'web', runId: 'r' };
  test.each([
    ['no state', undefined, false],
    ['main wrote nothing', { ...base, stage: 'started' as const }, false],
    ['main finished and released the Lease', { ...base, stage: 'done' as const }, false],
    ['main may hold the Lease', { ...base, stage: 'started' as const, lease: 'hac-web' }, true],
    ['main was deploying', { ...base, stage: 'deploying' as const, plan: {} as any }, true],
  ])('%s', (_n, p, want) => expect(postHasWork(p)).toBe(want));
});

describe('hints match the kind of error', () => {
  const w = { op: 'delete' as const, ref: { apiVersion: 'v1', kind: 'Service', name: 'web' } };
  const api = (status: number, reason: string, message: string) =>
    new ApiError(status, 'DELETE', '/api/v1/namespaces/ns/services/web', {
      status: 'Failure',
      reason,
      message,
      code: status,
    });
  test.each([
    ['403', api(403, 'Forbidden', 'forbidden'), false],
    ['404', api(404, 'NotFound', 'services "web" not found'), false],
    ['409', api(409, 'Conflict', 'conflict'), false],
    ['422', api(422, 'Invalid', 'invalid'), false],
    ['400', api(400, 'BadRequest', 'bad'), false],
    ['500', api(500, 'InternalError', 'etcd down'), true],
    ['429', api(429, 'TooManyRequests', 'slow down'), true],
  ])('preflight %s: re-run only when transient', (_n, err, rerun) => {
    const hint = (preflightError(w, err, 'ns') as { hint?: string }).hint ?? '';
    expect(/re-run/i.test(hint)).toBe(rerun);
  });
  test.each([
    ['refused', 'ECONNREFUSED'],
    ['tls', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['response deadline', 'HAC_RESPONSE_TIMEOUT'],
  ])('unreachable (%s): the hint says what to check, never re-run', (_n, code) => {
    const err = coded(code);
    const e = unreachableError(
      { server: 'https://k', context: 'c', contacted: false },
      err,
      networkFailure(err)!,
      {
        what: 'GET /x',
        attempts: 1,
        elapsedMs: 0,
      },
    );
    expect(e.hint).not.toMatch(/re-run/i);
    expect(e.message).toMatch(/^Cannot reach the Kubernetes API of context "c" at https:\/\/k: /);
  });
});
