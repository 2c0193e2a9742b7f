import { describe, expect, test } from '@jest/globals';
import { ActionError } from '@hac/toolkit';
import {
  associateInput,
  chooseTarget,
  launchInput,
  pointsAt,
  pointsAtPrevious,
  previousOf,
  restoreInput,
} from '../../../packages/aws/eip/requests.js';
import { type AddressInfo, type InstanceInfo } from '../../../packages/aws/eip/ec2.js';

const eni = (id: string, deviceIndex: number, ips: string[]) => ({
  id,
  deviceIndex,
  privateIps: ips,
  primaryPrivateIp: ips[0],
});
const one: InstanceInfo = {
  instanceId: 'i-1',
  state: 'running',
  privateIp: '10.0.0.1',
  publicIp: '3.3.3.3',
  networkInterfaces: [eni('eni-a', 0, ['10.0.0.1', '10.0.0.2'])],
  tags: {},
};
const multi: InstanceInfo = {
  ...one,
  instanceId: 'i-2',
  networkInterfaces: [eni('eni-a', 0, ['10.0.0.1']), eni('eni-b', 1, ['10.0.1.1', '10.0.1.2'])],
};

describe('chooseTarget', () => {
  test.each<[string, InstanceInfo, { networkInterfaceIndex?: number; privateIp?: string }, unknown]>([
    ['single interface: the instance', one, {}, { kind: 'instance', instanceId: 'i-1' }],
    [
      'single interface with a secondary private IP',
      one,
      { privateIp: '10.0.0.2' },
      { kind: 'instance', instanceId: 'i-1', privateIp: '10.0.0.2' },
    ],
    [
      'several interfaces: the primary ENI',
      multi,
      {},
      { kind: 'eni', instanceId: 'i-2', networkInterfaceId: 'eni-a' },
    ],
    [
      'several interfaces, index 1',
      multi,
      { networkInterfaceIndex: 1 },
      { kind: 'eni', instanceId: 'i-2', networkInterfaceId: 'eni-b' },
    ],
    [
      'index 1 with its secondary IP',
      multi,
      { networkInterfaceIndex: 1, privateIp: '10.0.1.2' },
      { kind: 'eni', instanceId: 'i-2', networkInterfaceId: 'eni-b', privateIp: '10.0.1.2' },
    ],
    [
      'explicit index 0 on a single-ENI instance',
      one,
      { networkInterfaceIndex: 0 },
      { kind: 'eni', instanceId: 'i-1', networkInterfaceId: 'eni-a' },
    ],
  ])('%s', (_, inst, opts, expected) => {
    expect(chooseTarget(inst, opts)).toEqual(expected);
  });

  test.each<[string, InstanceInfo, { networkInterfaceIndex?: number; privateIp?: string }, RegExp]>([
    ['stopped instance', { ...one, state: 'stopped' }, {}, /is stopped, not running/],
    [
      'missing device index',
      multi,
      { networkInterfaceIndex: 3 },
      /no network interface at device index 3 \(it has: 0, 1\)/,
    ],
    [
      'private IP not on the interface',
      multi,
      { networkInterfaceIndex: 1, privateIp: '10.0.0.1' },
      /10.0.0.1 is not on eni-b/,
    ],
  ])('rejects %s', (_, inst, opts, message) => {
    expect(() => chooseTarget(inst, opts)).toThrow(ActionError);
    expect(() => chooseTarget(inst, opts)).toThrow(message);
  });
});

