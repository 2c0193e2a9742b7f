// The inputs of k8s-bluegreen (names in one place) and how they become BlueGreenInputs.
import { input, readInputs, type InputSource, type Rule, type Values } from '@hac/toolkit';
import { buildGate } from '../gates.js';
import {
  checksField,
  commonInputs,
  defaultRunId,
  urlsField,
  validateCommon,
  type CommonValues,
} from '../inputs.js';
import { workloadInputs } from '../workload.js';
import { rollbackInputs, rollbackInputsOnlyOnRollback, rollbackRequest } from '../rollback-inputs.js';
import type { BlueGreenInputs } from './types.js';

export const Inputs = {
  ...commonInputs,
  action: input.oneOf(['deploy', 'promote', 'abort', 'rollback'] as const, 'deploy'),
  route: input.oneOf(['service', 'gateway-api'] as const, 'service'),
  'http-route': input.string({
    pattern: /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
    expected: 'the name of an HTTPRoute (a DNS subdomain)',
  }),
  'preview-urls': urlsField(),
  'preview-checks': checksField(),
  'live-urls': urlsField(),
  'live-checks': checksField(),
  'keep-old-for': input.duration({ default: '0s', max: '6h' }),
  'old-color-action': input.oneOf(['scale-down', 'delete', 'keep'] as const, 'scale-down'),
  'auto-promote': input.boolean(true),
  'lease-duration': input.duration({ default: '60s', min: '5s', max: '1h' }),
  ...rollbackInputs,
};

export const Outputs = {
  activeColor: 'active-color',
  previousColor: 'previous-color',
  image: 'image',
  previousImage: 'previous-image',
  verdict: 'verdict',
  rollbackReason: 'rollback-reason',
  weight: 'weight',
  requests: 'api-requests',
} as const;

type BlueGreenValues = Values<typeof Inputs>;

/** The inputs every k8s action shares (workload only with action: deploy). */
export const commonRules: Rule<BlueGreenValues> = (values, problems, ctx) =>
  validateCommon(values as unknown as CommonValues, problems, ctx.failed, values.action === 'deploy');

export const httpRouteNeedsGatewayApi: Rule<BlueGreenValues> = (values, problems) => {
  if (values['http-route'] !== '' && values.route !== 'gateway-api')
    problems.add('http-route', values['http-route'], 'empty unless route is gateway-api');
};

/** auto-promote: false only means something to a deploy (an explicit true is harmless). */
export const autoPromoteOnlyOnDeploy: Rule<BlueGreenValues> = (values, problems, ctx) => {
  if (values.action !== 'deploy' && values['auto-promote'] === false && ctx.raw('auto-promote').trim() !== '')
    problems.add('auto-promote', ctx.raw('auto-promote'), 'set only with action: deploy');
};

export const blueGreenRules = [
  commonRules,
  httpRouteNeedsGatewayApi,
  autoPromoteOnlyOnDeploy,
  rollbackInputsOnlyOnRollback,
];

export type ReadInputs = BlueGreenInputs & { kubeconfig: string; context: string; namespace: string };

export function readBlueGreenInputs(source: InputSource, env: NodeJS.ProcessEnv = process.env): ReadInputs {
  const v = readInputs(Inputs, source, blueGreenRules);
  const timing = {
    waitMs: v['gate-wait'],
    intervalMs: v['gate-interval'],
    consecutive: v['gate-consecutive'],
  };
  return {
    kubeconfig: v.kubeconfig,
    context: v.context,
    namespace: v.namespace,
    requestTimeoutMs: v['request-timeout'],
    action: v.action,
    workload: workloadInputs(v),
    route: v.route,
    httpRoute: v['http-route'],
    previewGate: buildGate(v['preview-urls'], v['preview-checks'], timing),
    liveGate: buildGate(v['live-urls'], v['live-checks'], timing),
    keepOldForMs: v['keep-old-for'],
    oldColorAction: v['old-color-action'],
    autoPromote: v['auto-promote'],
    timeoutMs: v.timeout,
    lockTimeoutMs: v['lock-timeout'],
    dryRun: v['dry-run'],
    runId: v['run-id'] || defaultRunId(env),
    leaseDurationS: Math.round(v['lease-duration'] / 1000),
    rollback: rollbackRequest(v),
  };
}
