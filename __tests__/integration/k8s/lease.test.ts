// The Lease lock against the sandbox's apiserver: a released Lease is taken in one conditional
// write (a JSON patch whose test op needs holderIdentity ""), and every other state falls back to
// a read, checked with kubectl. The apiserver, not a fake, decides what a failed test op returns.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { KubeClient } from '../../../packages/k8s/client.js';
import { openAccess } from '../../../packages/k8s/kubeconfig.js';
import { LeaseBusyError, LeaseLock, microTime } from '../../../packages/k8s/lease.js';
import { countingTransport } from '../../../packages/k8s/transport.js';
import { createNamespace, deleteNamespace, k8sSandbox, kubectlApply, kubectlGet } from '../../support/k8s.js';
import type { SandboxEnv } from '../../support/sandbox.js';

let sb: SandboxEnv;
let ns: string;

beforeAll(() => {
  sb = k8sSandbox();
  ns = createNamespace(sb, 'hac-lease');
});
afterAll(() => deleteNamespace(sb, ns));

async function lockFor(name: string, holder: string) {
  const access = await openAccess({ kubeconfigPath: sb.kubeconfig, env: {} });
  const transport = countingTransport(access.transport);
  const client = new KubeClient(transport, { namespace: ns });
  return { transport, lock: new LeaseLock(client, { name, holder, durationS: 30, pollMs: 200 }) };
}

/** A Lease as kubectl writes it: `holder` (omitted: the field is absent), renewed now. */
function leaseYaml(name: string, holder: string | undefined, transitions: number): string {
  const spec = [
    holder === undefined ? '' : `  holderIdentity: ${JSON.stringify(holder)}`,
    '  leaseDurationSeconds: 30',
    `  renewTime: ${JSON.stringify(microTime(Date.now()))}`,
    `  leaseTransitions: ${transitions}`,
  ].filter(Boolean);
  return [
    'apiVersion: coordination.k8s.io/v1',
    'kind: Lease',
    `metadata: {name: ${name}}`,
    'spec:',
    ...spec,
  ].join('\n');
}

const verbs = (log: string[]) => log.map((l) => l.split(' ')[0]);

describe('LeaseLock on the apiserver', () => {
  test.each([
    ['released ("")', '', ['PATCH'], 3],
    ['released as absent (an older release wrote null)', undefined, ['PATCH', 'GET', 'PUT'], 4],
    ['missing', 'none', ['PATCH', 'POST'], 0],
  ])('a lease %s: taken with %j, leaseTransitions then %d', async (_, holder, expected, transitions) => {
    const name = `l-${expected.length}-${transitions}`;
    if (holder !== 'none') kubectlApply(sb, ns, leaseYaml(name, holder, 3));
    const { lock, transport } = await lockFor(name, 'run-a');
    expect(await lock.acquire(5000)).toEqual({ waitedMs: expect.any(Number), contended: false });
    expect(verbs(transport.log)).toEqual(expected);
    const seen = kubectlGet(sb, ns, `lease ${name}`);
    expect(seen.spec).toMatchObject({
      holderIdentity: 'run-a',
      leaseDurationSeconds: 30,
      leaseTransitions: transitions,
    });
    expect(Date.parse(seen.spec.acquireTime)).toBeGreaterThan(Date.now() - 60_000);
    await lock.release();
    // released: "" (kept by the apiserver, so the next take is one write) and one more transition
    expect(kubectlGet(sb, ns, `lease ${name}`).spec).toMatchObject({
      holderIdentity: '',
      leaseTransitions: transitions + 1,
    });
  });

  test('a held lease fails the test op (422), is read, waited for and then reported busy', async () => {
    kubectlApply(sb, ns, leaseYaml('held', 'run-other', 2));
    const { lock, transport } = await lockFor('held', 'run-b');
    const err = await lock.acquire(600).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeaseBusyError);
    expect((err as Error).message).toMatch(/Another run \(run-other\) holds Lease held/);
    expect(verbs(transport.log).slice(0, 2)).toEqual(['PATCH', 'GET']);
    expect(kubectlGet(sb, ns, 'lease held').spec).toMatchObject({
      holderIdentity: 'run-other',
      leaseTransitions: 2,
    });
  });

  test('two runs race for one released lease: exactly one takes it in one write', async () => {
    kubectlApply(sb, ns, leaseYaml('race', '', 0));
    const [a, b] = await Promise.all([lockFor('race', 'run-1'), lockFor('race', 'run-2')]);
    const results = await Promise.allSettled([a.lock.acquire(300), b.lock.acquire(300)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const winner = results[0].status === 'fulfilled' ? 'run-1' : 'run-2';
    expect(kubectlGet(sb, ns, 'lease race').spec).toMatchObject({
      holderIdentity: winner,
      leaseTransitions: 0,
    });
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason).toBeInstanceOf(LeaseBusyError);
  });
});
