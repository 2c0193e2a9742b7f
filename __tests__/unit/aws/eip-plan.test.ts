// The swap plan as a value: from the typed inputs (read by the real reader) and what was observed,
// the steps a run takes, what it does to the old instance, and every line dry-run prints.
import { describe, expect, test } from '@jest/globals';
import { ActionError } from '@hac/toolkit';
import {
  checkReassociation,
  planSwap,
  type Observed,
  type SwapPlan,
  type SwapStep,
} from '../../../packages/aws/eip/plan.js';
import { readSwapConfig } from '../../../packages/aws/eip/config.js';
import { type AddressInfo, type InstanceInfo } from '../../../packages/aws/eip/ec2.js';
import { type LockStatus } from '../../../packages/aws/eip/lock.js';

/** Fields the plan has (undefined: a field it must not have). */
type Expected = { [K in keyof SwapPlan]?: SwapPlan[K] | undefined };

const ALLOC = 'eipalloc-0123456789abcdef0';
const NEW = 'i-0000000000000000b';
const OLD = 'i-0000000000000000a';

const config = (raw: Record<string, string>) =>
  readSwapConfig((n) => ({ 'allocation-id': ALLOC, grace: '0', ...raw })[n] ?? '');
const instanceMode = (raw: Record<string, string> = {}) => config({ 'instance-id': NEW, ...raw });
const launchMode = (raw: Record<string, string> = {}) => config({ 'launch-template': 'web-lt', ...raw });

const eni = (id: string, deviceIndex: number) => ({
  id,
  deviceIndex,
  privateIps: [`10.0.${deviceIndex}.5`],
  primaryPrivateIp: `10.0.${deviceIndex}.5`,
});
const instance = (p: Partial<InstanceInfo> = {}): InstanceInfo => ({
  instanceId: NEW,
  state: 'running',
  privateIp: '10.0.0.5',
  publicIp: '3.3.3.3',
  networkInterfaces: [eni('eni-b', 0)],
  tags: {},
  ...p,
});
const onOld: Partial<AddressInfo> = { associationId: 'eipassoc-1', instanceId: OLD };
const seen = (
  address: Partial<AddressInfo> = onOld,
  extra: { instance?: InstanceInfo; lock?: LockStatus } = {},
): Observed => {
  const a: AddressInfo = { allocationId: ALLOC, publicIp: '203.0.113.7', tags: {}, ...address };
  return {
    address: a,
    previous: a.instanceId ? { associationId: a.associationId, instanceId: a.instanceId } : {},
    ...(extra.instance ? { instance: extra.instance } : {}),
    lock: extra.lock ?? { kind: 'free' },
  };
};

const ALL_STEPS: SwapStep[] = ['lock', 'pre-swap gate', 'associate', 'post-swap gate', 'release'];

describe('planSwap: steps, target and the old instance', () => {
  test.each<[string, SwapPlan['action'], Expected, ReturnType<typeof config>, Observed]>([
    [
      'instance mode: lock, gates, associate, release; the old instance is stopped',
      'swap',
      {
        steps: ALL_STEPS,
        target: { kind: 'instance', instanceId: NEW },
        retire: { instanceId: OLD, action: 'stop', graceMs: 0 },
      },
      instanceMode(),
      seen(onOld, { instance: instance() }),
    ],
    [
      'launch mode adds the launch; the target is chosen after it',
      'swap',
      {
        steps: ['lock', 'launch', ...ALL_STEPS.slice(1)],
        target: undefined,
        retire: { instanceId: OLD, action: 'terminate', graceMs: 60_000 },
      },
      launchMode({ 'old-instance': 'terminate', grace: '1m' }),
      seen(),
    ],
    [
      'an unassociated address: nothing to retire',
      'swap',
      { steps: ALL_STEPS, retire: undefined },
      instanceMode(),
      seen({}, { instance: instance() }),
    ],
    [
      'old-instance keep is carried to release',
      'swap',
      { retire: { instanceId: OLD, action: 'keep', graceMs: 0 } },
      instanceMode({ 'old-instance': 'keep' }),
      seen(onOld, { instance: instance() }),
    ],
    [
      'the address already on the new instance: unchanged, no steps',
      'unchanged',
      { steps: [], retire: undefined },
      instanceMode(),
      seen({ associationId: 'eipassoc-2', instanceId: NEW }, { instance: instance() }),
    ],
    [
      'unchanged wins over dry-run',
      'unchanged',
      { steps: [] },
      instanceMode({ 'dry-run': 'true' }),
      seen({ associationId: 'eipassoc-2', instanceId: NEW }, { instance: instance() }),
    ],
    [
      'on the new instance but another interface: a swap to the chosen ENI',
      'swap',
      { target: { kind: 'eni', instanceId: NEW, networkInterfaceId: 'eni-c' }, retire: undefined },
      instanceMode({ 'network-interface-index': '1' }),
      seen(
        { associationId: 'eipassoc-2', instanceId: NEW, networkInterfaceId: 'eni-b' },
        { instance: instance({ networkInterfaces: [eni('eni-b', 0), eni('eni-c', 1)] }) },
      ),
    ],
    [
      'dry-run',
      'dry-run',
      { steps: ALL_STEPS },
      instanceMode({ 'dry-run': 'true' }),
      seen(onOld, { instance: instance() }),
    ],
  ])('%s', (_name, action, expected, cfg, observed) => {
    const plan = planSwap(cfg, observed);
    expect(plan.action).toBe(action);
    expect(plan).toMatchObject(
      Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== undefined)),
    );
    for (const [k, v] of Object.entries(expected)) if (v === undefined) expect(plan).not.toHaveProperty(k);
  });

  test.each([
    ['stopped', instance({ state: 'stopped' }), {}, /is stopped, not running/],
    [
      'no interface at the index',
      instance(),
      { 'network-interface-index': '3' },
      /no network interface at device index 3/,
    ],
    [
      'a private IP the interface lacks',
      instance(),
      { 'private-ip': '10.9.9.9' },
      /10\.9\.9\.9 is not on eni-b/,
    ],
  ])('an instance that cannot take the address (%s) fails before any write', (_n, i, raw, message) => {
    expect(() => planSwap(instanceMode(raw), seen(onOld, { instance: i }))).toThrow(message);
  });
});

