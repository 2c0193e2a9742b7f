// Fault injection at every EC2 call a swap makes, through the proxy in front of moto.
// For each call: RequestLimitExceeded once (retried, the swap succeeds); a 500 or a dropped
// connection on every attempt of that call (a clear error naming the call, the EIP left on or put
// back on the previous instance); a response lost after EC2 acted (retried without harm).
// After main, the post step runs as the runner would; then the independent client checks: where the
// EIP points, no lock left, zero leaked instances.
// The SDK retries at once (support/fast-retry.ts), except in the cases of REAL_BACKOFF, which keep
// hac's adaptive retry with the SDK's own backoff.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { FaultKind } from '../../support/fault-proxy.js';
import { backoff, zeroDelayRetries } from '../../support/fast-retry.js';
import type { Fixture } from './swap-eip.fixture.js';

await zeroDelayRetries();
const { inventory, ownershipViolations } = await import('../../support/ownership.js');
const { forgetEndpoints } = await import('../../../packages/aws/endpoint.js');
const {
  allocate,
  fixture,
  instanceInputs,
  launch,
  launchTemplate,
  leakedInstances,
  runMain,
  runPost,
  stateOf,
  whereIs,
} = await import('./swap-eip.fixture.js');

/** The EC2 calls of a clean swap, in order (the first test checks this is still what the engine does). */
const INSTANCE_CALLS = [
  'DescribeAddresses',
  'DescribeInstances',
  'DescribeAddresses',
  'CreateTags',
  'DescribeAddresses',
  'DescribeAddresses',
  'AssociateAddress',
  'DescribeAddresses',
  'StopInstances',
  'DeleteTags',
];
const LAUNCH_CALLS = [
  'DescribeAddresses',
  'DescribeLaunchTemplates',
  'DescribeAddresses',
  'CreateTags',
  'DescribeAddresses',
  'RunInstances',
  'DescribeInstances',
  'DescribeInstanceStatus',
  'DescribeAddresses',
  'AssociateAddress',
  'DescribeAddresses',
  'StopInstances',
  'DescribeInstances',
  'DeleteTags',
];
const ATTEMPTS = 3;
/** Cases run with the client's real retry strategy and backoff: one transient, one persistent fault. */
const REAL_BACKOFF = new Set([
  'instance #1 DescribeAddresses: throttle',
  'instance #7 AssociateAddress: 500',
]);

/** [label, action, occurrence] for every call in a sequence. */
function steps(calls: string[]): [string, string, number][] {
  const seen: Record<string, number> = {};
  return calls.map((a, i) => {
    seen[a] = (seen[a] ?? 0) + 1;
    return [`#${i + 1} ${a}${seen[a]! > 1 ? ` (${seen[a]})` : ''}`, a, seen[a]!];
  });
}

/** Calls whose failure does not undo the release: retiring the old instance, the stray sweep, the unlock. */
const AFTER_RELEASE = (mode: string, index: number) => (mode === 'instance' ? index >= 8 : index >= 11);
/** Calls made inside SDK waiters, which retry failed polls on their own schedule. */
const IN_WAITER = (mode: string, index: number) => mode === 'launch' && (index === 6 || index === 7);

let f: Fixture;
beforeAll(async () => {
  // An account of its own: a swap per fault and call, each checked against an inventory.
  f = await fixture({ ownAccount: true });
  f.health.onRequest = (p) => void f.health.healthy.add(p.split('/')[2]?.split('?')[0] ?? '');
});
afterAll(async () => {
  await f.close();
});

async function setup(mode: 'instance' | 'launch') {
  const oldI = await launch(f);
  const eip = await allocate(f, oldI);
  const inputs =
    mode === 'instance'
      ? instanceInputs(f, await launch(f), eip.allocationId, { 'max-attempts': String(ATTEMPTS) })
      : {
          ...instanceInputs(f, '', eip.allocationId, { 'max-attempts': String(ATTEMPTS) }),
          'launch-template': await launchTemplate(f),
        };
  return { oldI, eip, inputs };
}

describe.each([
  ['instance', INSTANCE_CALLS],
  ['launch', LAUNCH_CALLS],
] as const)('%s mode', (mode, calls) => {
  test('a clean swap makes exactly these calls', async () => {
    const { eip, inputs } = await setup(mode);
    f.sb.proxy.clearFaults();
    f.sb.proxy.clearLog();
    const r = await runMain(f, inputs);
    expect(r.error).toBeUndefined();
    expect(f.sb.proxy.actions()).toEqual(calls);
    expect((await whereIs(f, eip.allocationId)).instanceId).toBe(r.outputs['new-instance-id']);
  });

  const cases = steps(calls).flatMap(([label, action, occurrence], index) =>
    (['throttle', '500', 'drop', 'drop-after'] as FaultKind[]).map((kind) => {
      const real = REAL_BACKOFF.has(`${mode} ${label}: ${kind}`);
      return [
        `${label}: ${kind}${real ? ' (real SDK backoff)' : ''}`,
        action,
        occurrence,
        index,
        kind,
        real,
      ] as const;
    }),
  );

  test.each(cases)('%s', async (_, action, occurrence, index, kind, real) => {
    backoff.real = real;
    try {
      await faultCase(mode, action, occurrence, index, kind);
    } finally {
      backoff.real = false;
    }
  });
});

