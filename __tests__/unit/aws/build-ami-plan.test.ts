// The plan of a native build (what it logs before its first call), from the spec alone.
import { expect, test } from '@jest/globals';
import { formatPlan, nativePlan, type PlanStep } from '../../../packages/aws/ami/plan.js';
import type { NativeBuildSpec } from '../../../packages/aws/ami/types.js';

const spec: NativeBuildSpec = {
  region: 'us-east-1',
  runId: 'run-1',
  app: 'web',
  family: 'web',
  base: { id: 'ami-0123456789abcdef0' },
  instanceType: 't3.micro',
  securityGroupIds: [],
  userData: '#!/bin/sh\n',
  name: 'web-1',
  description: 'd',
  tags: {},
  copyRegions: [],
  provisionTimeoutMs: 30 * 60_000,
  imageTimeoutMs: 60 * 60_000,
  keep: 0,
  snapshotTagSpecification: true,
};

const SIGNAL = 'instance stopped (user data powers off)';

test.each<[string, Partial<NativeBuildSpec>, PlanStep[]]>([
  [
    'the least: one region, no retention',
    {},
    [
      { phase: 'launch', action: 'temporary security group (no inbound rules) in the default VPC' },
      { phase: 'launch', action: 'instance t3.micro from base AMI ami-0123456789abcdef0' },
      { phase: 'provision', action: `${SIGNAL}, within 30m` },
      { phase: 'image', action: 'CreateImage "web-1" in us-east-1, available within 1h' },
      { phase: 'image', action: 'tag the image of family "web" as finished' },
      {
        phase: 'clean up',
        action: 'terminate the instance, delete the security group, sweep what is tagged hac:run-id=run-1',
      },
    ],
  ],
  [
    'filters, a subnet, a profile, a volume, extra groups, copies and retention',
    {
      base: { filters: { name: ['ubuntu/*'], architecture: ['x86_64', 'arm64'] }, owners: ['amazon'] },
      subnetId: 'subnet-0123456789abcdef0',
      instanceProfile: 'builder',
      volumeSizeGb: 20,
      securityGroupIds: ['sg-0123456789abcdef0'],
      copyRegions: ['eu-west-1', 'us-west-2'],
      keep: 3,
      family: 'fam',
    },
    [
      {
        phase: 'launch',
        action: 'temporary security group (no inbound rules) in the VPC of subnet-0123456789abcdef0',
      },
      {
        phase: 'launch',
        action:
          'instance t3.micro from the newest AMI of amazon matching name=ubuntu/*, architecture=x86_64|arm64 (instance profile builder; 20 GiB root volume; also in sg-0123456789abcdef0)',
      },
      { phase: 'provision', action: `${SIGNAL}, within 30m` },
      { phase: 'image', action: 'CreateImage "web-1" in us-east-1, available within 1h' },
      { phase: 'image', action: 'CopyImage to eu-west-1' },
      { phase: 'image', action: 'CopyImage to us-west-2' },
      { phase: 'image', action: 'tag the images of family "fam" as finished' },
      {
        phase: 'retention',
        action:
          'keep the newest 3 images of family "fam" in us-east-1, eu-west-1, us-west-2; deregister older unused ones',
      },
      {
        phase: 'clean up',
        action: 'terminate the instance, delete the security group, sweep what is tagged hac:run-id=run-1',
      },
    ],
  ],
])('%s', (_title, over, steps) => {
  expect(nativePlan({ ...spec, ...over }, SIGNAL)).toEqual(steps);
});

test('formatted as one line per step, phase first', () => {
  expect(formatPlan(nativePlan(spec, 'SSM Run Command (AWS-RunShellScript)')).split('\n')).toEqual([
    '  launch: temporary security group (no inbound rules) in the default VPC',
    '  launch: instance t3.micro from base AMI ami-0123456789abcdef0',
    '  provision: SSM Run Command (AWS-RunShellScript), within 30m',
    '  image: CreateImage "web-1" in us-east-1, available within 1h',
    '  image: tag the image of family "web" as finished',
    '  clean up: terminate the instance, delete the security group, sweep what is tagged hac:run-id=run-1',
  ]);
});
