// swap-eip against the sandbox's moto, through the fault proxy; every result checked with an
// independent EC2 client. Local HTTP servers stand in for the instances' health endpoints.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { AssociateAddressCommand, CreateTagsCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { runGate } from '@hac/probe';
import {
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
  writes,
  type Fixture,
} from './swap-eip.fixture.js';

let f: Fixture;
beforeAll(async () => {
  f = await fixture();
});
afterAll(async () => {
  await f.close();
});

describe('instance mode', () => {
  test('gate passes: the EIP moves to the new instance, the old one is stopped, outputs and summary are set', async () => {
    const [oldI, newI] = [await launch(f), await launch(f)];
    const eip = await allocate(f, oldI);
    f.health.healthy.add(newI);
    f.health.seen.length = 0;
    const r = await runMain(f, instanceInputs(f, newI, eip.allocationId));
    expect(r.error).toBeUndefined();
    expect(r.report?.result).toBe('swapped');
    expect((await whereIs(f, eip.allocationId)).instanceId).toBe(newI);
    expect((await whereIs(f, eip.allocationId)).lock).toBeUndefined();
    expect(await stateOf(f, oldI)).toBe('stopped');
    expect(r.outputs).toMatchObject({
      'previous-instance-id': oldI,
      'new-instance-id': newI,
      'public-ip': eip.publicIp,
      'allocation-id': eip.allocationId,
      result: 'swapped',
    });
    expect(r.outputs['association-id']).toMatch(/^eipassoc-/);
    // the templates were filled with the new instance's values and the EIP
    const priv = (await f.ec2.send(new DescribeInstancesCommand({ InstanceIds: [newI] }))).Reservations![0]!
      .Instances![0]!.PrivateIpAddress;
    expect(f.health.seen).toEqual([`/pre/${newI}?ip=${priv}`, `/post/${eip.publicIp}`]);
    expect(r.summary).toContain('swap-eip: ✅ swapped');
    expect(r.summary).toMatch(/\| \+\d.*\| associate \| ✓ \|/);
    expect(r.state.dump()['swap-eip']).toMatchObject({ phase: 'finished' });
    // AllowReassociation is sent explicitly
    expect(
      f.sb.proxy.requests.filter((q) => q.action === 'AssociateAddress').at(-1)?.params.AllowReassociation,
    ).toBe('true');
  });

  test('pre-swap gate fails: no swap, nothing written but the lock, which is released', async () => {
    const [oldI, newI] = [await launch(f), await launch(f)];
    const eip = await allocate(f, oldI);
    f.sb.proxy.clearLog();
    const r = await runMain(f, instanceInputs(f, newI, eip.allocationId));
    expect(r.error?.message).toMatch(/pre-swap health gate failed on i-.*503.*The Elastic IP was not moved/s);
    expect(r.error?.hint).toMatch(/application log/);
    expect(await whereIs(f, eip.allocationId)).toMatchObject({ instanceId: oldI, lock: undefined });
    expect(await stateOf(f, oldI)).toBe('running');
    expect(writes(f).map((w) => w.action)).toEqual(['CreateTags', 'DeleteTags']);
    expect(r.outputs.result).toBe('failed');
    expect(r.summary).toContain('pre-swap gate');
  });

  test('post-swap gate fails: the swap is rolled back to the old instance', async () => {
    const [oldI, newI] = [await launch(f), await launch(f)];
    const eip = await allocate(f, oldI);
    f.health.healthy.add(newI);
    f.health.postHealthy = false;
    try {
      const r = await runMain(f, instanceInputs(f, newI, eip.allocationId));
      expect(r.error?.message).toMatch(
        /post-swap health gate through .* failed.*Rolled back: .* moved back to i-/s,
      );
      expect(r.report?.result).toBeUndefined();
      expect(r.outputs.result).toBe('rolled-back');
      expect(r.outputs['association-id']).toBe('');
      expect(await whereIs(f, eip.allocationId)).toMatchObject({ instanceId: oldI, lock: undefined });
      expect(await stateOf(f, oldI)).toBe('running');
      expect(r.summary).toContain('Rolled back');
    } finally {
      f.health.postHealthy = true;
    }
  });

  test('an unassociated EIP is disassociated again on rollback', async () => {
    const newI = await launch(f);
    const eip = await allocate(f);
    f.health.healthy.add(newI);
    f.health.postHealthy = false;
    try {
      const r = await runMain(f, instanceInputs(f, newI, eip.allocationId));
      expect(r.error?.message).toMatch(/disassociated \(it had no instance before\)/);
      expect((await whereIs(f, eip.allocationId)).instanceId).toBeUndefined();
    } finally {
      f.health.postHealthy = true;
    }
  });

  test('old-instance terminate and keep; the EIP named by its public IP; re-running is a no-op', async () => {
    const [a, b, c] = [await launch(f), await launch(f), await launch(f)];
    const eip = await allocate(f, a);
    f.health.healthy.add(b).add(c);
    const r1 = await runMain(
      f,
      instanceInputs(f, b, '', { 'public-ip': eip.publicIp, 'old-instance': 'terminate' }),
    );
    expect(r1.error).toBeUndefined();
    expect(await stateOf(f, a)).toBe('terminated');
    const r2 = await runMain(f, instanceInputs(f, c, eip.allocationId, { 'old-instance': 'keep' }));
    expect(r2.report?.result).toBe('swapped');
    expect(await stateOf(f, b)).toBe('running');
    f.sb.proxy.clearLog();
    const r3 = await runMain(f, instanceInputs(f, c, eip.allocationId));
    expect(r3.report?.result).toBe('unchanged');
    expect(writes(f)).toEqual([]);
    expect((await whereIs(f, eip.allocationId)).instanceId).toBe(c);
  });

  test('grace: the old instance is stopped only after the grace period', async () => {
    const [oldI, newI] = [await launch(f), await launch(f)];
    const eip = await allocate(f, oldI);
    f.health.healthy.add(newI);
    const slept: number[] = [];
    const r = await runMain(f, instanceInputs(f, newI, eip.allocationId, { grace: '90s' }), {
      deps: {
        sleep: async (ms) => {
          slept.push(ms);
          if (ms === 90_000) expect(await stateOf(f, oldI)).toBe('running');
        },
      },
    });
    expect(r.error).toBeUndefined();
    expect(slept).toContain(90_000);
    expect(await stateOf(f, oldI)).toBe('stopped');
  });
});