describe('AssociateAddress inputs', () => {
  test('AllowReassociation is always explicit', () => {
    expect(associateInput('eipalloc-1', { kind: 'instance', instanceId: 'i-1' }, false)).toEqual({
      AllocationId: 'eipalloc-1',
      InstanceId: 'i-1',
      AllowReassociation: false,
    });
    expect(
      associateInput(
        'eipalloc-1',
        { kind: 'eni', instanceId: 'i-2', networkInterfaceId: 'eni-b', privateIp: '10.0.1.2' },
        true,
      ),
    ).toEqual({
      AllocationId: 'eipalloc-1',
      NetworkInterfaceId: 'eni-b',
      PrivateIpAddress: '10.0.1.2',
      AllowReassociation: true,
    });
  });

  test.each<[string, Parameters<typeof restoreInput>[1], unknown]>([
    [
      'by interface and private IP',
      { instanceId: 'i-0', networkInterfaceId: 'eni-0', privateIp: '10.0.0.9' },
      {
        AllocationId: 'eipalloc-1',
        NetworkInterfaceId: 'eni-0',
        PrivateIpAddress: '10.0.0.9',
        AllowReassociation: true,
      },
    ],
    [
      'by instance',
      { instanceId: 'i-0' },
      { AllocationId: 'eipalloc-1', InstanceId: 'i-0', AllowReassociation: true },
    ],
    ['nothing before: disassociate instead', {}, undefined],
  ])('restore %s', (_, prev, expected) => {
    expect(restoreInput('eipalloc-1', prev)).toEqual(expected);
  });
});

describe('where the address points', () => {
  const addr = (p: Partial<AddressInfo>): AddressInfo => ({
    allocationId: 'eipalloc-1',
    publicIp: '1.1.1.1',
    tags: {},
    ...p,
  });
  test('pointsAt compares by interface for ENI targets and by instance otherwise', () => {
    const a = addr({
      associationId: 'eipassoc-1',
      instanceId: '',
      networkInterfaceId: 'eni-b',
      privateIp: '10.0.1.1',
    });
    expect(pointsAt(a, { kind: 'eni', instanceId: 'i-2', networkInterfaceId: 'eni-b' })).toBe(true);
    expect(
      pointsAt(a, { kind: 'eni', instanceId: 'i-2', networkInterfaceId: 'eni-b', privateIp: '10.0.1.2' }),
    ).toBe(false);
    expect(
      pointsAt(addr({ associationId: 'x', instanceId: 'i-1' }), { kind: 'instance', instanceId: 'i-1' }),
    ).toBe(true);
    expect(pointsAt(addr({ instanceId: 'i-1' }), { kind: 'instance', instanceId: 'i-1' })).toBe(false);
  });
  test('pointsAtPrevious', () => {
    expect(pointsAtPrevious(addr({}), {})).toBe(true);
    expect(pointsAtPrevious(addr({ associationId: 'a', instanceId: 'i-1' }), {})).toBe(false);
    expect(
      pointsAtPrevious(
        addr({ associationId: 'a', instanceId: 'i-0', networkInterfaceId: 'eni-0' }),
        previousOf(addr({ associationId: 'b', instanceId: 'i-0', networkInterfaceId: 'eni-0' })),
      ),
    ).toBe(true);
  });
});

test('launchInput: one instance from the template, tagged with the run id (instance and volumes)', () => {
  const input = launchInput(
    {
      mode: 'launch',
      template: { name: 'web-lt', version: '$Latest' },
      amiId: 'ami-0123456789abcdef0',
      tags: { app: 'web', 'hac:run-id': 'spoof' },
    },
    'run-7',
    'tok',
  );
  expect(input).toMatchObject({
    LaunchTemplate: { LaunchTemplateName: 'web-lt', Version: '$Latest' },
    ImageId: 'ami-0123456789abcdef0',
    MinCount: 1,
    MaxCount: 1,
    ClientToken: 'tok',
  });
  expect(input.TagSpecifications?.map((t) => t.ResourceType)).toEqual(['instance', 'volume']);
  expect(input.TagSpecifications?.[0]?.Tags).toEqual([
    { Key: 'app', Value: 'web' },
    { Key: 'hac:run-id', Value: 'run-7' },
    { Key: 'hac:purpose', Value: 'swap-eip/instance' },
  ]);
});