async function faultCase(
  mode: 'instance' | 'launch',
  action: string,
  occurrence: number,
  index: number,
  kind: FaultKind,
) {
  const zeroDelayBefore = backoff.zeroDelayClients;
  const { oldI, eip, inputs } = await setup(mode);
  const before = await inventory([f.ec2], ['instances']);
  f.sb.proxy.clearFaults();
  f.sb.proxy.clearLog();
  const persistent = kind === '500' || kind === 'drop';
  f.sb.proxy.fail({ action, kind, occurrence, times: persistent ? ATTEMPTS : 1 });
  // Each run is a new step: its first request is first contact (no retry unless EC2 answered).
  forgetEndpoints();
  const r = await runMain(f, inputs);
  expect(f.sb.proxy.requests.some((q) => q.fault === kind && q.action === action)).toBe(true);

  const tolerated = !persistent || AFTER_RELEASE(mode, index) || IN_WAITER(mode, index);
  if (tolerated) {
    expect(r.error).toBeUndefined();
    expect(r.report?.result).toBe('swapped');
  } else {
    // one clear error that names the call and says what to do next; the EIP is where it was
    expect(r.error?.message).toContain(action);
    expect(r.error?.message).toMatch(
      kind === '500' ? /InternalError/ : /socket hang up|ECONNRESET|EPIPE|aborted/i,
    );
    // Dropped connections and EC2's own 500s are retried, even on the first request.
    expect(r.error?.message).toContain(`after ${ATTEMPTS} attempts`);
    expect(r.error?.hint).toBeTruthy();
    expect(r.outputs.result).toMatch(/failed|rolled-back/);
  }
  if (persistent && action === 'StopInstances') {
    expect(r.warnings.join('\n')).toMatch(/was not stopped/);
    expect(await stateOf(f, oldI)).toBe('running');
  }

  // the runner's post step, with the network healthy again
  f.sb.proxy.clearFaults();
  const post = await runPost(f, r.state);
  expect(post.report.failed).toEqual([]);

  const where = await whereIs(f, eip.allocationId);
  expect(where.lock).toBeUndefined();
  if (tolerated) {
    expect(where.instanceId).toBe(r.outputs['new-instance-id']);
    expect(await leakedInstances(f, r.runId, [r.outputs['new-instance-id']!])).toEqual([]);
  } else {
    expect(where.instanceId).toBe(oldI);
    expect(await leakedInstances(f, r.runId)).toEqual([]);
  }
  // Never touch what is not ours: only this run's instances, or the previous one once released.
  expect(ownershipViolations(before, f.sb.proxy.requests, undefined, tolerated ? [oldI] : [])).toEqual([]);
  if (mode === 'instance') expect(await stateOf(f, inputs['instance-id']!)).toBe('running');
  // the retry seam took effect, or was left out on purpose
  expect(backoff.zeroDelayClients > zeroDelayBefore).toBe(!backoff.real);
}

describe('faults during the rollback itself', () => {
  test('the EIP cannot be moved back: main reports it, the post step moves it back', async () => {
    const { oldI, eip, inputs } = await setup('instance');
    f.health.postHealthy = false;
    f.sb.proxy.clearFaults();
    // the 2nd AssociateAddress is the restore; it fails on every attempt
    f.sb.proxy.fail({ action: 'AssociateAddress', kind: '500', occurrence: 2, times: Infinity });
    try {
      const r = await runMain(f, inputs);
      expect(r.error?.message).toMatch(/post-swap health gate .* NOT cleaned up: move .* back to i-/s);
      expect(r.error?.hint).toMatch(/post step retries the cleanup/);
      expect(r.state.dump()['swap-eip']).toMatchObject({ phase: 'associated' });
      expect((await whereIs(f, eip.allocationId)).instanceId).toBe(inputs['instance-id']);
      f.sb.proxy.clearFaults();
      const post = await runPost(f, r.state);
      expect(post.report.done.join('\n')).toMatch(/moved back to i-/);
      expect(await whereIs(f, eip.allocationId)).toMatchObject({ instanceId: oldI, lock: undefined });
    } finally {
      f.health.postHealthy = true;
      f.sb.proxy.clearFaults();
    }
  });

  test('the launched instance cannot be terminated: the post step terminates it', async () => {
    const { oldI, eip, inputs } = await setup('launch');
    f.health.onRequest = undefined;
    f.health.healthy.clear();
    f.sb.proxy.clearFaults();
    f.sb.proxy.fail({ action: 'TerminateInstances', kind: 'drop', times: Infinity });
    try {
      const r = await runMain(f, inputs);
      expect(r.error?.message).toMatch(
        /pre-swap health gate failed.*NOT cleaned up: terminate the instances tagged hac:run-id=/s,
      );
      expect(await leakedInstances(f, r.runId)).toHaveLength(1);
      f.sb.proxy.clearFaults();
      const post = await runPost(f, r.state);
      expect(post.report.done.join('\n')).toMatch(/terminated i-/);
      expect(await leakedInstances(f, r.runId)).toEqual([]);
      expect(await whereIs(f, eip.allocationId)).toMatchObject({ instanceId: oldI, lock: undefined });
    } finally {
      f.health.onRequest = (p) => void f.health.healthy.add(p.split('/')[2]?.split('?')[0] ?? '');
      f.sb.proxy.clearFaults();
    }
  });
});