describe('network interfaces', () => {
  test('a multi-ENI instance gets the EIP on its primary interface by NetworkInterfaceId', async () => {
    const [oldI, newI] = [await launch(f), await launch(f, { enis: 2 })];
    const eip = await allocate(f, oldI);
    f.health.healthy.add(newI);
    f.sb.proxy.clearLog();
    const r = await runMain(f, instanceInputs(f, newI, eip.allocationId));
    expect(r.error).toBeUndefined();
    const desc = (await f.ec2.send(new DescribeInstancesCommand({ InstanceIds: [newI] }))).Reservations![0]!
      .Instances![0]!;
    const primary = desc.NetworkInterfaces!.find((n) => n.Attachment?.DeviceIndex === 0)!;
    const assoc = f.sb.proxy.requests.find((q) => q.action === 'AssociateAddress')!;
    expect(assoc.params).toMatchObject({
      NetworkInterfaceId: primary.NetworkInterfaceId,
      AllowReassociation: 'true',
    });
    expect(assoc.params.InstanceId).toBeUndefined();
    expect(await whereIs(f, eip.allocationId)).toMatchObject({
      networkInterfaceId: primary.NetworkInterfaceId,
      privateIp: primary.PrivateIpAddress,
    });
  });

  test('network-interface-index and private-ip pick the second interface; rollback restores the old ENI association', async () => {
    const [oldI, newI] = [await launch(f, { enis: 2 }), await launch(f, { enis: 2 })];
    const eip = await allocate(f);
    const oldDesc = (await f.ec2.send(new DescribeInstancesCommand({ InstanceIds: [oldI] })))
      .Reservations![0]!.Instances![0]!;
    const oldSecond = oldDesc.NetworkInterfaces!.find((n) => n.Attachment?.DeviceIndex === 1)!;
    await f.ec2.send(
      new AssociateAddressCommand({
        AllocationId: eip.allocationId,
        NetworkInterfaceId: oldSecond.NetworkInterfaceId,
        AllowReassociation: true,
      }),
    );
    const newDesc = (await f.ec2.send(new DescribeInstancesCommand({ InstanceIds: [newI] })))
      .Reservations![0]!.Instances![0]!;
    const second = newDesc.NetworkInterfaces!.find((n) => n.Attachment?.DeviceIndex === 1)!;
    f.health.healthy.add(newI);
    const r = await runMain(
      f,
      instanceInputs(f, newI, eip.allocationId, {
        'network-interface-index': '1',
        'private-ip': second.PrivateIpAddress!,
        'old-instance': 'keep',
      }),
    );
    expect(r.error).toBeUndefined();
    expect(r.outputs['previous-instance-id']).toBe(oldI);
    expect(await whereIs(f, eip.allocationId)).toMatchObject({
      networkInterfaceId: second.NetworkInterfaceId,
      privateIp: second.PrivateIpAddress,
    });
    // now back to the old one, with a failing post-swap gate: restored to the new one's ENI
    f.health.healthy.add(oldI);
    f.health.postHealthy = false;
    try {
      const back = await runMain(
        f,
        instanceInputs(f, oldI, eip.allocationId, { 'network-interface-index': '1' }),
      );
      expect(back.error?.message).toMatch(/Rolled back/);
      expect(await whereIs(f, eip.allocationId)).toMatchObject({
        networkInterfaceId: second.NetworkInterfaceId,
        privateIp: second.PrivateIpAddress,
      });
    } finally {
      f.health.postHealthy = true;
    }
  });
});

