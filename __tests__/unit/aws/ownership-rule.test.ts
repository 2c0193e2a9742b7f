// The ownership rule the AWS fault matrices check every destructive call against.
import { describe, expect, test } from '@jest/globals';
import { ownershipViolations, type Inventory } from '../../support/ownership.js';
import type { LoggedRequest } from '../../support/fault-proxy.js';

const before: Inventory = {
  instances: new Set(['i-user']),
  groups: new Set(['sg-user']),
  images: new Map([
    ['ami-old-of-family', 'web'],
    ['ami-other', 'api'],
  ]),
  snapshots: new Map([
    ['snap-of-family', 'web'],
    ['snap-other', ''],
  ]),
};
const call = (action: string, params: Record<string, string>): LoggedRequest =>
  ({ action, region: 'us-east-1', at: 0, params }) as LoggedRequest;

describe('ownershipViolations', () => {
  test.each<[string, LoggedRequest, string[]]>([
    ['an instance the run launched', call('TerminateInstances', { 'InstanceId.1': 'i-new' }), []],
    [
      'the user’s instance',
      call('TerminateInstances', { 'InstanceId.1': 'i-new', 'InstanceId.2': 'i-user' }),
      ['TerminateInstances i-user'],
    ],
    [
      'stopping the user’s instance',
      call('StopInstances', { 'InstanceId.1': 'i-user' }),
      ['StopInstances i-user'],
    ],
    ['a group the run made', call('DeleteSecurityGroup', { GroupId: 'sg-new' }), []],
    [
      'the user’s group',
      call('DeleteSecurityGroup', { GroupId: 'sg-user' }),
      ['DeleteSecurityGroup sg-user'],
    ],
    ['an old image of the family', call('DeregisterImage', { ImageId: 'ami-old-of-family' }), []],
    [
      'an image of another family',
      call('DeregisterImage', { ImageId: 'ami-other' }),
      ['DeregisterImage ami-other'],
    ],
    ['a snapshot of the family', call('DeleteSnapshot', { SnapshotId: 'snap-of-family' }), []],
    [
      'a snapshot of no family',
      call('DeleteSnapshot', { SnapshotId: 'snap-other' }),
      ['DeleteSnapshot snap-other'],
    ],
    ['a read', call('DescribeInstances', { 'InstanceId.1': 'i-user' }), []],
  ])('%s', (_, req, expected) => expect(ownershipViolations(before, [req], 'web')).toEqual(expected));

  test('without retention no pre-existing image may go', () =>
    expect(ownershipViolations(before, [call('DeregisterImage', { ImageId: 'ami-old-of-family' })])).toEqual([
      'DeregisterImage ami-old-of-family',
    ]));

  test.each<[string, LoggedRequest, string[]]>([
    ['an instance the run launched', call('TerminateInstances', { 'InstanceId.1': 'i-new' }), []],
    [
      'a snapshot, even one of the run',
      call('DeleteSnapshot', { SnapshotId: 'snap-new' }),
      ['DeleteSnapshot snap-new (snapshots were not listed before the run)'],
    ],
    [
      'a group',
      call('DeleteSecurityGroup', { GroupId: 'sg-new' }),
      ['DeleteSecurityGroup sg-new (groups were not listed before the run)'],
    ],
  ])('only instances listed: %s', (_, req, expected) =>
    expect(ownershipViolations({ ...before, listed: ['instances'] }, [req], 'web')).toEqual(expected),
  );
});
