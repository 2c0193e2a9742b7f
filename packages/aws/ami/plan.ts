// The plan of a native build as data (pure): what it will create, wait for and remove, phase by
// phase. The build logs it before its first call; tests check it with a table.
import { formatDuration } from '@hac/toolkit';
import type { BaseAmi, NativeBuildSpec } from './types.js';

export type BuildPhase = 'launch' | 'provision' | 'image' | 'retention' | 'clean up';

export interface PlanStep {
  phase: BuildPhase;
  action: string;
}

function baseText(base: BaseAmi): string {
  if ('id' in base) return `base AMI ${base.id}`;
  const filters = Object.entries(base.filters)
    .map(([k, v]) => `${k}=${v.join('|')}`)
    .join(', ');
  return `the newest AMI of ${base.owners.join(', ')} matching ${filters}`;
}

function instanceText(spec: NativeBuildSpec): string {
  const extras = [
    spec.instanceProfile ? `instance profile ${spec.instanceProfile}` : '',
    spec.volumeSizeGb ? `${spec.volumeSizeGb} GiB root volume` : '',
    spec.securityGroupIds.length ? `also in ${spec.securityGroupIds.join(', ')}` : '',
  ].filter(Boolean);
  return `instance ${spec.instanceType} from ${baseText(spec.base)}${extras.length ? ` (${extras.join('; ')})` : ''}`;
}

/** Every step of a native build, in order; `signal` names how provisioning reports it is done. */
export function nativePlan(spec: NativeBuildSpec, signal: string): PlanStep[] {
  const regions = [spec.region, ...spec.copyRegions];
  const vpc = spec.subnetId ? `the VPC of ${spec.subnetId}` : 'the default VPC';
  const steps: PlanStep[] = [
    { phase: 'launch', action: `temporary security group (no inbound rules) in ${vpc}` },
    { phase: 'launch', action: instanceText(spec) },
    { phase: 'provision', action: `${signal}, within ${formatDuration(spec.provisionTimeoutMs)}` },
    {
      phase: 'image',
      action: `CreateImage "${spec.name}" in ${spec.region}, available within ${formatDuration(spec.imageTimeoutMs)}`,
    },
    ...spec.copyRegions.map((r): PlanStep => ({ phase: 'image', action: `CopyImage to ${r}` })),
    {
      phase: 'image',
      action: `tag the image${regions.length > 1 ? 's' : ''} of family "${spec.family}" as finished`,
    },
  ];
  if (spec.keep > 0)
    steps.push({
      phase: 'retention',
      action: `keep the newest ${spec.keep} images of family "${spec.family}" in ${regions.join(', ')}; deregister older unused ones`,
    });
  steps.push({
    phase: 'clean up',
    action: `terminate the instance, delete the security group, sweep what is tagged hac:run-id=${spec.runId}`,
  });
  return steps;
}

/** The plan as log lines: `phase: action`. */
export function formatPlan(steps: PlanStep[]): string {
  return steps.map((s) => `  ${s.phase}: ${s.action}`).join('\n');
}