describe('launch mode', () => {
  test('launches from the template with the AMI override, waits, gates, swaps, tags the instance with the run id', async () => {
    const oldI = await launch(f);
    const eip = await allocate(f, oldI);
    const lt = await launchTemplate(f);
    f.health.healthy.clear();
    f.health.onRequest = (p) => {
      const id = p.split('/')[2]?.split('?')[0];
      if (id) f.health.healthy.add(id); // whatever instance was launched is healthy
    };
    try {
      const r = await runMain(f, {
        ...instanceInputs(f, '', eip.allocationId),
        'launch-template': lt,
        'ami-id': f.ami,
        tags: 'app=web',
      });
      expect(r.error).toBeUndefined();
      const newI = r.outputs['new-instance-id']!;
      f.made.instances.push(newI);
      expect((await whereIs(f, eip.allocationId)).instanceId).toBe(newI);
      const d = (await f.ec2.send(new DescribeInstancesCommand({ InstanceIds: [newI] }))).Reservations![0]!
        .Instances![0]!;
      expect(d.ImageId).toBe(f.ami);
      expect(d.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'hac:run-id', Value: r.runId },
          { Key: 'app', Value: 'web' },
        ]),
      );
      expect(await leakedInstances(f, r.runId, [newI])).toEqual([]);
      expect(await stateOf(f, oldI)).toBe('stopped');
    } finally {
      f.health.onRequest = undefined;
    }
  });

  test('the release fails: the launched instance is terminated, the EIP stays on the old instance', async () => {
    const oldI = await launch(f);
    const eip = await allocate(f, oldI);
    const lt = await launchTemplate(f);
    const r = await runMain(f, { ...instanceInputs(f, '', eip.allocationId), 'launch-template': lt });
    expect(r.error?.message).toMatch(/pre-swap health gate failed.*Rolled back: terminated i-/s);
    const newI = r.outputs['new-instance-id']!;
    expect(await stateOf(f, newI)).toBe('terminated');
    expect(await leakedInstances(f, r.runId)).toEqual([]);
    expect(await whereIs(f, eip.allocationId)).toMatchObject({ instanceId: oldI, lock: undefined });
  });

  test('post-swap failure in launch mode: EIP restored and the new instance terminated', async () => {
    const oldI = await launch(f);
    const eip = await allocate(f, oldI);
    const lt = await launchTemplate(f);
    f.health.onRequest = (p) => void f.health.healthy.add(p.split('/')[2]?.split('?')[0] ?? '');
    f.health.postHealthy = false;
    try {
      const r = await runMain(f, { ...instanceInputs(f, '', eip.allocationId), 'launch-template': lt });
      expect(r.error?.message).toMatch(/post-swap health gate/);
      expect(await stateOf(f, r.outputs['new-instance-id']!)).toBe('terminated');
      expect(await leakedInstances(f, r.runId)).toEqual([]);
      expect((await whereIs(f, eip.allocationId)).instanceId).toBe(oldI);
    } finally {
      f.health.onRequest = undefined;
      f.health.postHealthy = true;
    }
  });
});