describe('planSwap: what dry-run prints', () => {
  const lines = (plan: SwapPlan) =>
    plan.dryRun.map((l) => ('text' in l ? l.text : `${l.label}: <${l.probe}>`));

  test('instance mode, with both gates', () => {
    const cfg = instanceMode({
      'dry-run': 'true',
      'health-url': 'http://{{private-ip}}/',
      'post-swap-url': 'http://{{eip}}/',
      grace: '30s',
    });
    expect(lines(planSwap(cfg, seen(onOld, { instance: instance() })))).toEqual([
      'lock: free',
      'CreateTags hac:lock (dry run): <CreateTags>',
      'AssociateAddress (dry run): <AssociateAddress>',
      'would run the pre-swap gate (url) on the new instance',
      `would associate 203.0.113.7 with ${NEW} (AllowReassociation=true)`,
      'would run the post-swap gate through the Elastic IP',
      `after 30s, would stop ${OLD}`,
    ]);
  });

  test('launch mode, with an AMI override and no gates, on an unassociated address', () => {
    const cfg = launchMode({
      'dry-run': 'true',
      'ami-id': 'ami-0123456789abcdef0',
      'launch-template-version': '4',
    });
    expect(lines(planSwap(cfg, seen({})))).toEqual([
      'lock: free',
      'CreateTags hac:lock (dry run): <CreateTags>',
      'RunInstances (dry run): <RunInstances>',
      'would launch 1 instance from web-lt 4 with ami-0123456789abcdef0, wait for running and status ok',
      'no pre-swap gate',
      'would associate 203.0.113.7 with the new instance (AllowReassociation=true)',
      'no post-swap gate',
      'no previous instance to retire',
    ]);
  });

  test.each<[string, LockStatus, Record<string, string>, string]>([
    ['free', { kind: 'free' }, {}, 'lock: free'],
    [
      'expired',
      { kind: 'expired', holder: { owner: 'run-1/ab', expiresAt: 0 } },
      {},
      'lock: expired (run-1/ab); would be taken over',
    ],
    [
      'held',
      { kind: 'held', holder: { owner: 'run-2/cd', expiresAt: 9e12 } },
      { 'lock-timeout': '2m' },
      'lock: held by run-2/cd; would wait up to 2m',
    ],
    ['manual', { kind: 'manual', value: 'do not touch' }, {}, 'lock: manual hold "do not touch"'],
  ])('the lock line: %s', (_n, lock, raw, line) => {
    const observed = seen({ ...onOld, tags: { 'hac:lock': 'do not touch' } }, { instance: instance(), lock });
    expect(lines(planSwap(instanceMode({ 'dry-run': 'true', ...raw }), observed))[0]).toBe(line);
  });
});

describe('checkReassociation', () => {
  test.each<[string, Record<string, string>, Partial<AddressInfo>, boolean]>([
    ['associated, reassociation allowed', {}, onOld, false],
    ['associated, reassociation refused', { 'allow-reassociation': 'false' }, onOld, true],
    ['not associated, reassociation refused', { 'allow-reassociation': 'false' }, {}, false],
  ])('%s', (_n, raw, address, throws) => {
    const run = () => checkReassociation(instanceMode(raw), seen(address));
    if (throws) expect(run).toThrow(ActionError);
    else expect(run).not.toThrow();
  });
});
