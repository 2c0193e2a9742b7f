/** The k8s-canary action's inputs: the shared Kubernetes inputs plus the canary's own. */
import { input, readInputs, type InputSource, type Rule, type Values } from '@hac/toolkit';
import { checksField, commonInputs, urlsField, validateCommon, type CommonValues } from '../inputs.js';
import { rollbackInputs, rollbackInputsOnlyOnRollback } from '../rollback-inputs.js';
import { analysisInputs, analysisRules, resolveAnalysis, type AnalysisOptions } from './analysis-inputs.js';
import type { MetricSpec } from './metrics.js';
import { failedOutputs } from './report.js';
import { ROUTE_METHODS } from './routes.js';
import { PAUSE_EXPECTED, STEPS_EXPECTED, parsePauses, parseSteps } from './steps-input.js';

const NAME = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;
/** A Kubernetes label value (non-empty). */
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

export const canaryInputs = {
  ...commonInputs,
  action: input.oneOf(['deploy', 'promote', 'abort', 'rollback'] as const, 'deploy'),
  steps: input.map(input.string({ default: '10,25,50,100' }), parseSteps, STEPS_EXPECTED),
  pause: input.string({ default: '0' }),
  route: input.oneOf(ROUTE_METHODS, 'replicas'),
  surge: input.optional(input.integer({ min: 0, max: 1000 })),
  service: input.string({ pattern: NAME, expected: 'a Service name' }),
  'http-route': input.string({ pattern: NAME, expected: 'an HTTPRoute name' }),
  ingress: input.string({ pattern: NAME, expected: 'an Ingress name' }),
  'canary-urls': urlsField(),
  'canary-checks': checksField(),
  'stable-urls': urlsField(),
  'stable-checks': checksField(),
  // Threshold gates, or the judge's list with analysis: baseline (metricsFitAnalysis parses it).
  metrics: input.string({ trim: false }),
  ...analysisInputs,
  'prometheus-url': input.string({
    pattern: /^https?:\/\/[^\s@]+$/,
    expected: 'an http:// or https:// URL of Prometheus without credentials',
  }),
  'prometheus-token': input.credential({ expected: 'a bearer token' }),
  version: input.string({
    pattern: LABEL_VALUE,
    expected:
      'a label value: at most 63 letters, digits, -, _ or ., starting and ending with a letter or digit',
  }),
  ...rollbackInputs,
};

type CanaryValues = Values<typeof canaryInputs>;
export type CanaryInputs = Omit<CanaryValues, 'metrics'> & {
  pauses: number[];
  metrics: MetricSpec[];
  /** With analysis: baseline, what each step is judged with. */
  analysisOptions?: AnalysisOptions;
};

/** The inputs every k8s action shares (workload only with action: deploy). */
export const commonRules: Rule<CanaryValues> = (v, problems, { failed }) =>
  validateCommon(v as unknown as CommonValues, problems, failed, v.action === 'deploy');

/** pause: one duration, or one per gap between the steps. */
export const pausesFitSteps: Rule<CanaryValues> = (v, problems, { failed }) => {
  if (failed.has('steps') || failed.has('pause')) return;
  try {
    parsePauses(v.pause, v.steps.length);
  } catch {
    problems.add('pause', v.pause, PAUSE_EXPECTED);
  }
};

/** A routed deploy names the object it weights: http-route for gateway-api, ingress for ingress-nginx. */
export const routeNeedsItsObject: Rule<CanaryValues> = (v, problems) => {
  if (v.action !== 'deploy') return;
  if (v.route === 'gateway-api' && v['http-route'] === '')
    problems.add('http-route', '', 'the name of the HTTPRoute to weight (required with route: gateway-api)');
  if (v.route === 'ingress-nginx' && v.ingress === '')
    problems.add(
      'ingress',
      '',
      'the name of the stable Ingress to copy (required with route: ingress-nginx)',
    );
};

export const surgeOnlyWithReplicas: Rule<CanaryValues> = (v, problems) => {
  if (v.route !== 'replicas' && v.surge !== undefined)
    problems.add('surge', String(v.surge), 'empty unless route is replicas');
};

/** version labels the canary's pods: a deploy's, and only when the action builds the Deployment. */
export const versionOnlyForBuiltDeploy: Rule<CanaryValues> = (v, problems, { failed }) => {
  if (v.version === '' || failed.has('version')) return;
  if (v.action !== 'deploy') problems.add('version', v.version, 'empty unless action is deploy');
  else if (v.manifests.length > 0)
    problems.add(
      'version',
      v.version,
      "empty when manifests are given (set the pod template's version label in the manifests)",
    );
};

export const metricsNeedPrometheus: Rule<CanaryValues> = (v, problems, { failed }) => {
  if (!failed.has('metrics') && v.metrics.length > 0 && v['prometheus-url'] === '')
    problems.add('prometheus-url', '', 'the URL of Prometheus (required when metrics are given)');
};

export const canaryRules = [
  commonRules,
  pausesFitSteps,
  routeNeedsItsObject,
  surgeOnlyWithReplicas,
  versionOnlyForBuiltDeploy,
  metricsNeedPrometheus,
  rollbackInputsOnlyOnRollback,
  ...analysisRules,
];

/** Reads and checks every input; all problems are reported together in one InputError. */
export function readCanaryInputs(source: InputSource): CanaryInputs {
  const v = readInputs(canaryInputs, source, canaryRules);
  // Checked by pausesFitSteps and metricsFitAnalysis: parse here.
  const { metrics, analysis } = resolveAnalysis(v);
  return { ...v, metrics, analysisOptions: analysis, pauses: parsePauses(v.pause, v.steps.length) };
}

/** Reads the typed inputs; on bad input the outputs say `failed` before the one InputError is raised. */
export function readOrFail(
  source: InputSource,
  setOutputs: (o: Record<string, string>) => void,
): CanaryInputs {
  try {
    return readCanaryInputs(source);
  } catch (err) {
    setOutputs(failedOutputs());
    throw err;
  }
}