describe('lock', () => {
  test('a second run waits, then fails clearly, writing nothing; the first run completes', async () => {
    const [oldI, newI, other] = [await launch(f), await launch(f), await launch(f)];
    const eip = await allocate(f, oldI);
    f.health.healthy.add(newI).add(other);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inGate = new Promise<void>((r) => (entered = r));
    f.health.onRequest = async (p) => {
      if (p.startsWith(`/pre/${newI}`)) {
        entered();
        await held;
      }
    };
    try {
      const first = runMain(f, instanceInputs(f, newI, eip.allocationId));
      await inGate;
      const lockValue = (await whereIs(f, eip.allocationId)).lock;
      expect(lockValue).toMatch(/^swap-\S+ \d{4}-/);
      f.sb.proxy.clearLog();
      const second = await runMain(f, instanceInputs(f, other, eip.allocationId, { 'lock-timeout': '1s' }));
      expect(second.error?.message).toMatch(/is locked by another swap \(hac:lock=".*"\); waited 1s/);
      expect(second.error?.hint).toMatch(/lock-timeout/);
      expect(f.sb.proxy.count('DescribeAddresses')).toBeGreaterThan(3); // it polled
      expect(writes(f)).toEqual([]);
      release();
      const r1 = await first;
      expect(r1.error).toBeUndefined();
      expect(await whereIs(f, eip.allocationId)).toMatchObject({ instanceId: newI, lock: undefined });
    } finally {
      f.health.onRequest = undefined;
      release();
    }
  });

  test('an expired lock of a crashed run is taken over', async () => {
    const [oldI, newI] = [await launch(f), await launch(f)];
    const eip = await allocate(f, oldI);
    await f.ec2.send(
      new CreateTagsCommand({
        Resources: [eip.allocationId],
        Tags: [{ Key: 'hac:lock', Value: 'crashed-run/0000 2020-01-01T00:00:00.000Z' }],
      }),
    );
    f.health.healthy.add(newI);
    const r = await runMain(f, instanceInputs(f, newI, eip.allocationId));
    expect(r.error).toBeUndefined();
    expect(r.log.join('\n')).toMatch(/held by crashed-run\/0000 expired .* taking it over/);
    expect(await whereIs(f, eip.allocationId)).toMatchObject({ instanceId: newI, lock: undefined });
  });

  test('a manual hold blocks the swap and says how to lift it', async () => {
    const [oldI, newI] = [await launch(f), await launch(f)];
    const eip = await allocate(f, oldI);
    await f.ec2.send(
      new CreateTagsCommand({
        Resources: [eip.allocationId],
        Tags: [{ Key: 'hac:lock', Value: 'release freeze' }],
      }),
    );
    const r = await runMain(f, instanceInputs(f, newI, eip.allocationId, { 'lock-timeout': '0' }));
    expect(r.error?.hint).toMatch(/manual hold/);
    expect(await whereIs(f, eip.allocationId)).toMatchObject({ instanceId: oldI, lock: 'release freeze' });
  });
});

