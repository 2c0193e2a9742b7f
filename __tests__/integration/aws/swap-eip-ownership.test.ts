// swap-eip never touches what is not its own. In instance mode the new instance is the user's: no
// failing gate, fault, cancellation or post step may stop or terminate it. Every destructive call
// the action sends (seen in the fault proxy's log) is checked with an independent EC2 client against
// the rule: it targets an instance tagged with this run's id, or the previous instance that the user
// named for retirement (`old-instance`) once the release was verified.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { runGate } from '@hac/probe';
import {
  allocate,
  fixture,
  instanceInputs,
  launch,
  launchTemplate,
  runMain,
  runPost,
  stateOf,
  whereIs,
  type Fixture,
  type RunOutcome,
} from './swap-eip.fixture.js';

/** Calls that stop, remove or move something. */
const DESTRUCTIVE = new Set(['TerminateInstances', 'StopInstances', 'DisassociateAddress', 'ReleaseAddress']);

let f: Fixture;
beforeAll(async () => {
  f = await fixture();
});
afterAll(async () => {
  await f.close();
});

const cancelled = () =>
  new (class extends Error {
    override name = 'CancelledError';
  })('Cancelled: received SIGTERM');

/** The instance ids a logged EC2 call names (`InstanceId.1`, `InstanceId.2`, ...). */
const instanceIdsOf = (params: Record<string, string>) =>
  Object.entries(params)
    .filter(([k]) => /^InstanceId\.\d+$/.test(k))
    .map(([, v]) => v);

/** The tags of an instance, as the independent client sees them. */
async function tagsOf(id: string): Promise<Record<string, string>> {
  const out = await f.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  const tags = out.Reservations?.[0]?.Instances?.[0]?.Tags ?? [];
  return Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value ?? '']));
}

/**
 * Every destructive call since the log was cleared, checked against the ownership rule. `retire` is
 * the previous instance when the user asked to stop or terminate it and the release succeeded.
 */
async function ownershipViolations(runId: string, allocationId: string, retire?: string): Promise<string[]> {
  const bad: string[] = [];
  for (const q of f.sb.proxy.requests.filter((r) => DESTRUCTIVE.has(r.action) && !r.fault)) {
    if (q.action === 'DisassociateAddress' || q.action === 'ReleaseAddress') {
      const target = q.params.AllocationId ?? q.params.AssociationId ?? '';
      if (q.action === 'ReleaseAddress' || (q.params.AllocationId && target !== allocationId))
        bad.push(`${q.action} ${target}`);
      continue;
    }
    for (const id of instanceIdsOf(q.params)) {
      if (q.action === 'StopInstances' || q.action === 'TerminateInstances') {
        if (id === retire) continue;
        if ((await tagsOf(id))['hac:run-id'] !== runId) bad.push(`${q.action} ${id}`);
      }
    }
  }
  return bad;
}

async function setup(extra: Record<string, string> = {}) {
  const [oldI, userI] = [await launch(f), await launch(f)];
  const eip = await allocate(f, oldI);
  f.sb.proxy.clearFaults();
  f.sb.proxy.clearLog();
  return { oldI, userI, eip, inputs: instanceInputs(f, userI, eip.allocationId, extra) };
}

/** After a failed instance-mode run: both instances run, the EIP is back, no lock, no violation. */
async function expectUntouched(r: RunOutcome, s: Awaited<ReturnType<typeof setup>>) {
  expect(await stateOf(f, s.userI)).toBe('running');
  expect(await stateOf(f, s.oldI)).toBe('running');
  expect(await whereIs(f, s.eip.allocationId)).toMatchObject({ instanceId: s.oldI, lock: undefined });
  expect(await ownershipViolations(r.runId, s.eip.allocationId)).toEqual([]);
  expect(r.error?.message ?? '').not.toMatch(/terminated i-/);
  expect(r.report?.cleanup.join('\n') ?? '').not.toMatch(/terminated/);
}

