// The canary strategy of @hac/k8s: steps, replica math, routes, Prometheus analysis, the engine
// and the k8s-canary action's flow.
export { parseSteps, parsePauses, MAX_STEPS, STEPS_EXPECTED, PAUSE_EXPECTED } from './steps-input.js';
export {
  planReplicas,
  azurePodCanary,
  defaultSurge,
  type Hpa,
  type ReplicaInput,
  type ReplicaPlan,
} from './replicas.js';
export {
  ROUTE_METHODS,
  weightedRules,
  currentRouteWeight,
  canaryIngress,
  nginxCanaryAnnotations,
  pinnedSelector,
  NGINX_CANARY,
  NGINX_WEIGHT,
  type RouteMethod,
} from './routes.js';
export {
  parseMetrics,
  evaluateMetric,
  queryPrometheus,
  runMetrics,
  renderQuery,
  type MetricSpec,
  type MetricResult,
} from './metrics.js';
export {
  STATE_ANNOTATION,
  TRACK_LABEL,
  readRecord,
  isActive,
  State as CanaryState,
  type CanaryRecord,
  type Phase,
} from './state.js';
export {
  canaryDeployment,
  canaryService,
  promotedTemplate,
  canaryName,
  versionOf,
  withVersion,
} from './build.js';
export { canaryPermissions } from './permissions.js';
export {
  CanaryFailed,
  type CanaryOptions,
  type CanaryResult,
  type CanaryDeps,
  type PlanRow,
  type Verdict,
} from './types.js';
export { planCanary, planRows, planLines, type CanaryPlan, type StepPlan, type InitialPlan } from './plan.js';
export type { Observed } from './observe.js';
export { desiredState, judge, type Analysis, type Desired, type Judgement } from './steps.js';
export { runCanary } from './engine.js';
export { canaryInputs, readCanaryInputs, type CanaryInputs } from './inputs.js';
export { canaryOutputs, canarySummary, Outputs as CanaryOutputs } from './report.js';
export { runCanaryAction, type CanaryActionDeps } from './action.js';
export { canaryMain, canaryPost, runCanaryPost } from './entry.js';