describe('dry run', () => {
  test.each([['instance'], ['launch']])('%s mode: plans with DryRun calls only', async (mode) => {
    const [oldI, newI] = [await launch(f), await launch(f)];
    const eip = await allocate(f, oldI);
    const target: Record<string, string> =
      mode === 'instance'
        ? { 'instance-id': newI }
        : { 'instance-id': '', 'launch-template': await launchTemplate(f) };
    f.sb.proxy.clearLog();
    const r = await runMain(f, {
      ...instanceInputs(f, newI, eip.allocationId),
      ...target,
      'dry-run': 'true',
    });
    expect(r.error).toBeUndefined();
    expect(r.report?.result).toBe('dry-run');
    const w = writes(f);
    expect(w.length).toBeGreaterThan(0);
    expect(w.every((q) => q.params.DryRun === 'true')).toBe(true);
    expect(w.map((q) => q.action)).toEqual([
      'CreateTags',
      mode === 'instance' ? 'AssociateAddress' : 'RunInstances',
    ]);
    expect(r.report?.plan.join('\n')).toMatch(/\(dry run\): ok/);
    expect(await whereIs(f, eip.allocationId)).toMatchObject({ instanceId: oldI, lock: undefined });
    expect(r.summary).toContain('dry run');
  });
});

describe('cancellation and the post step', () => {
  test('SIGTERM during the post-swap gate aborts the wait and rolls back', async () => {
    const oldI = await launch(f);
    const eip = await allocate(f, oldI);
    const lt = await launchTemplate(f);
    const ac = new AbortController();
    let abortedAt = 0;
    f.health.onRequest = (p) => {
      if (p.startsWith('/pre/')) f.health.healthy.add(p.split('/')[2]!.split('?')[0]!);
      if (p.startsWith('/post/') && !abortedAt) {
        abortedAt = Date.now();
        ac.abort(
          new (class extends Error {
            override name = 'CancelledError';
          })('Cancelled: received SIGTERM'),
        );
      }
    };
    f.health.postHealthy = false;
    try {
      const r = await runMain(
        f,
        { ...instanceInputs(f, '', eip.allocationId), 'launch-template': lt, 'post-swap-wait': '10m' },
        { signal: ac.signal },
      );
      // from the abort to the end, the rollback included: far from the 10 min gate it was waiting in
      expect(abortedAt).toBeGreaterThan(0);
      expect(Date.now() - abortedAt).toBeLessThan(60_000);
      expect(r.error?.message).toMatch(/Cancelled: received SIGTERM.*Rolled back/s);
      expect((await whereIs(f, eip.allocationId)).instanceId).toBe(oldI);
      expect(await leakedInstances(f, r.runId)).toEqual([]);
      expect(r.state.dump()['swap-eip']).toMatchObject({ phase: 'finished' });
      const post = await runPost(f, r.state);
      expect(post.report.needed).toBe(false);
    } finally {
      f.health.onRequest = undefined;
      f.health.postHealthy = true;
    }
  }, 120_000);

  test('main killed after associating: the post step restores the EIP, terminates the instance, drops the lock', async () => {
    const oldI = await launch(f);
    const eip = await allocate(f, oldI);
    const lt = await launchTemplate(f);
    let inPost!: () => void;
    const reached = new Promise<void>((r) => (inPost = r));
    f.health.onRequest = (p) => {
      if (p.startsWith('/pre/')) f.health.healthy.add(p.split('/')[2]!.split('?')[0]!);
    };
    // A gate that never returns after the swap: main is stuck, as if the runner killed it.
    const gate = async (spec: { checks: { url: string }[] }) => {
      if (spec.checks[0]!.url.includes('/post/')) {
        inPost();
        return new Promise<never>(() => undefined);
      }
      return runGate(spec as never);
    };
    const st = memoryState();
    try {
      void runMain(
        f,
        { ...instanceInputs(f, '', eip.allocationId), 'launch-template': lt },
        { deps: { gate: gate as never }, state: st },
      );
      await reached;
      const newI = (await whereIs(f, eip.allocationId)).instanceId!;
      expect(newI).not.toBe(oldI);
      // what main saved, as the runner hands it to the post step
      expect(st.dump()['swap-eip']).toMatchObject({
        phase: 'associated',
        launched: true,
        newInstanceId: newI,
      });
      const post = await runPost(f, st);
      expect(post.report.failed).toEqual([]);
      expect(post.report.done.join('\n')).toMatch(/moved back to .*terminated .*removed this run's lock/s);
      expect(await whereIs(f, eip.allocationId)).toMatchObject({ instanceId: oldI, lock: undefined });
      expect(await stateOf(f, newI)).toBe('terminated');
    } finally {
      f.health.onRequest = undefined;
    }
  });
});