describe('instance mode: the user’s instance survives every failure', () => {
  afterEach(() => {
    f.health.onRequest = undefined;
    f.health.postHealthy = true;
    f.sb.proxy.clearFaults();
  });

  test('post-swap gate fails: the EIP moves back and the user’s instance keeps running', async () => {
    const s = await setup();
    f.health.healthy.add(s.userI);
    f.health.postHealthy = false;
    const r = await runMain(f, s.inputs);
    expect(r.error?.message).toMatch(/post-swap health gate .*Rolled back: .* moved back to i-/s);
    expect(r.outputs.result).toBe('rolled-back');
    await expectUntouched(r, s);
    // the post step has nothing left to do, and does not touch the instance either
    const post = await runPost(f, r.state);
    expect(post.report.done.join('\n')).not.toMatch(/terminated/);
    await expectUntouched(r, s);
  });

  test('pre-swap gate fails: nothing but the lock is written', async () => {
    const s = await setup();
    const r = await runMain(f, s.inputs);
    expect(r.error?.message).toMatch(/pre-swap health gate failed/);
    await expectUntouched(r, s);
  });

  test.each([
    ['500 on every attempt', '500'],
    ['a dropped connection on every attempt', 'drop'],
  ] as const)('AssociateAddress fails with %s: the user’s instance keeps running', async (_, kind) => {
    const s = await setup({ 'max-attempts': '2' });
    f.health.healthy.add(s.userI);
    f.sb.proxy.fail({ action: 'AssociateAddress', kind, occurrence: 1, times: 2 });
    const r = await runMain(f, s.inputs);
    expect(r.error?.message).toContain('AssociateAddress');
    await expectUntouched(r, s);
    f.sb.proxy.clearFaults();
    await runPost(f, r.state);
    await expectUntouched(r, s);
  });

  test('the swap’s answer is lost after EC2 acted, then the post-swap gate fails', async () => {
    const s = await setup();
    f.health.healthy.add(s.userI);
    f.health.postHealthy = false;
    f.sb.proxy.fail({ action: 'AssociateAddress', kind: 'drop-after', occurrence: 1, times: 1 });
    const r = await runMain(f, s.inputs);
    expect(r.outputs.result).toBe('rolled-back');
    await expectUntouched(r, s);
  });

  test('the post-swap gate times out: rolled back, the user’s instance keeps running', async () => {
    const s = await setup({ 'post-swap-wait': '1s', 'health-interval': '200ms' });
    f.health.healthy.add(s.userI);
    f.health.postHealthy = false;
    const r = await runMain(f, s.inputs);
    expect(r.error?.message).toMatch(/post-swap health gate/);
    await expectUntouched(r, s);
  });

  test.each([
    ['the pre-swap gate', '/pre/'],
    ['the post-swap gate', '/post/'],
  ])('cancelled during %s: rolled back, the user’s instance keeps running', async (_, at) => {
    const s = await setup({ 'post-swap-wait': '10m', 'health-wait': '10m' });
    f.health.postHealthy = false;
    const ac = new AbortController();
    f.health.onRequest = (p) => {
      if (p.startsWith('/pre/') && at === '/post/') f.health.healthy.add(s.userI);
      if (p.startsWith(at)) ac.abort(cancelled());
    };
    const r = await runMain(f, s.inputs, { signal: ac.signal });
    expect(r.error?.message).toMatch(/Cancelled: received SIGTERM/);
    await expectUntouched(r, s);
    const post = await runPost(f, r.state);
    expect(post.report.failed).toEqual([]);
    await expectUntouched(r, s);
  });

  test.each(['locked', 'associating', 'associated'] as const)(
    'main killed at phase %s: the post step restores the EIP and never touches the user’s instance',
    async (phase) => {
      const s = await setup();
      f.health.healthy.add(s.userI);
      let reached!: () => void;
      const stuck = new Promise<void>((r) => (reached = r));
      const st = memoryState();
      // A gate that never returns at the chosen point: main is stuck, as if the runner killed it.
      const gate = async (spec: { checks: { url: string }[] }) => {
        const post = spec.checks[0]!.url.includes('/post/');
        if ((phase === 'locked' && !post) || (phase !== 'locked' && post)) {
          reached();
          return new Promise<never>(() => undefined);
        }
        return runGate(spec as never);
      };
      void runMain(f, s.inputs, { deps: { gate: gate as never }, state: st });
      await stuck;
      const saved = st.dump()['swap-eip'] as { phase: string; launched: boolean };
      expect(saved.launched).toBe(false);
      if (phase === 'locked') expect(saved.phase).toBe('locked');
      else expect(saved.phase).toBe('associated');
      // the same state as if main had died between writing `associating` and the association
      if (phase === 'associating') st.save('swap-eip', { ...saved, phase: 'associating' });
      const post = await runPost(f, st);
      expect(post.report.failed).toEqual([]);
      expect(post.report.done.join('\n')).not.toMatch(/terminated/);
      expect(await stateOf(f, s.userI)).toBe('running');
      expect(await stateOf(f, s.oldI)).toBe('running');
      expect(await whereIs(f, s.eip.allocationId)).toMatchObject({ instanceId: s.oldI, lock: undefined });
      const runId = (st.dump()['swap-eip'] as { runId: string }).runId;
      expect(await ownershipViolations(runId, s.eip.allocationId)).toEqual([]);
    },
  );
});

describe('the rule holds where destruction is asked for', () => {
  test('a verified swap stops only the previous instance the user named', async () => {
    const s = await setup({ 'old-instance': 'stop' });
    f.health.healthy.add(s.userI);
    const r = await runMain(f, s.inputs);
    expect(r.report?.result).toBe('swapped');
    expect(await stateOf(f, s.userI)).toBe('running');
    expect(await stateOf(f, s.oldI)).toBe('stopped');
    expect(await ownershipViolations(r.runId, s.eip.allocationId, s.oldI)).toEqual([]);
  });

  test('launch mode: a failed gate terminates only the instance this run launched', async () => {
    const oldI = await launch(f);
    const eip = await allocate(f, oldI);
    f.sb.proxy.clearLog();
    f.health.postHealthy = false;
    f.health.onRequest = (p) => {
      if (p.startsWith('/pre/')) f.health.healthy.add(p.split('/')[2]!.split('?')[0]!);
    };
    try {
      const r = await runMain(f, {
        ...instanceInputs(f, '', eip.allocationId),
        'launch-template': await launchTemplate(f),
      });
      expect(r.outputs.result).toBe('rolled-back');
      const launched = r.outputs['new-instance-id']!;
      expect(await stateOf(f, launched)).toBe('terminated');
      expect(await stateOf(f, oldI)).toBe('running');
      expect(await ownershipViolations(r.runId, eip.allocationId)).toEqual([]);
      expect(
        f.sb.proxy.requests
          .filter((q) => q.action === 'TerminateInstances')
          .flatMap((q) => instanceIdsOf(q.params)),
      ).toEqual([launched]);
    } finally {
      f.health.onRequest = undefined;
      f.health.postHealthy = true;
    }
  });
});
