// The canary strategy of @hac/k8s: steps, replica math, routes, Prometheus analysis, the engine
// and the k8s-canary action's flow.
export { parseSteps, parsePauses, MAX_STEPS, STEPS_EXPECTED, PAUSE_EXPECTED } from './steps.js';
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
  runCanary,
  CanaryFailed,
  type CanaryOptions,
  type CanaryResult,
  type CanaryDeps,
  type Verdict,
} from './engine.js';
export { canaryInputs, readCanaryInputs, type CanaryInputs } from './inputs.js';
export { canaryOutputs, canarySummary, Outputs as CanaryOutputs } from './report.js';
export { runCanaryAction, runCanaryPost, State as CanaryState, type CanaryActionDeps } from './action.js';
